"""Project costs of budget topics.

A proposal on a budget topic has two figures: the author's estimate, given when proposing,
and the facilitator's cost, which is the one the ballot shows and the count uses. The
count reads the costs of the visible proposals; voting cannot open while one has none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.audit.services import record_event
from assembly.db.models import Proposal, Topic
from assembly.errors import InvalidInput
from assembly.i18n import _l, currency_name
from assembly.proposals.phases import phase_now

BUDGET_METHOD = "budget"
MAX_AMOUNT = 10**12
# Common currencies first; any ISO 4217 code Babel knows is accepted.
CURRENCIES = ("NOK", "SEK", "DKK", "ISK", "EUR", "GBP", "USD")
AMOUNT_HELP = _l("Enter a whole amount greater than 0, for example 250000.")


def is_budget(topic: Topic) -> bool:
    return topic.voting_method == BUDGET_METHOD


def cost_field(proposal_id: int | str) -> str:
    return f"cost-{proposal_id}"


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


def is_valid_amount(amount: int | None) -> bool:
    """A cost is a whole amount greater than 0 (or none at all)."""
    return amount is None or 0 < amount <= MAX_AMOUNT


async def set_costs(
    db: AsyncSession,
    topic: Topic,
    costs: Mapping[int, int | None],
    actor_account_id: int | None,
) -> int:
    """Set the facilitator's cost of each proposal in ``costs`` (by proposal id).

    All or nothing: any amount out of range leaves every cost as it was, with a message on
    its field. None clears the cost. Costs are fixed once voting has opened, since ballots
    were cast seeing them. Returns how many costs changed.
    """
    if phase_now(topic) not in ("draft", "proposals", "deliberation"):
        raise InvalidInput({"": _l("Costs can be changed until voting opens.")})
    rows = {row.id: row for row in await cost_rows(db, topic)}
    wanted = {proposal_id: cost for proposal_id, cost in costs.items() if proposal_id in rows}
    errors: dict[str, Any] = {
        cost_field(proposal_id): AMOUNT_HELP
        for proposal_id, cost in wanted.items()
        if not is_valid_amount(cost)
    }
    if errors:
        raise InvalidInput(errors)
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
