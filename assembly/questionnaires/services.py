"""Questionnaire rules: building and versioning, consent, drafts and submitting, paper entry.

Services take typed values and raise domain errors; they flush and leave committing to the
caller's transaction.
"""

from __future__ import annotations

import copy
import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.db.models import (
    WAVES,
    Assembly,
    Participant,
    Questionnaire,
    QuestionnaireResponse,
)
from assembly.errors import Conflict, InvalidInput, NotFound
from assembly.i18n import _l
from assembly.questionnaires.instruments import TEMPLATES
from assembly.questionnaires.items import Item, check_items, missing, read_answers


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def list_questionnaires(
    db: AsyncSession, assembly: Assembly, *, current_only: bool = True
) -> list[Questionnaire]:
    query = select(Questionnaire).where(Questionnaire.assembly_id == assembly.id)
    if current_only:
        query = query.where(Questionnaire.superseded.is_(False))
    query = query.order_by(Questionnaire.id)
    return list((await db.scalars(query)).all())


async def get_questionnaire(db: AsyncSession, assembly: Assembly, qid: int) -> Questionnaire:
    found = await db.get(Questionnaire, qid)
    if found is None or found.assembly_id != assembly.id:
        raise NotFound()
    return found


async def create_questionnaire(
    db: AsyncSession,
    assembly: Assembly,
    *,
    template: str | None,
    wave: str,
    actor_id: int | None,
    wave_ref: int | None = None,
) -> Questionnaire:
    if wave not in WAVES:
        raise InvalidInput({"wave": _l("Choose when the questionnaire is asked.")})
    base: Mapping[str, Any] = TEMPLATES.get(template or "", {})
    if template and not base:
        raise InvalidInput({"template": _l("Choose one of the templates.")})
    questionnaire = Questionnaire(
        assembly_id=assembly.id,
        series=secrets.token_hex(8),
        version=1,
        wave=wave,
        wave_ref=wave_ref,
        status="draft",
        title=dict(base.get("title") or {"en": "Questionnaire", "nb": "Spørreskjema"}),
        intro=dict(base.get("intro") or {}),
        consent_text={},
        source=str(base.get("source") or ""),
        items=copy.deepcopy(list(base.get("items") or [])),
        summary_items=[],
        created_by_id=actor_id,
    )
    db.add(questionnaire)
    await db.flush()
    return questionnaire


async def answer_count(db: AsyncSession, questionnaire: Questionnaire) -> int:
    counted = await db.scalar(
        select(func.count(QuestionnaireResponse.id)).where(
            QuestionnaireResponse.questionnaire_id == questionnaire.id,
            QuestionnaireResponse.answers != {},
        )
    )
    return int(counted or 0)


async def update_questionnaire(
    db: AsyncSession,
    questionnaire: Questionnaire,
    *,
    items: Sequence[Item] | None = None,
    title: Mapping[str, str] | None = None,
    intro: Mapping[str, str] | None = None,
    status: str | None = None,
    summary_items: Sequence[str] | None = None,
) -> Questionnaire:
    """Change a questionnaire. Changing its questions once answers exist makes a new version
    (old answers stay linked to the old one); opening, closing and the summary choice do not."""
    if questionnaire.superseded:
        raise Conflict(_l("A newer version of this questionnaire exists; edit that one."))
    target = questionnaire
    content_changes = items is not None or title is not None or intro is not None
    if content_changes and await answer_count(db, questionnaire):
        target = Questionnaire(
            assembly_id=questionnaire.assembly_id,
            series=questionnaire.series,
            version=questionnaire.version + 1,
            wave=questionnaire.wave,
            wave_ref=questionnaire.wave_ref,
            status=questionnaire.status,
            title=dict(questionnaire.title),
            intro=dict(questionnaire.intro),
            consent_text=dict(questionnaire.consent_text),
            source=questionnaire.source,
            items=copy.deepcopy(questionnaire.items),
            summary_items=list(questionnaire.summary_items),
            created_by_id=questionnaire.created_by_id,
        )
        questionnaire.superseded = True
        questionnaire.status = "closed"
        db.add(target)
    if items is not None:
        check_items(items)
        target.items = copy.deepcopy(list(items))
    if title is not None:
        if not any(title.values()):
            raise InvalidInput({"title": _l("Give the questionnaire a title.")})
        target.title = dict(title)
    if intro is not None:
        target.intro = dict(intro)
    if status is not None:
        if status not in ("draft", "open", "closed"):
            raise InvalidInput({"status": _l("Choose open or closed.")})
        target.status = status
    if summary_items is not None:
        keys = {item["key"] for item in target.items}
        target.summary_items = [key for key in summary_items if key in keys]
    await db.flush()
    return target


async def response_of(
    db: AsyncSession, questionnaire: Questionnaire, participant: Participant
) -> QuestionnaireResponse | None:
    found: QuestionnaireResponse | None = await db.scalar(
        select(QuestionnaireResponse).where(
            QuestionnaireResponse.questionnaire_id == questionnaire.id,
            QuestionnaireResponse.participant_id == participant.id,
        )
    )
    return found


def _require_open(questionnaire: Questionnaire) -> None:
    if questionnaire.superseded:
        raise Conflict(
            _l("This questionnaire was changed while you answered. Please open it again.")
        )
    if questionnaire.status != "open":
        raise Conflict(_l("This questionnaire is closed, so answers can no longer be sent."))


async def give_consent(
    db: AsyncSession, questionnaire: Questionnaire, participant: Participant, consent: bool
) -> QuestionnaireResponse:
    _require_open(questionnaire)
    response = await response_of(db, questionnaire, participant)
    if response is None:
        response = QuestionnaireResponse(
            questionnaire_id=questionnaire.id, participant_id=participant.id, answers={}
        )
        db.add(response)
    response.consent = consent
    response.consent_at = _now()
    response.withdrawn_at = None
    await db.flush()
    return response


async def withdraw(
    db: AsyncSession, questionnaire: Questionnaire, participant: Participant
) -> None:
    """Withdrawing consent deletes the answers: nothing of them stays for research."""
    response = await response_of(db, questionnaire, participant)
    if response is None:
        raise NotFound()
    response.consent = False
    response.withdrawn_at = _now()
    response.answers = {}
    response.status = "draft"
    response.submitted_at = None
    await db.flush()


async def save_answers(
    db: AsyncSession,
    questionnaire: Questionnaire,
    participant: Participant,
    form: Mapping[str, Sequence[str]],
    *,
    submit: bool,
    channel: str = "web",
    entered_by_id: int | None = None,
) -> QuestionnaireResponse:
    """Keep what was typed as a draft; on submit, check it and mark it sent.

    Readable answers are saved as a draft even when some are wrong, so nothing typed is lost;
    the errors are then raised for the form to show.
    """
    response = await response_of(db, questionnaire, participant)
    if response is not None and response.status == "submitted":
        raise Conflict(_l("You have already sent this questionnaire. Thank you!"))
    _require_open(questionnaire)
    if channel == "web" and (response is None or not response.consent):
        raise InvalidInput(_l("Please say first whether you agree to answer."))
    if response is None:
        response = QuestionnaireResponse(
            questionnaire_id=questionnaire.id,
            participant_id=participant.id,
            consent=True,
            consent_at=_now(),
        )
        db.add(response)
    answers, errors = read_answers(questionnaire.items, form)
    response.answers = answers
    response.channel = channel
    response.entered_by_id = entered_by_id
    await db.flush()
    if submit:
        errors = {**missing(questionnaire.items, answers), **errors}
    elif errors:
        errors = {k: v for k, v in errors.items()}
    if errors:
        raise InvalidInput(errors)
    if submit:
        response.status = "submitted"
        response.submitted_at = _now()
        await db.flush()
    return response


async def pending_for(
    db: AsyncSession, assembly: Assembly, participant: Participant
) -> list[Questionnaire]:
    """Open questionnaires this participant has neither sent nor declined."""
    done = select(QuestionnaireResponse.questionnaire_id).where(
        QuestionnaireResponse.participant_id == participant.id,
        (QuestionnaireResponse.status == "submitted") | (QuestionnaireResponse.consent.is_(False)),
    )
    query = select(Questionnaire).where(
        Questionnaire.assembly_id == assembly.id,
        Questionnaire.status == "open",
        Questionnaire.superseded.is_(False),
        Questionnaire.id.not_in(done),
    )
    return list((await db.scalars(query.order_by(Questionnaire.id))).all())


async def submitted_answers(
    db: AsyncSession, questionnaire_ids: Sequence[int]
) -> dict[int, dict[int, dict[str, Any]]]:
    """Submitted answers with consent, by questionnaire and participant."""
    rows = await db.execute(
        select(
            QuestionnaireResponse.questionnaire_id,
            QuestionnaireResponse.participant_id,
            QuestionnaireResponse.answers,
        ).where(
            QuestionnaireResponse.questionnaire_id.in_(list(questionnaire_ids)),
            QuestionnaireResponse.status == "submitted",
            QuestionnaireResponse.consent.is_(True),
        )
    )
    out: dict[int, dict[int, dict[str, Any]]] = {qid: {} for qid in questionnaire_ids}
    for qid, pid, answers in rows:
        out[qid][pid] = dict(answers)
    return out


async def enter_paper(
    db: AsyncSession,
    assembly: Assembly,
    questionnaire: Questionnaire,
    pseudonym: str,
    form: Mapping[str, Sequence[str]],
    *,
    entered_by_id: int | None,
) -> QuestionnaireResponse:
    """A facilitator types in a paper questionnaire; the paper form's signature is consent."""
    participant = await db.scalar(
        select(Participant).where(
            Participant.assembly_id == assembly.id, Participant.pseudonym == pseudonym.strip()
        )
    )
    if participant is None:
        raise InvalidInput({"pseudonym": _l("There is no participant with this name here.")})
    return await save_answers(
        db,
        questionnaire,
        participant,
        form,
        submit=True,
        channel="paper",
        entered_by_id=entered_by_id,
    )
