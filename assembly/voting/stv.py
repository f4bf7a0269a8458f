"""Single transferable vote, following the Scottish STV rules.

The rules are those of the Scottish Local Government Elections Order 2007 (Schedule 1,
rules 45-52), counted on aggregated ballots with NumPy:

- Droop quota: floor(valid ballots / (seats + 1)) + 1; blank ballots are not valid votes.
- An option reaching the quota is elected and receives no further ballots.
- Surpluses are transferred one at a time, largest first, by the weighted inclusive
  Gregory method: every ballot held by the elected option moves on to its next option
  still in the count at value (surplus x ballot value / option's total), truncated to
  five decimal places; the value cut off by truncation is recorded as loss by fractions;
  ballots with no next option are non-transferable.
- When no surplus is waiting, exactly one option, the one with fewest votes, is excluded
  and its ballots move on at their current value.  Ties for fewest (and for the largest
  surplus, or the order of options elected at the same stage) are decided by the votes
  at the latest earlier stage where the tied options differed, then by the seeded lottery.
- When the options still in the count are no more than the seats left, they are elected.
- Options withdrawn before the count (``withdrawn``) are passed over on every ballot, as if
  they had not stood; a ballot naming only withdrawn options is not a valid vote.
- ``tie_order`` (the ``[tie ...]`` line of a BLT file) replaces the lottery where the rule
  itself cannot separate options.

Stage numbers follow one of two conventions (``stage_numbering``), both named in the
explanation. "complete" (the default, and what independent STV programs print) counts every
transfer and exclusion until the seats are filled. "count_sheet" follows the published
Scottish count sheets, which also apply rule 52(2): when one seat is left and an option
still in the count has at least the votes of all the others together with every surplus not
yet transferred, it is elected at once, without transferring a last surplus or excluding the
others; those sheets therefore end at an earlier stage. The explanation of a complete count
gives the stage at which the count sheet would have ended (``stage_numbering``).

Values are kept as integers in units of 1/100,000 of a vote, so the count is exact.
Written here because the available libraries (pyrankvote) transfer surpluses by other rules
and do not record the stages as shown here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from assembly.voting.ballots import read_rankings
from assembly.voting.result import Outcome, number, tiers_by_key
from assembly.voting.runoff import eliminate_one, first_continuing, padded_rows
from assembly.voting.ties import TieBreaker, backwards

SCALE = 100_000
STAGE_NUMBERINGS = ("complete", "count_sheet")
OPTIONAL_PARAMS = ("withdrawn", "tie_order", "stage_numbering")
STAGE_CONVENTIONS = {
    "complete": (
        "every transfer of a surplus and every exclusion is a stage, until all seats are filled"
    ),
    "count_sheet": (
        "as published Scottish count sheets: the count ends as soon as the last seats can be "
        "filled without further transfers (rule 52), so a last surplus is not transferred"
    ),
}
TRANSFER_RULE = (
    "Scottish STV: Droop quota; surpluses transferred largest first by the weighted "
    "inclusive Gregory method, ballot values truncated to five decimal places; one "
    "exclusion at a time, ballots moving on at their current value"
)


def _scale_down(value: int) -> int | float:
    return number(value / SCALE)


class _Count:
    """The state of one STV count."""

    def __init__(
        self,
        options: list[str],
        ballots: Sequence[Any],
        seats: int,
        ties: TieBreaker,
        withdrawn: Sequence[str] = (),
        count_sheet: bool = False,
    ):
        profile = read_rankings(options, ballots)
        self.options = options
        self.n = n = len(options)
        self.seats = seats
        self.ties = ties
        self.count_sheet = count_sheet
        self.withdrawn = [options.index(o) for o in withdrawn]
        self.hopeful = np.ones(n + 1, dtype=bool)
        self.hopeful[n] = False
        self.hopeful[self.withdrawn] = False
        rows = padded_rows(profile)
        named = profile.lengths > 0
        # A ballot counts once it names an option that did not withdraw.
        keep = first_continuing(rows, self.hopeful) < n
        self.withdrawn_only = int(profile.counts[named & ~keep].sum())
        self.rows = rows[keep]
        self.weights = profile.counts[keep]
        self.total = profile.total
        self.valid = int(self.weights.sum())
        self.quota = self.valid // (seats + 1) + 1
        self.q = self.quota * SCALE
        self.values = np.full(len(self.rows), SCALE, dtype=np.int64)
        self.at = first_continuing(self.rows, self.hopeful)
        self.sheet_end: int | None = None
        """The stage after which the count sheet fills the last seat by rule 52(2)."""
        self.elected: list[int] = []
        self.excluded: list[int] = []
        self.kept: dict[int, int] = {}
        self.pending: list[int] = []
        self.loss = 0
        self.history: list[np.ndarray] = []
        self.stages: list[dict[str, Any]] = []
        self.votes = np.zeros(n + 1, dtype=np.int64)

    # --- bookkeeping ----------------------------------------------------------------------

    def _held(self, rows: np.ndarray) -> np.ndarray:
        held = self.weights[rows] * self.values[rows]
        counts = np.bincount(self.at[rows], weights=held.astype(np.float64), minlength=self.n + 1)
        return np.rint(counts).astype(np.int64)

    def _tally(self) -> None:
        self.votes = self._held(np.arange(len(self.rows)))
        for option, amount in self.kept.items():
            self.votes[option] = amount

    def _record(self, info: dict[str, Any]) -> dict[str, Any]:
        self._tally()
        self.history.append(self.votes[: self.n].copy())
        info["stage"] = len(self.history)
        info["votes"] = {
            self.options[i]: _scale_down(int(self.votes[i]))
            for i in range(self.n)
            if i not in self.excluded and i not in self.withdrawn
        }
        info["non_transferable"] = _scale_down(int(self.votes[self.n]))
        info["loss_by_fractions"] = _scale_down(self.loss)
        self.stages.append(info)
        self._elect_reached(info)
        return info

    def _order(self, group: list[int], stage: str, info: dict[str, Any]) -> list[int]:
        """Order options, most votes first; ties by the latest earlier stage where they
        differed (more votes first), then by lottery."""
        ordered: list[int] = []
        for value in sorted({int(self.votes[c]) for c in group}, reverse=True):
            tied = [c for c in group if self.votes[c] == value]
            while tied:
                if len(tied) == 1:
                    ordered.append(tied.pop())
                    continue
                best, used = backwards(tied, self.history[:-1], fewest=False)
                if len(best) > 1:
                    name = self.ties.first([self.options[i] for i in best], stage)
                    pick = self.options.index(name)
                    rule = self.ties.name
                else:
                    pick = best[0]
                    rule = f"more votes at stage {used}"
                info.setdefault("ties", []).append(
                    {
                        "for": stage,
                        "tied": sorted(self.options[i] for i in tied),
                        "chosen": self.options[pick],
                        "rule": rule,
                    }
                )
                ordered.append(pick)
                tied.remove(pick)
        return ordered

    def _elect(self, option: int, info: dict[str, Any]) -> None:
        self.hopeful[option] = False
        self.elected.append(option)
        info.setdefault("elected", []).append(self.options[option])
        if self.votes[option] > self.q:
            self.pending.append(option)

    def _elect_reached(self, info: dict[str, Any]) -> None:
        reached = [i for i in range(self.n) if self.hopeful[i] and self.votes[i] >= self.q]
        for option in self._order(reached, "order of election", info):
            if len(self.elected) < self.seats:
                self._elect(option, info)

    def _move(self, rows: np.ndarray) -> dict[str, Any]:
        self.at[rows] = first_continuing(self.rows[rows], self.hopeful)
        moved = self._held(rows)
        return {
            "to": {
                self.options[i]: _scale_down(int(moved[i])) for i in range(self.n) if moved[i] > 0
            },
            "non_transferable": _scale_down(int(moved[self.n])),
        }

    # --- the count --------------------------------------------------------------------------

    def _transfer_surplus(self) -> None:
        info: dict[str, Any] = {"action": "surplus"}
        biggest = max(int(self.votes[c]) for c in self.pending)
        tied = [c for c in self.pending if self.votes[c] == biggest]
        option = self._order(tied, "order of surplus transfers", info)[0]
        self.pending.remove(option)
        total = int(self.votes[option])
        surplus = total - self.q
        rows = np.nonzero(self.at == option)[0]
        if surplus * SCALE < 2**62:
            new_values = (surplus * self.values[rows]) // total
        else:  # beyond int64: exact Python integers
            new_values = np.array(
                [surplus * int(v) // total for v in self.values[rows]], dtype=np.int64
            )
        self.values[rows] = new_values
        self.loss += surplus - int((self.weights[rows] * new_values).sum())
        self.kept[option] = self.q
        info["from"] = self.options[option]
        info["surplus"] = _scale_down(surplus)
        info["transfer_value"] = _scale_down(surplus * SCALE // total)
        info["transfers"] = self._move(rows)
        self._record(info)

    def _exclude(self) -> None:
        info: dict[str, Any] = {"action": "exclusion"}
        hopefuls = [i for i in range(self.n) if self.hopeful[i]]
        low = min(int(self.votes[i]) for i in hopefuls)
        lowest = [i for i in hopefuls if self.votes[i] == low]
        stage = f"exclusion, stage {len(self.history) + 1}"
        out, tie = eliminate_one(lowest, self.history, self.options, self.ties, stage)
        if tie is not None:
            info["tie"] = tie
        self.hopeful[out] = False
        self.excluded.append(out)
        info["excluded"] = self.options[out]
        info["transfers"] = self._move(np.nonzero(self.at == out)[0])
        self._record(info)

    def _last_seat_leader(self, hopefuls: list[int]) -> int | None:
        """Rule 52(2): with one seat left, the option still in the count whose votes are at
        least those of all the others together with every surplus not yet transferred."""
        if self.seats - len(self.elected) != 1 or len(hopefuls) < 2:
            return None
        votes = {i: int(self.votes[i]) for i in hopefuls}
        leader = max(hopefuls, key=votes.__getitem__)
        others = sum(votes.values()) - votes[leader]
        waiting = sum(int(self.votes[c]) - self.q for c in self.pending)
        runner_up = max(v for i, v in votes.items() if i != leader)
        if votes[leader] >= others + waiting and votes[leader] > runner_up:
            return leader
        return None

    def _fill_last_seat(self, hopefuls: list[int]) -> bool:
        """Note where the count sheet would fill the last seat; fill it there if asked."""
        if self.sheet_end is not None or len(hopefuls) <= self.seats - len(self.elected):
            return False
        leader = self._last_seat_leader(hopefuls)
        if leader is None:
            return False
        self.sheet_end = len(self.history)
        if not self.count_sheet:
            return False
        info: dict[str, Any] = {
            "stage": len(self.history),
            "action": "the last seat is filled without further transfers (rule 52(2))",
        }
        self._elect(leader, info)
        self.pending.clear()
        self.stages.append(info)
        return True

    def run(self) -> None:
        self._record({"action": "first preferences"})
        while len(self.elected) < self.seats:
            hopefuls = [i for i in range(self.n) if self.hopeful[i]]
            if self._fill_last_seat(hopefuls):
                break
            if len(hopefuls) <= self.seats - len(self.elected):
                info: dict[str, Any] = {
                    "stage": len(self.history),
                    "action": "the options still in the count fill the remaining seats",
                }
                for option in self._order(hopefuls, "order of election", info):
                    self._elect(option, info)
                self.stages.append(info)
                break
            if self.pending:
                self._transfer_surplus()
            else:
                self._exclude()


def count_stv(
    options: list[str], ballots: Sequence[Any], seats: int, params: dict[str, Any], ties: TieBreaker
) -> Outcome:
    numbering = params.get("stage_numbering", "complete")
    withdrawn = list(params.get("withdrawn", ()))
    count = _Count(
        options, ballots, seats, ties, withdrawn=withdrawn, count_sheet=numbering == "count_sheet"
    )
    count.run()
    options_of = count.options
    final = count.votes
    where = {o: i for i, o in enumerate(options_of)}
    others = [
        options_of[i]
        for i in range(count.n)
        if i not in count.elected and i not in count.excluded and i not in count.withdrawn
    ]
    ranking = [[options_of[i]] for i in count.elected]
    ranking += tiers_by_key(others, lambda o: int(final[where[o]]))
    ranking += [[options_of[i]] for i in reversed(count.excluded)]
    if withdrawn:
        ranking.append(sorted(withdrawn))
    last_stage = max((int(s["stage"]) for s in count.stages), default=1)
    explanation: dict[str, Any] = {
        "ballots": count.total,
        "blank": count.total - count.valid - count.withdrawn_only,
        "valid": count.valid,
        "seats": seats,
        "quota": count.quota,
        "quota_rule": "Droop: floor(valid / (seats + 1)) + 1",
        "transfer_rule": TRANSFER_RULE,
        "stages": count.stages,
        "elected": [options_of[i] for i in count.elected],
        "excluded": [options_of[i] for i in count.excluded],
        "stage_numbering": {
            "used": numbering,
            "conventions": dict(STAGE_CONVENTIONS),
            "last_stage": last_stage,
            "count_sheet_last_stage": count.sheet_end or last_stage,
        },
    }
    if withdrawn:
        explanation["withdrawn"] = withdrawn
        explanation["withdrawn_only"] = count.withdrawn_only
    return [options_of[i] for i in count.elected], ranking, explanation
