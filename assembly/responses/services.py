"""Responders, their responses and status updates, and what the public tracker shows.

A responder is an account of the body that commissioned the assembly, given access to one
assembly at a time by its facilitators (like a researcher). Once the report is published, a
responder records a response to each recommendation (accepted, accepted in part, not accepted
or under consideration, with the reasoning and a promised date) and later status updates (what
was implemented, when, with links to evidence). Nothing is edited in place: a change is a new
version, every version stays public, and each is audited.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.audit.services import record_event
from assembly.db.models import (
    PROGRESS_STATES,
    RESPONSE_STANCES,
    Account,
    Assembly,
    DraftingProcess,
    Recommendation,
    RecommendationResponse,
    ResponderGrant,
    StatusUpdate,
)
from assembly.errors import Conflict, InvalidInput, NotFound
from assembly.forms_common import normalise_email, normalise_text
from assembly.i18n import _l
from assembly.recommendations.motions import Verdict, motions_by_id, verdict_of
from assembly.responses.tracking import overdue_days

REASONING_MAX = 10_000
DESCRIPTION_MAX = 5_000
EVIDENCE_MAX = 10
URL_MAX = 500

STANCE_LABELS: dict[str, Any] = {
    "accepted": _l("Accepted"),
    "accepted_in_part": _l("Accepted in part"),
    "not_accepted": _l("Not accepted"),
    "under_consideration": _l("Under consideration"),
}
PROGRESS_LABELS: dict[str, Any] = {
    "planned": _l("Planned"),
    "in_progress": _l("In progress"),
    "partly_implemented": _l("Partly implemented"),
    "implemented": _l("Implemented"),
    "not_pursued": _l("Not pursued"),
}


# --- responders ------------------------------------------------------------------------------


async def list_responders(db: AsyncSession, assembly: Assembly) -> list[tuple[int, str]]:
    rows = await db.execute(
        select(Account.id, Account.email)
        .join(ResponderGrant, ResponderGrant.account_id == Account.id)
        .where(ResponderGrant.assembly_id == assembly.id)
        .order_by(Account.email)
    )
    return [(row.id, row.email) for row in rows]


async def grant_responder(
    db: AsyncSession, assembly: Assembly, email: str, actor_id: int | None
) -> ResponderGrant:
    account = await db.scalar(select(Account).where(Account.email == normalise_email(email)))
    if account is None or not account.is_active or account.role != "responder":
        raise InvalidInput(
            {"responder_email": _l("There is no responder account with this e-mail address.")}
        )
    exists = await db.scalar(
        select(ResponderGrant.id).where(
            ResponderGrant.assembly_id == assembly.id, ResponderGrant.account_id == account.id
        )
    )
    if exists is not None:
        raise InvalidInput({"responder_email": _l("This responder already has access.")})
    grant = ResponderGrant(assembly_id=assembly.id, account_id=account.id, granted_by_id=actor_id)
    db.add(grant)
    await db.flush()
    await record_event(
        db,
        "responder.granted",
        actor_kind="account",
        actor_id=actor_id,
        assembly_id=assembly.id,
        subject=grant,
        account_id=account.id,
    )
    return grant


async def revoke_responder(
    db: AsyncSession, assembly: Assembly, account_id: int, actor_id: int | None
) -> None:
    grant = await db.scalar(
        select(ResponderGrant).where(
            ResponderGrant.assembly_id == assembly.id, ResponderGrant.account_id == account_id
        )
    )
    if grant is None:
        raise NotFound()
    await db.delete(grant)
    await record_event(
        db,
        "responder.revoked",
        actor_kind="account",
        actor_id=actor_id,
        assembly_id=assembly.id,
        subject_type="responder_grants",
        subject_id=grant.id,
        account_id=account_id,
    )


async def is_responder_of(db: AsyncSession, account: Account | None, assembly: Assembly) -> bool:
    if account is None or account.role != "responder" or not account.is_active:
        return False
    found = await db.scalar(
        select(ResponderGrant.id).where(
            ResponderGrant.assembly_id == assembly.id, ResponderGrant.account_id == account.id
        )
    )
    return found is not None


async def responder_assemblies(db: AsyncSession, account: Account) -> list[Assembly]:
    rows = await db.scalars(
        select(Assembly)
        .join(ResponderGrant, ResponderGrant.assembly_id == Assembly.id)
        .where(ResponderGrant.account_id == account.id)
        .order_by(Assembly.title)
    )
    return list(rows.all())


# --- responses and updates -------------------------------------------------------------------


@dataclass
class ResponseInput:
    stance: str
    reasoning: str
    promised_on: str


@dataclass
class UpdateInput:
    progress: str
    description: str
    happened_on: str
    evidence: list[str]


def _date(text: str, field_name: str, errors: dict[str, Any]) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        errors[field_name] = _l("Enter a date such as 2027-03-31.")
        return None


def _require_open(process: DraftingProcess) -> None:
    if process.report_published_at is None:
        raise Conflict(
            {"": _l("Responses can be recorded once the assembly's report is published.")}
        )


async def latest_response(
    db: AsyncSession, recommendation: Recommendation
) -> RecommendationResponse | None:
    return await db.scalar(
        select(RecommendationResponse)
        .where(RecommendationResponse.recommendation_id == recommendation.id)
        .order_by(RecommendationResponse.version.desc())
        .limit(1)
    )


async def record_response(
    db: AsyncSession,
    assembly: Assembly,
    process: DraftingProcess,
    recommendation: Recommendation,
    values: ResponseInput,
    account_id: int,
) -> RecommendationResponse:
    """A response, or a new version of it (the earlier ones stay)."""
    _require_open(process)
    errors: dict[str, Any] = {}
    if values.stance not in RESPONSE_STANCES:
        errors["stance"] = _l("Choose the response.")
    reasoning = normalise_text(values.reasoning)
    if not reasoning:
        errors["reasoning"] = _l("Give the reasoning for the response.")
    elif len(reasoning) > REASONING_MAX:
        errors["reasoning"] = _l("The reasoning can have at most 10,000 characters.")
    promised = _date(values.promised_on, "promised_on", errors)
    needs_date = values.stance in RESPONSE_STANCES and values.stance != "not_accepted"
    if promised is None and "promised_on" not in errors and needs_date:
        errors["promised_on"] = _l(
            "Give the date by which it will be done, or decided if it is under consideration."
        )
    if errors:
        raise InvalidInput(errors)
    previous = await latest_response(db, recommendation)
    if previous is not None and (previous.stance, previous.reasoning, previous.promised_on) == (
        values.stance,
        reasoning,
        promised,
    ):
        raise InvalidInput({"": _l("Nothing changed: the response is already recorded so.")})
    response = RecommendationResponse(
        recommendation_id=recommendation.id,
        version=(previous.version + 1) if previous is not None else 1,
        stance=values.stance,
        reasoning=reasoning,
        promised_on=promised,
        account_id=account_id,
    )
    db.add(response)
    await db.flush()
    await record_event(
        db,
        "response.recorded",
        actor_kind="account",
        actor_id=account_id,
        assembly_id=assembly.id,
        subject=response,
        recommendation=recommendation.number,
        version=response.version,
        stance=response.stance,
    )
    return response


def _clean_update(values: UpdateInput) -> tuple[str, dt.date, list[str]]:
    errors: dict[str, Any] = {}
    if values.progress not in PROGRESS_STATES:
        errors["progress"] = _l("Choose how far it has come.")
    description = normalise_text(values.description)
    if not description:
        errors["description"] = _l("Say what was done.")
    elif len(description) > DESCRIPTION_MAX:
        errors["description"] = _l("The description can have at most 5,000 characters.")
    happened = _date(values.happened_on, "happened_on", errors)
    if happened is None and "happened_on" not in errors:
        errors["happened_on"] = _l("Give the date it happened.")
    links = [link.strip() for link in values.evidence if link.strip()]
    if len(links) > EVIDENCE_MAX:
        errors["evidence"] = _l("Give at most 10 links.")
    elif any(len(u) > URL_MAX or not u.startswith(("https://", "http://")) for u in links):
        errors["evidence"] = _l("Each link must be a web address starting with https://.")
    if errors:
        raise InvalidInput(errors)
    assert happened is not None
    return description, happened, links


async def add_update(
    db: AsyncSession,
    assembly: Assembly,
    process: DraftingProcess,
    recommendation: Recommendation,
    values: UpdateInput,
    account_id: int,
    number: int | None = None,
) -> StatusUpdate:
    """A new status update, or (``number``) a new version of an earlier one."""
    _require_open(process)
    if await latest_response(db, recommendation) is None:
        raise Conflict({"": _l("Record the response before its status updates.")})
    description, happened, links = _clean_update(values)
    if number is None:
        top = await db.scalar(
            select(func.coalesce(func.max(StatusUpdate.number), 0)).where(
                StatusUpdate.recommendation_id == recommendation.id
            )
        )
        number, version = int(top or 0) + 1, 1
    else:
        top = await db.scalar(
            select(func.max(StatusUpdate.version)).where(
                StatusUpdate.recommendation_id == recommendation.id,
                StatusUpdate.number == number,
            )
        )
        if top is None:
            raise NotFound()
        version = int(top) + 1
    update = StatusUpdate(
        recommendation_id=recommendation.id,
        number=number,
        version=version,
        progress=values.progress,
        description=description,
        happened_on=happened,
        evidence=links,
        account_id=account_id,
    )
    db.add(update)
    await db.flush()
    await record_event(
        db,
        "status_update.recorded",
        actor_kind="account",
        actor_id=account_id,
        assembly_id=assembly.id,
        subject=update,
        recommendation=recommendation.number,
        number=number,
        version=version,
        progress=update.progress,
    )
    return update


# --- the tracker -----------------------------------------------------------------------------


@dataclass
class UpdateHistory:
    number: int
    versions: list[StatusUpdate]  # oldest first

    @property
    def current(self) -> StatusUpdate:
        return self.versions[-1]


@dataclass
class Tracked:
    recommendation: Recommendation
    verdict: Verdict | None
    responses: list[RecommendationResponse] = field(default_factory=list)  # oldest first
    updates: list[UpdateHistory] = field(default_factory=list)  # by date
    overdue: int | None = None

    @property
    def response(self) -> RecommendationResponse | None:
        return self.responses[-1] if self.responses else None

    @property
    def latest_progress(self) -> str | None:
        return self.updates[-1].current.progress if self.updates else None

    @property
    def changed_at(self) -> dt.datetime | None:
        moments = [r.created_at for r in self.responses]
        moments += [v.created_at for u in self.updates for v in u.versions]
        return max(moments) if moments else None


async def tracked(
    db: AsyncSession,
    assembly: Assembly,
    process: DraftingProcess,
    today: dt.date | None = None,
) -> list[Tracked]:
    """Every recommendation put to the final vote, with its whole follow-up."""
    today = today or dt.datetime.now(dt.UTC).date()
    recommendations = (
        await db.scalars(
            select(Recommendation)
            .where(
                Recommendation.assembly_id == assembly.id,
                Recommendation.vote_topic_id.is_not(None),
            )
            .order_by(Recommendation.number)
        )
    ).all()
    ids = [r.id for r in recommendations]
    motions = await motions_by_id(db, [r.vote_topic_id for r in recommendations if r.vote_topic_id])
    responses: dict[int, list[RecommendationResponse]] = defaultdict(list)
    updates: dict[tuple[int, int], list[StatusUpdate]] = defaultdict(list)
    if ids:
        for response in (
            await db.scalars(
                select(RecommendationResponse)
                .where(RecommendationResponse.recommendation_id.in_(ids))
                .order_by(RecommendationResponse.version)
            )
        ).all():
            responses[response.recommendation_id].append(response)
        for update in (
            await db.scalars(
                select(StatusUpdate)
                .where(StatusUpdate.recommendation_id.in_(ids))
                .order_by(StatusUpdate.number, StatusUpdate.version)
            )
        ).all():
            updates[(update.recommendation_id, update.number)].append(update)
    found = []
    for recommendation in recommendations:
        histories = [
            UpdateHistory(number, versions)
            for (rid, number), versions in updates.items()
            if rid == recommendation.id
        ]
        histories.sort(key=lambda h: (h.current.happened_on, h.number))
        item = Tracked(
            recommendation=recommendation,
            verdict=verdict_of(motions.get(recommendation.vote_topic_id or 0)),
            responses=responses.get(recommendation.id, []),
            updates=histories,
        )
        current = item.response
        item.overdue = overdue_days(
            current.stance if current else None,
            current.promised_on if current else None,
            item.latest_progress,
            process.response_due_on,
            today,
        )
        found.append(item)
    return found
