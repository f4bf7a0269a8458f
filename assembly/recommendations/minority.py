"""Minority statements: a view members hold against a recommendation, signed by pseudonym.

Any member may write one from the amendment phase until the report is published; its author
signs it first. It appears on the recommendation, in the report and in the export once it has
the assembly's minimum number of signatures; until then it shows to members as collecting.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.audit.services import record_event
from assembly.db.models import (
    Assembly,
    DraftingProcess,
    MinoritySignature,
    MinorityStatement,
    Participant,
    Recommendation,
)
from assembly.errors import Conflict, InvalidInput, NotFound
from assembly.forms_common import normalise_text
from assembly.i18n import _l
from assembly.recommendations.phases import MINORITY_PHASES
from assembly.recommendations.services import phase_now

STATEMENT_MAX = 3000


@dataclass
class StatementView:
    id: int
    recommendation_id: int
    text: str
    signers: list[str] = field(default_factory=list)
    signed_by_me: bool = False
    mine: bool = False

    def shown(self, minimum: int) -> bool:
        return len(self.signers) >= minimum


def _open(process: DraftingProcess) -> None:
    if phase_now(process) not in MINORITY_PHASES or process.report_published_at is not None:
        raise Conflict(
            {
                "": _l(
                    "Minority statements can be written and signed from the amendment phase "
                    "until the report is published."
                )
            }
        )


async def statements_of(
    db: AsyncSession, recommendation_ids: list[int], viewer_participant_id: int | None = None
) -> dict[int, list[StatementView]]:
    """Every statement of these recommendations with its signers' pseudonyms, oldest first."""
    found: dict[int, list[StatementView]] = defaultdict(list)
    if not recommendation_ids:
        return found
    statements = (
        await db.scalars(
            select(MinorityStatement)
            .where(MinorityStatement.recommendation_id.in_(recommendation_ids))
            .order_by(MinorityStatement.id)
        )
    ).all()
    views = {
        s.id: StatementView(
            s.id, s.recommendation_id, s.text, mine=s.participant_id == viewer_participant_id
        )
        for s in statements
    }
    if views:
        rows = await db.execute(
            select(MinoritySignature.statement_id, Participant.id, Participant.pseudonym)
            .join(Participant, Participant.id == MinoritySignature.participant_id)
            .where(MinoritySignature.statement_id.in_(list(views)))
            .order_by(MinoritySignature.id)
        )
        for statement_id, participant_id, pseudonym in rows.tuples():
            view = views[statement_id]
            view.signers.append(pseudonym)
            if participant_id == viewer_participant_id:
                view.signed_by_me = True
    for view in views.values():
        found[view.recommendation_id].append(view)
    return found


async def add_statement(
    db: AsyncSession,
    assembly: Assembly,
    process: DraftingProcess,
    recommendation: Recommendation,
    participant: Participant,
    text: str,
) -> MinorityStatement:
    _open(process)
    body = normalise_text(text)
    if not body:
        raise InvalidInput({"statement": _l("Write the minority statement.")})
    if len(body) > STATEMENT_MAX:
        raise InvalidInput(
            {"statement": _l("A minority statement can have at most 3,000 characters.")}
        )
    statement = MinorityStatement(
        recommendation_id=recommendation.id, text=body, participant_id=participant.id
    )
    db.add(statement)
    await db.flush()
    db.add(MinoritySignature(statement_id=statement.id, participant_id=participant.id))
    await db.flush()
    await record_event(
        db,
        "minority_statement.created",
        actor_kind="participant",
        actor_id=participant.id,
        assembly_id=assembly.id,
        subject=statement,
        recommendation=recommendation.number,
    )
    return statement


async def _statement(
    db: AsyncSession, recommendation: Recommendation, statement_id: int
) -> MinorityStatement:
    statement = await db.get(MinorityStatement, statement_id)
    if statement is None or statement.recommendation_id != recommendation.id:
        raise NotFound()
    return statement


async def sign(
    db: AsyncSession,
    assembly: Assembly,
    process: DraftingProcess,
    recommendation: Recommendation,
    statement_id: int,
    participant: Participant,
) -> None:
    _open(process)
    statement = await _statement(db, recommendation, statement_id)
    try:
        async with db.begin_nested():
            db.add(MinoritySignature(statement_id=statement.id, participant_id=participant.id))
            await db.flush()
    except IntegrityError as exc:
        raise Conflict({"": _l("You have already signed this statement.")}) from exc
    await record_event(
        db,
        "minority_statement.signed",
        actor_kind="participant",
        actor_id=participant.id,
        assembly_id=assembly.id,
        subject=statement,
    )


async def unsign(
    db: AsyncSession,
    assembly: Assembly,
    process: DraftingProcess,
    recommendation: Recommendation,
    statement_id: int,
    participant: Participant,
) -> None:
    _open(process)
    statement = await _statement(db, recommendation, statement_id)
    await db.execute(
        delete(MinoritySignature).where(
            MinoritySignature.statement_id == statement.id,
            MinoritySignature.participant_id == participant.id,
        )
    )
    await record_event(
        db,
        "minority_statement.unsigned",
        actor_kind="participant",
        actor_id=participant.id,
        assembly_id=assembly.id,
        subject=statement,
    )
