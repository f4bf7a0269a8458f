"""The run of show as plain values: what each button does to an item, its clock, and the plan.

Pure: no web or database code. The services load rows into ``ItemClock`` values, ask this
module what a press does, and store the answer. Speaking-round order is here too: who is
invited in next, quietest first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

# What a facilitator can press, by the state of the item it acts on.
ACTIONS = ("start", "pause", "resume", "extend", "finish", "skip", "next")
EXTEND_SECONDS = 5 * 60
OPEN_STATUSES = frozenset({"running", "paused"})
CLOSED_STATUSES = frozenset({"done", "skipped"})


class AgendaError(Exception):
    """A press that does not fit the item's state; ``code`` names why, for the message."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class ItemClock:
    status: str  # pending, running, paused, done, skipped
    planned_seconds: int
    extra_seconds: int = 0
    run_seconds: int = 0
    running_since: dt.datetime | None = None

    @property
    def allowed_seconds(self) -> int:
        return self.planned_seconds + self.extra_seconds

    def elapsed(self, now: dt.datetime) -> int:
        """Seconds the clock has run, pauses left out."""
        extra = 0
        if self.status == "running" and self.running_since is not None:
            extra = max(0, int((now - self.running_since).total_seconds()))
        return self.run_seconds + extra

    def remaining(self, now: dt.datetime) -> int:
        """Seconds left; negative once the item runs over."""
        return self.allowed_seconds - self.elapsed(now)

    def ends_at(self, now: dt.datetime) -> dt.datetime | None:
        """When the countdown reaches zero, while the clock runs (for live pages to count)."""
        if self.status != "running":
            return None
        return now + dt.timedelta(seconds=self.remaining(now))


def press(clock: ItemClock, action: str, now: dt.datetime) -> ItemClock:
    """The item's clock after ``action``; raises AgendaError when it does not fit."""
    if action == "start":
        if clock.status != "pending":
            raise AgendaError("not_pending")
        return replace(clock, status="running", running_since=now)
    if action == "pause":
        if clock.status != "running":
            raise AgendaError("not_running")
        return replace(clock, status="paused", run_seconds=clock.elapsed(now), running_since=None)
    if action == "resume":
        if clock.status != "paused":
            raise AgendaError("not_paused")
        return replace(clock, status="running", running_since=now)
    if action == "extend":
        if clock.status not in OPEN_STATUSES:
            raise AgendaError("not_open")
        return replace(clock, extra_seconds=clock.extra_seconds + EXTEND_SECONDS)
    if action == "finish":
        if clock.status not in OPEN_STATUSES:
            raise AgendaError("not_open")
        return replace(clock, status="done", run_seconds=clock.elapsed(now), running_since=None)
    if action == "skip":
        if clock.status in CLOSED_STATUSES:
            raise AgendaError("closed")
        status = "skipped" if clock.status == "pending" else "done"
        return replace(clock, status=status, run_seconds=clock.elapsed(now), running_since=None)
    raise AgendaError("unknown")


def next_pending(statuses: Sequence[str]) -> int | None:
    """Index of the first item not yet run."""
    for index, status in enumerate(statuses):
        if status == "pending":
            return index
    return None


@dataclass(frozen=True)
class PlanDrift:
    """How far the meeting is behind (positive) or ahead (negative) of its plan, in seconds."""

    seconds: int
    planned_total: int
    expected_end_offset: int  # seconds from the meeting's start to its likely end

    @property
    def behind(self) -> bool:
        return self.seconds > 0


def drift(clocks: Sequence[ItemClock], now: dt.datetime) -> PlanDrift:
    """Time used by finished items beyond their plan, plus a running item's overrun.

    Skipped items give their planned time back; the running item counts only once it is over
    its time, since until then it may still end on plan.
    """
    seconds = 0
    for clock in clocks:
        if clock.status == "done" or clock.status == "skipped":
            seconds += clock.run_seconds - clock.planned_seconds
        elif clock.status in OPEN_STATUSES:
            seconds += max(0, clock.elapsed(now) - clock.planned_seconds)
    planned = sum(clock.planned_seconds for clock in clocks)
    return PlanDrift(seconds, planned, planned + seconds)


def speaking_order(seats: Sequence[str], turns: Mapping[str, int]) -> list[str]:
    """The suggested order for the next round: fewest turns first, the seating order breaking ties,
    so the quieter people at a table are invited in before the talkative ones speak again."""
    position = {seat: index for index, seat in enumerate(seats)}
    return sorted(seats, key=lambda seat: (turns.get(seat, 0), position[seat]))


def equity(turns: Sequence[int]) -> float | None:
    """How evenly a table shared its turns: 1 - Gini coefficient (1 = perfectly even).

    None for fewer than two seats or no turns at all, where evenness means nothing.
    """
    values = sorted(max(0, t) for t in turns)
    total = sum(values)
    count = len(values)
    if count < 2 or total == 0:
        return None
    weighted = sum((index + 1) * value for index, value in enumerate(values))
    gini = (2 * weighted) / (count * total) - (count + 1) / count
    return round(1 - gini * count / (count - 1), 4)
