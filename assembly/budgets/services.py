"""Project costs of budget topics.

A proposal on a budget topic has two figures: the author's estimate, given when proposing,
and the facilitator's cost, which is the one the ballot shows and the count uses. The
count reads the costs of the visible proposals; voting cannot open while one has none.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.audit.services import record_event
from assembly.db.models import Proposal, Topic
from assembly.i18n import _l, currency_name
from assembly.proposals.phases import topic_phase
from assembly.web.forms import FormError

BUDGET_METHOD = "budget"
MAX_AMOUNT = 10**12
# Common currencies first; any ISO 4217 code Babel knows is accepted.
CURRENCIES = ("NOK", "SEK", "DKK", "ISK", "EUR", "GBP", "USD")
GROUPED = re.compile(r"^\d{1,3}([.,']\d{3})+$")
AMOUNT_HELP = _l("Enter a whole amount greater than 0, for example 250000.")


def is_budget(topic: Topic) -> bool:
    return topic.voting_method == BUDGET_METHOD


def cost_field(proposal_id: int | str) -> str:
    return f"cost-{proposal_id}"


def parse_amount(text: str) -> int | None:
    """A whole amount as people type it: "250000", "250 000", "250.000" or "250,000".

    Raises ValueError when the text is not a whole positive amount; empty text is None.
    """
    cleaned = re.sub(r"[\s\u00a0\u202f_]", "", text or "")
    if cleaned.lower().endswith(("kr", ",-", ".-")):
        cleaned = cleaned[:-2]
    if not cleaned:
        return None
    if GROUPED.match(cleaned):
        cleaned = re.sub(r"[.,']", "", cleaned)
    if not cleaned.isdigit():
        raise ValueError(text)
    amount = int(cleaned)
    if not 0 < amount <= MAX_AMOUNT:
        raise ValueError(text)
    return amount


def read_estimate(text: str, field: str = "estimated_cost") -> int | None:
    """The author's estimate from a form, or a FormError naming the field."""
    try:
        return parse_amount(text)
    except ValueError as exc:
        raise FormError({field: AMOUNT_HELP}) from exc


@dataclass(frozen=True)
class CostRow:
    """One proposal on the facilitator's cost page."""

    id: int
    title: str
    status: str
    cost: int | None
    estimated_cost: int | None


async def cost_rows(db: AsyncSession, topic: Topic) -> list[CostRow]:
    """The topic's proposals that are not merged away, in the order they were made."""
    rows = await db.execute(
        select(Proposal.id, Proposal.title, Proposal.status, Proposal.cost, Proposal.estimated_cost)
        .where(Proposal.topic_id == topic.id, Proposal.status != "merged")
        .order_by(Proposal.created_at, Proposal.id)
    )
    return [CostRow(*row) for row in rows.tuples()]


async def visible_costs(db: AsyncSession, topic: Topic) -> dict[str, int]:
    """The counted cost of each visible proposal that has one, by id as text."""
    rows = await db.execute(
        select(Proposal.id, Proposal.cost).where(
            Proposal.topic_id == topic.id,
            Proposal.status == "visible",
            Proposal.cost.is_not(None),
        )
    )
    return {str(pid): int(cost or 0) for pid, cost in rows.tuples()}


async def all_costs(db: AsyncSession, topic: Topic) -> dict[str, int]:
    """Every proposal's counted cost (merged and hidden ones too), for results and exports."""
    rows = await db.execute(
        select(Proposal.id, Proposal.cost).where(
            Proposal.topic_id == topic.id, Proposal.cost.is_not(None)
        )
    )
    return {str(pid): int(cost or 0) for pid, cost in rows.tuples()}


async def proposals_without_cost(db: AsyncSession, topic: Topic) -> list[str]:
    """Titles of the visible proposals that have no cost yet."""
    rows = await db.scalars(
        select(Proposal.title)
        .where(
            Proposal.topic_id == topic.id,
            Proposal.status == "visible",
            Proposal.cost.is_(None),
        )
        .order_by(Proposal.created_at, Proposal.id)
    )
    return list(rows.all())


async def set_costs(
    db: AsyncSession, topic: Topic, values: Mapping[str, str], actor_account_id: int | None
) -> int:
    """Set the facilitator's cost of each proposal named in ``values`` (``cost-<id>``).

    All or nothing: any amount that cannot be read leaves every cost as it was, with a
    message on its field. An empty field clears the cost. Costs are fixed once voting has
    opened, since ballots were cast seeing them. Returns how many costs changed.
    """
    if await topic_phase(db, topic) not in ("draft", "proposals", "deliberation"):
        raise FormError({"": _l("Costs can be changed until voting opens.")})
    rows = {row.id: row for row in await cost_rows(db, topic)}
    errors: dict[str, Any] = {}
    wanted: dict[int, int | None] = {}
    for proposal_id in rows:
        name = cost_field(proposal_id)
        if name not in values:
            continue
        try:
            wanted[proposal_id] = parse_amount(values[name])
        except ValueError:
            errors[name] = AMOUNT_HELP
    if errors:
        raise FormError(errors)
    changed = 0
    for proposal_id, cost in wanted.items():
        if rows[proposal_id].cost == cost:
            continue
        proposal = await db.get(Proposal, proposal_id)
        if proposal is None:
            continue
        before, proposal.cost = proposal.cost, cost
        changed += 1
        await record_event(
            db,
            "proposal.cost_set",
            actor_kind="account",
            actor_id=actor_account_id,
            assembly_id=topic.assembly_id,
            subject=proposal,
            before=before,
            cost=cost,
        )
    await db.flush()
    return changed


def check_currency(code: str) -> str | None:
    """The currency code in capitals, or None when Babel does not know it."""
    from babel.numbers import list_currencies

    cleaned = (code or "").strip().upper()
    return cleaned if cleaned in list_currencies() else None


def currency_choices(current: str = "") -> list[tuple[str, str]]:
    """The currencies a facilitator picks from, named in the reader's language."""
    codes = list(CURRENCIES)
    if current and current not in codes and check_currency(current):
        codes.append(current)
    return [(code, f"{currency_name(code)} ({code})") for code in codes]
