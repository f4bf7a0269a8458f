"""Questionnaire rules on the database: versions, consent, drafts, closing, double sending."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from assembly.db.models import Assembly, Participant, Questionnaire
from assembly.errors import Conflict, InvalidInput
from assembly.questionnaires import services


async def _setup(db: Any) -> tuple[Assembly, Participant]:
    assembly = Assembly(slug="survey", title="Survey assembly", language="nb")
    db.add(assembly)
    await db.flush()
    participant = Participant(assembly_id=assembly.id, pseudonym="Ada")
    db.add(participant)
    await db.flush()
    return assembly, participant


def test_answering_drafts_versions_and_withdrawal(db: Any) -> None:
    async def work(session: Any) -> None:
        assembly, person = await _setup(session)
        q = await services.create_questionnaire(
            session, assembly, template="evaluation", wave="post", actor_id=None
        )
        assert q.source.startswith("Drawn from the OECD")
        with pytest.raises(Conflict):  # not open yet
            await services.give_consent(session, q, person, True)
        await services.update_questionnaire(session, q, status="open")
        assert [x.id for x in await services.pending_for(session, assembly, person)] == [q.id]
        with pytest.raises(InvalidInput):  # consent comes first
            await services.save_answers(session, q, person, {"heard": ["4"]}, submit=False)
        await services.give_consent(session, q, person, True)
        # Out of range: refused, but what was readable is kept as a draft.
        with pytest.raises(InvalidInput) as caught:
            await services.save_answers(
                session, q, person, {"heard": ["4"], "information": ["8"]}, submit=True
            )
        assert "information" in caught.value.errors
        response = await services.response_of(session, q, person)
        assert response is not None
        assert response.answers == {"heard": 4}
        assert response.status == "draft"
        await services.save_answers(session, q, person, {"heard": ["5"]}, submit=True)
        with pytest.raises(Conflict):
            await services.save_answers(session, q, person, {"heard": ["5"]}, submit=True)
        assert await services.pending_for(session, assembly, person) == []
        # Editing after answers exist makes a new version; the answer stays with the old one.
        new = await services.update_questionnaire(session, q, items=q.items[:3])
        assert new.id != q.id
        assert new.version == 2
        assert q.superseded
        old = await services.submitted_answers(session, [q.id, new.id])
        assert old == {q.id: {person.id: {"heard": 5}}, new.id: {}}
        versions = (await session.scalars(select(Questionnaire.series))).all()
        assert len(set(versions)) == 1
        with pytest.raises(Conflict):  # a form of the old version, sent after the change
            await services.save_answers(session, q, person, {"heard": ["1"]}, submit=True)
        await services.withdraw(session, q, person)
        assert await services.submitted_answers(session, [q.id]) == {q.id: {}}

    db(work)


def test_a_questionnaire_closed_mid_answer_refuses_the_answers(db: Any) -> None:
    async def work(session: Any) -> None:
        assembly, person = await _setup(session)
        q = await services.create_questionnaire(
            session, assembly, template="quiz", wave="pre", actor_id=None
        )
        await services.update_questionnaire(session, q, status="open")
        await services.give_consent(session, q, person, True)
        await services.update_questionnaire(session, q, status="closed")
        with pytest.raises(Conflict) as caught:
            await services.save_answers(session, q, person, {"quiz1": ["2"]}, submit=True)
        assert "closed" in str(caught.value.message)
        with pytest.raises(InvalidInput):
            await services.create_questionnaire(
                session, assembly, template="nope", wave="pre", actor_id=None
            )

    db(work)
