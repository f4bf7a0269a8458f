"""Opinion groups from agree / disagree / pass reactions, computed the way Polis does.

The pipeline follows Polis's math (``polismath``, AGPL-3.0: ``conversation.clj``, ``pca.clj``,
``clusters.clj``, ``repness.clj``), restated without its code:

1. The participant x proposal reaction matrix: agree +1, disagree -1, pass 0, never shown
   missing. The latest reaction per participant and proposal counts.
2. Who is grouped: a participant who reacted to at least ``min(7, n)`` of the ``n`` proposals
   with reactions (moderated ones included, as Polis counts its raw matrix); when fewer than
   15 qualify, the most active others are added until there are 15.
3. Moderated-out proposals become columns of zeros in every cell (which then count as
   reacted, as in Polis); other missing cells take their column mean.
4. PCA to two dimensions (exact, from the covariance matrix), over everyone who reacted; each
   participant's point sums (vote - column mean) x loading over the proposals they reacted
   to, scaled by ``sqrt(n / n_reacted)`` so that sparse voters are not bunched in the centre.
5. Above 100 distinct points, k-means with k = 100 gives "base clusters" (otherwise each
   distinct point is one, weighted by how many share it); weighted k-means on the base
   centres for k = 2 .. ``min(5, 2 + n_base // 12)``; the k with the best silhouette of the
   base centres (unweighted, as Polis computes it) is kept, a larger k having to win by
   ``K_MARGIN`` (see ``opinion_clusters``).
6. Per group, the representative proposals (Polis's repness); over everyone, the majority
   consensus (Polis's ``select-consensus-comments``); per proposal, the group-informed
   consensus: the product over groups of (agrees + 1) / (reactions + 2).

Written with numpy rather than by calling ``red-dwarf`` (the Python reimplementation of Polis):
red-dwarf works through pandas data frames and per-row loops, has no base clusters, and would not
fit a 10,000-participant, 1,000,000-reaction topic into the summary's time budget. Here the
matrix is built with dictionaries and numpy indexing, the per-group counts are matrix products,
and scikit-learn does the base k-means. red-dwarf serves as an oracle in the tests; the
conversations Polis published (compdemocracy/openData) are the benchmark
(``bench/bench_polis.py``, figures in ``docs/summaries.md``).

Where this differs from Polis, on purpose:

- **No history.** Polis updates its groups as votes arrive: k-means starts from the previous
  update's clusters, a new k replaces the old one only after winning four updates in a row,
  and a participant once grouped stays grouped. A summary is computed from the topic's
  reactions as they stand, and the same reactions always give the same groups (a fixed seed;
  k-means++ with many starts instead of the previous clusters). In place of the smoothing of
  k, a larger k must beat the silhouette of the k kept so far by ``K_MARGIN`` (0.06): every
  Polis conversation starts at k = 2 and keeps it unless another k wins four updates in a
  row, so on Polis's published conversations a k that wins by a little at the end is not the
  one Polis shows. Polis's published groups carry that history, which is most of the
  remaining difference on its own data.
- **Moderated-out proposals and the threshold.** As Polis since October 2017, only reactions
  cast count towards the threshold of step 2. Polis before then also counted each
  moderated-out proposal as reacted to (its zeros), which grouped everyone once seven were
  moderated out; ``count_moderated_as_reacted`` does that for the benchmark, to reproduce
  the conversations Polis grouped that way, and summaries never use it: a participant who
  reacted once is not a position.
- **A floor on group size.** Every group holds at least ``MIN_GROUP_SIZE`` (5) participants,
  the small-cell rule's k, and ``MIN_GROUP_SHARE`` (2 per cent) of those grouped: a group's
  counts are published, and a cluster of one or two far-out voters is not a shared view.
  Polis has no floor (its published groups are never below 3.8 per cent of those grouped, but
  it did form groups of 3). For each k the grouping kept is the k-means solution of least
  within-group spread among many starts whose groups all reach the floor; a k none reaches
  is not considered.
- Polis always shows at least one statement per group, even one that is not significant; here a
  group lists only significant statements (a summary should not present noise as a finding).
- The direction of a representative statement is the side that is significant; when both are,
  the side with the larger test statistic (Polis compares only the test statistics).
- **Group-informed consensus, listed.** Polis ranks statements by it; here the list holds the
  top statements by it among those every group leans towards (each group's smoothed agree
  share above one half), so that "agreed across groups" is true of each.
- **Divisive statements, from the same quantities.** Polis's report calls statements far out on
  the PCA axes divisive; here a statement divides the groups when one group leans towards it
  and another away (smoothed agree shares above and below one half, the difference
  significant by the two-proportion test at ``SIGNIFICANCE_Z``). They are ranked by how far
  the group-informed consensus falls below what equal agreement would give:
  ``1 - geometric mean / arithmetic mean`` of the groups' smoothed agree shares.
- Each majority-consensus proposal also says whether every group leans the same way
  (``in_every_group``), since consensus over everyone can hide a minority group that disagrees.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from itertools import repeat
from operator import itemgetter
from typing import Any, Final, Literal

import msgspec
import numpy as np
from numpy.typing import NDArray

from assembly.summaries.opinion_clusters import (
    BASE_CLUSTERS,
    MIN_CLUSTERED,
    MIN_REACTIONS,
    cluster,
    clustered_rows,
    distinct_count,
    project,
)
from assembly.summaries.opinion_stats import (
    RepnessStats,
    group_informed_consensus,
    one_prop_z,
    prob,
    representativeness,
    two_prop_z,
    weighted_silhouette,
)

__all__ = [
    "BASE_CLUSTERS",
    "MAX_GROUPS",
    "MIN_CLUSTERED",
    "MIN_GROUP_SHARE",
    "MIN_GROUP_SIZE",
    "MIN_REACTIONS",
    "PICK_MAX",
    "SIGNIFICANCE_Z",
    "ConsensusProposal",
    "DivisiveProposal",
    "Group",
    "GroupConsensusProposal",
    "OpinionGroupsResult",
    "RepnessStats",
    "RepresentativeProposal",
    "compute_opinion_groups",
    "group_informed_consensus",
    "representativeness",
    "weighted_silhouette",
]

SIGNIFICANCE_Z: Final = 1.2816
"""One-sided 90 per cent level of the standard normal distribution."""
MAX_GROUPS: Final = 5
PICK_MAX: Final = 5
"""At most this many representative proposals per group, consensus and divisive proposals."""
MIN_GROUP_SIZE: Final = 5
"""Every group holds at least this many participants (the small-cell rule's k)."""
MIN_GROUP_SHARE: Final = 0.02
"""... and at least this share of the participants grouped."""

Reason = Literal[
    "no_reactions", "too_few_proposals", "too_few_participants", "no_variation", "small_groups"
]
Direction = Literal["agree", "disagree"]
FloatArray = NDArray[np.float64]


# --------------------------------------------------------------------------- result types


class RepresentativeProposal(msgspec.Struct, frozen=True):
    """A proposal that sets a group apart.

    ``p``, ``pat``, ``r`` and ``rat`` are the statistics of ``direction``: for a disagree
    proposal they hold p_d, pdt, r_d and rdt.
    """

    proposal_id: str
    direction: Direction
    p: float
    pat: float
    r: float
    rat: float
    agree_count: int
    disagree_count: int
    seen_count: int

    @property
    def metric(self) -> float:
        """The ranking value r * rat * p * pat."""
        return self.r * self.rat * self.p * self.pat


class Group(msgspec.Struct, frozen=True):
    id: int
    label: str
    members: list[str]
    size: int
    centre: tuple[float, float]
    representative: list[RepresentativeProposal]


class ConsensusProposal(msgspec.Struct, frozen=True):
    """A proposal most participants agree (or disagree) with, counted over everyone.

    ``in_every_group`` is True when every opinion group leans the same way (smoothed share
    above one half), False when at least one does not, and None when no groups were formed.
    """

    proposal_id: str
    direction: Direction
    p: float
    pat: float
    agree_count: int
    disagree_count: int
    seen_count: int
    in_every_group: bool | None


class GroupConsensusProposal(msgspec.Struct, frozen=True):
    """A proposal every opinion group leans towards: high group-informed consensus."""

    proposal_id: str
    group_informed_consensus: float
    """Product over groups of (agrees + 1) / (reactions + 2)."""
    group_agree_shares: dict[str, float]
    """Agree share (agrees / reactions) per group label, for the groups that saw it."""
    agree_share: float
    """Agree share over everyone grouped who reacted."""


class DivisiveProposal(msgspec.Struct, frozen=True):
    """A proposal on which the opinion groups split (see the module docstring)."""

    proposal_id: str
    shortfall: float
    """1 - geometric / arithmetic mean of the groups' smoothed agree shares: how far the
    group-informed consensus falls below what equal agreement would give."""
    spread: float
    """Highest minus lowest agree share among the groups that saw it."""
    z: float
    """Two-proportion z statistic between the most and the least agreeing group."""
    most_agreeing_group: str
    least_agreeing_group: str
    group_agree_shares: dict[str, float]
    """Agree share (agrees / reactions) per group label, for the groups that saw it."""
    agree_share: float
    """Agree share over everyone grouped who reacted."""
    group_informed_consensus: float


class OpinionGroupsResult(msgspec.Struct, frozen=True):
    participants_total: int
    participants_clustered: int
    proposals_total: int
    proposals_considered: int
    """Proposals with reactions that were not moderated out."""
    reactions_counted: int
    """Distinct participant-proposal pairs after keeping the latest reaction."""
    groups: list[Group]
    points: list[tuple[str, float, float, int | None]]
    """(participant id, x, y, group id or None) for everyone who reacted."""
    consensus_agree: list[ConsensusProposal]
    """Majority consensus over everyone (Polis's consensus statements), agree side."""
    consensus_disagree: list[ConsensusProposal]
    group_informed_consensus: dict[str, float]
    """Every proposal's group-informed consensus (not moderated out)."""
    group_consensus: list[GroupConsensusProposal]
    """The proposals every group leans towards, highest group-informed consensus first."""
    divisive: list[DivisiveProposal]
    k: int
    silhouette: float | None
    min_group_size: int
    """The floor on group size that applied (see the module docstring)."""
    reason: Reason | None
    """Why no groups were formed (a code for translated text), or None when they were."""
    explanation: str
    notes: list[str]
    seed: int

    @property
    def formed(self) -> bool:
        return self.reason is None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable form (tuples become lists)."""
        data = msgspec.to_builtins(self)
        assert isinstance(data, dict)
        return data


# --------------------------------------------------------------------------- matrix


class _Matrix:
    """The reaction matrix restricted to participants who reacted (rows sorted by id)."""

    def __init__(
        self,
        participant_ids: list[str],
        votes: NDArray[np.int8],
        seen: NDArray[np.bool_],
        reactions_counted: int,
        unknown: int,
    ) -> None:
        self.participant_ids = participant_ids
        self.votes = votes
        self.seen = seen
        self.reactions_counted = reactions_counted
        self.unknown = unknown


def _build_matrix(
    reactions: Iterable[tuple[str, str, int]], proposal_index: dict[str, int]
) -> _Matrix:
    rows = reactions if isinstance(reactions, list | tuple) else list(reactions)
    m = len(proposal_index)
    if not rows or m == 0:
        return _Matrix([], np.zeros((0, m), np.int8), np.zeros((0, m), bool), 0, len(rows))
    count = len(rows)
    participant_raw = list(map(itemgetter(0), rows))
    proposal_codes = np.fromiter(
        map(proposal_index.get, map(itemgetter(1), rows), repeat(-1)), np.int64, count
    )
    vote_values = np.fromiter(map(itemgetter(2), rows), np.int64, count)
    if vote_values.size and (vote_values.min() < -1 or vote_values.max() > 1):
        raise ValueError("a reaction's vote must be +1 (agree), -1 (disagree) or 0 (pass)")
    known = proposal_codes >= 0
    unknown = int(count - known.sum())

    first_seen = dict.fromkeys(participant_raw)
    code_of = {pid: i for i, pid in enumerate(first_seen)}
    participant_codes = np.fromiter(map(code_of.__getitem__, participant_raw), np.int64, count)
    participant_codes = participant_codes[known]
    proposal_codes = proposal_codes[known]
    vote_values = vote_values[known]
    if participant_codes.size == 0:
        return _Matrix([], np.zeros((0, m), np.int8), np.zeros((0, m), bool), 0, unknown)

    # Rows sorted by participant id, so the result does not depend on the reactions' order,
    # and only participants with at least one counted reaction.
    appearing = np.unique(participant_codes)
    ids_by_code = list(first_seen)
    appearing_ids = [ids_by_code[c] for c in appearing.tolist()]
    order = sorted(range(len(appearing_ids)), key=appearing_ids.__getitem__)
    row_of_code = np.full(len(ids_by_code), -1, np.int64)
    row_of_code[appearing[order]] = np.arange(len(order))
    participant_ids = [appearing_ids[i] for i in order]
    rows_idx = row_of_code[participant_codes]

    # The latest reaction per pair: the first occurrence in the reversed sequence.
    flat = rows_idx * m + proposal_codes
    unique_flat, first_in_reversed = np.unique(flat[::-1], return_index=True)
    latest = flat.size - 1 - first_in_reversed
    votes = np.zeros((len(participant_ids), m), np.int8)
    seen = np.zeros((len(participant_ids), m), bool)
    votes.flat[unique_flat] = vote_values[latest]
    seen.flat[unique_flat] = True
    return _Matrix(participant_ids, votes, seen, int(unique_flat.size), unknown)


# --------------------------------------------------------------------------- pipeline steps


def _order_groups(points: FloatArray, labels: NDArray[np.int64]) -> NDArray[np.int64]:
    """Relabel groups by size (largest first), then by centre, so labels A, B, ... are stable."""
    k = int(labels.max()) + 1
    sizes = np.bincount(labels, minlength=k)
    centres = np.array([points[labels == g].mean(axis=0) for g in range(k)])
    order = sorted(range(k), key=lambda g: (-int(sizes[g]), round(float(centres[g, 0]), 9)))
    new_of_old = np.empty(k, np.int64)
    new_of_old[order] = np.arange(k)
    relabelled: NDArray[np.int64] = new_of_old[labels]
    return relabelled


def _group_label(index: int) -> str:
    label = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        label = chr(ord("A") + rest) + label
    return label


def _counts(
    votes: NDArray[np.int8], seen: NDArray[np.bool_], onehot: NDArray[np.float32]
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Agree, disagree and reaction counts per group (rows) and proposal (columns)."""
    agree = (seen & (votes == 1)).astype(np.float32)
    disagree = (seen & (votes == -1)).astype(np.float32)
    # float32 products are exact for integer counts below 2**24.
    return (
        (onehot.T @ agree).astype(np.float64),
        (onehot.T @ disagree).astype(np.float64),
        (onehot.T @ seen.astype(np.float32)).astype(np.float64),
    )


def _representative(
    proposal_ids: list[str],
    active: NDArray[np.bool_],
    n_agree: FloatArray,
    n_disagree: FloatArray,
    n_seen: FloatArray,
    pick_max: int,
) -> list[list[RepresentativeProposal]]:
    other_agree = n_agree.sum(axis=0) - n_agree
    other_disagree = n_disagree.sum(axis=0) - n_disagree
    other_seen = n_seen.sum(axis=0) - n_seen
    p_a, p_d = prob(n_agree, n_seen), prob(n_disagree, n_seen)
    pat, pdt = one_prop_z(n_agree, n_seen), one_prop_z(n_disagree, n_seen)
    r_a = p_a / prob(other_agree, other_seen)
    r_d = p_d / prob(other_disagree, other_seen)
    rat = two_prop_z(n_agree, other_agree, n_seen, other_seen)
    rdt = two_prop_z(n_disagree, other_disagree, n_seen, other_seen)
    agree_ok = (rat > SIGNIFICANCE_Z) & (pat > SIGNIFICANCE_Z) & active
    disagree_ok = (rdt > SIGNIFICANCE_Z) & (pdt > SIGNIFICANCE_Z) & active
    use_agree = agree_ok & (~disagree_ok | (rat > rdt))
    use_disagree = disagree_ok & ~use_agree
    metric = np.where(use_agree, r_a * rat * p_a * pat, r_d * rdt * p_d * pdt)
    chosen: list[list[RepresentativeProposal]] = []
    for g in range(n_agree.shape[0]):
        candidates = np.flatnonzero(use_agree[g] | use_disagree[g])
        ranked = candidates[np.lexsort((candidates, -metric[g, candidates]))][:pick_max]
        picked: list[RepresentativeProposal] = []
        for j in ranked.tolist():
            agree_side = bool(use_agree[g, j])
            picked.append(
                RepresentativeProposal(
                    proposal_id=proposal_ids[j],
                    direction="agree" if agree_side else "disagree",
                    p=float(p_a[g, j] if agree_side else p_d[g, j]),
                    pat=float(pat[g, j] if agree_side else pdt[g, j]),
                    r=float(r_a[g, j] if agree_side else r_d[g, j]),
                    rat=float(rat[g, j] if agree_side else rdt[g, j]),
                    agree_count=int(n_agree[g, j]),
                    disagree_count=int(n_disagree[g, j]),
                    seen_count=int(n_seen[g, j]),
                )
            )
        picked.sort(key=lambda item: item.direction != "agree")  # stable: agrees first
        chosen.append(picked)
    return chosen


def _consensus(
    proposal_ids: list[str],
    active: NDArray[np.bool_],
    votes: NDArray[np.int8],
    seen: NDArray[np.bool_],
    group_counts: tuple[FloatArray, FloatArray, FloatArray] | None,
    pick_max: int,
) -> tuple[list[ConsensusProposal], list[ConsensusProposal]]:
    n_agree = (seen & (votes == 1)).sum(axis=0).astype(np.float64)
    n_disagree = (seen & (votes == -1)).sum(axis=0).astype(np.float64)
    n_seen = seen.sum(axis=0).astype(np.float64)
    sides: list[list[ConsensusProposal]] = []
    for direction, successes, group_index in (("agree", n_agree, 0), ("disagree", n_disagree, 1)):
        p = prob(successes, n_seen)
        pt = one_prop_z(successes, n_seen)
        candidates = np.flatnonzero((p > 0.5) & (pt > SIGNIFICANCE_Z) & active)
        ranked = candidates[np.lexsort((candidates, -(p * pt)[candidates]))][:pick_max]
        every: NDArray[np.bool_] | None = None
        if group_counts is not None:
            every = (prob(group_counts[group_index], group_counts[2]) > 0.5).all(axis=0)
        sides.append(
            [
                ConsensusProposal(
                    proposal_id=proposal_ids[j],
                    direction="agree" if direction == "agree" else "disagree",
                    p=float(p[j]),
                    pat=float(pt[j]),
                    agree_count=int(n_agree[j]),
                    disagree_count=int(n_disagree[j]),
                    seen_count=int(n_seen[j]),
                    in_every_group=None if every is None else bool(every[j]),
                )
                for j in ranked.tolist()
            ]
        )
    return sides[0], sides[1]


class _Shares:
    """Agree shares per group and proposal, as the proposal lists report them."""

    def __init__(self, n_agree: FloatArray, n_seen: FloatArray, labels: list[str]) -> None:
        self.saw = n_seen > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            self.share = np.where(self.saw, n_agree / np.where(self.saw, n_seen, 1.0), np.nan)
        self.total = n_agree.sum(axis=0) / np.maximum(n_seen.sum(axis=0), 1.0)
        self.labels = labels

    def by_group(self, j: int) -> dict[str, float]:
        """Agree share per group label, for the groups that saw proposal ``j``."""
        return {
            self.labels[g]: float(self.share[g, j])
            for g in range(self.share.shape[0])
            if self.saw[g, j]
        }


def _group_consensus(
    proposal_ids: list[str],
    active: NDArray[np.bool_],
    n_agree: FloatArray,
    n_seen: FloatArray,
    gac: FloatArray,
    labels: list[str],
    pick_max: int,
) -> list[GroupConsensusProposal]:
    """The top proposals by group-informed consensus among those every group leans towards."""
    shares = _Shares(n_agree, n_seen, labels)
    every = (prob(n_agree, n_seen) > 0.5).all(axis=0) & active
    candidates = np.flatnonzero(every)
    ranked = candidates[np.lexsort((candidates, -gac[candidates]))][:pick_max]
    return [
        GroupConsensusProposal(
            proposal_id=proposal_ids[j],
            group_informed_consensus=float(gac[j]),
            group_agree_shares=shares.by_group(j),
            agree_share=float(shares.total[j]),
        )
        for j in ranked.tolist()
    ]


def _divisive(
    proposal_ids: list[str],
    active: NDArray[np.bool_],
    n_agree: FloatArray,
    n_seen: FloatArray,
    gac: FloatArray,
    labels: list[str],
    pick_max: int,
) -> list[DivisiveProposal]:
    """Proposals one group leans towards and another away from, the difference significant;
    ranked by the shortfall of the group-informed consensus (see the module docstring)."""
    shares = _Shares(n_agree, n_seen, labels)
    smoothed = prob(n_agree, n_seen)
    k = smoothed.shape[0]
    cols = np.arange(smoothed.shape[1])
    high = smoothed.argmax(axis=0)
    low = smoothed.argmin(axis=0)
    splits = (smoothed[high, cols] > 0.5) & (smoothed[low, cols] < 0.5)
    z = two_prop_z(n_agree[high, cols], n_agree[low, cols], n_seen[high, cols], n_seen[low, cols])
    shortfall = 1.0 - gac ** (1.0 / k) / smoothed.mean(axis=0)
    saw_it = shares.saw.sum(axis=0) >= 2
    flagged = np.flatnonzero(active & splits & saw_it & (z > SIGNIFICANCE_Z))
    ranked = flagged[np.lexsort((flagged, -z[flagged], -shortfall[flagged]))][:pick_max]
    divisive = []
    for j in ranked.tolist():
        by_group = shares.by_group(j)
        divisive.append(
            DivisiveProposal(
                proposal_id=proposal_ids[j],
                shortfall=float(shortfall[j]),
                spread=max(by_group.values()) - min(by_group.values()),
                z=float(z[j]),
                most_agreeing_group=labels[int(high[j])],
                least_agreeing_group=labels[int(low[j])],
                group_agree_shares=by_group,
                agree_share=float(shares.total[j]),
                group_informed_consensus=float(gac[j]),
            )
        )
    return divisive


_EXPLANATIONS: Final[dict[str, str]] = {
    "no_reactions": "No reactions yet, so no opinion groups were formed.",
    "too_few_proposals": (
        "Fewer than two proposals have reactions (after moderation), so opinions cannot be "
        "told apart and no opinion groups were formed."
    ),
    "too_few_participants": (
        "Only {n} participant(s) can be grouped; at least {min} are needed, so no opinion "
        "groups were formed."
    ),
    "no_variation": (
        "Everyone who can be grouped reacted in the same way, so there are no differences to "
        "form opinion groups from."
    ),
    "small_groups": (
        "No way of dividing the {n} participants gives every group at least {min}, so no "
        "opinion groups were formed."
    ),
}


def min_group_size(clustered: int) -> int:
    """The floor on group size for ``clustered`` participants (see the module docstring)."""
    return max(MIN_GROUP_SIZE, math.ceil(MIN_GROUP_SHARE * clustered - 1e-9))


def compute_opinion_groups(
    reactions: Iterable[tuple[str, str, int]],
    proposal_ids: Sequence[str],
    *,
    moderated_out: Iterable[str] = (),
    seed: int = 0,
    max_groups: int = MAX_GROUPS,
    pick_max: int = PICK_MAX,
    count_moderated_as_reacted: bool = False,
) -> OpinionGroupsResult:
    """Opinion groups, representative, consensus and divisive proposals for one topic.

    ``reactions`` are (participant id, proposal id, vote) with vote +1 agree, -1 disagree and
    0 pass, in the order they were made: the latest per participant and proposal counts.
    Reactions to proposals not in ``proposal_ids`` are ignored (and counted in the notes).
    The result is the same for the same input and ``seed``, whatever the reactions' order
    apart from which reaction is the latest. It never raises on degenerate data: when no groups
    can be formed, ``reason`` says why and the consensus proposals are still given.

    ``count_moderated_as_reacted`` applies the participant threshold as Polis did before
    October 2017 (polismath commit 90b5b9e6): every moderated-out proposal counts as reacted
    to, so that with seven of them everyone is grouped. The benchmark uses it to reproduce
    conversations Polis grouped that way; summaries never do.

    Runs numpy's BLAS and scikit-learn's OpenMP on one thread: sums are then added in one
    fixed order, so the result cannot depend on the number of cores, and on a busy machine
    one thread is faster than several waiting for cores. (The limit is process-wide while
    this runs.)
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return _compute(
            reactions,
            proposal_ids,
            moderated_out=moderated_out,
            seed=seed,
            max_groups=max_groups,
            pick_max=pick_max,
            count_moderated_as_reacted=count_moderated_as_reacted,
        )


def _compute(
    reactions: Iterable[tuple[str, str, int]],
    proposal_ids: Sequence[str],
    *,
    moderated_out: Iterable[str],
    seed: int,
    max_groups: int,
    pick_max: int,
    count_moderated_as_reacted: bool = False,
) -> OpinionGroupsResult:
    index: dict[str, int] = {}
    for pid in proposal_ids:
        index.setdefault(pid, len(index))
    all_proposals = list(index)
    moderated_set = set(moderated_out)
    matrix = _build_matrix(reactions, index)
    n = len(matrix.participant_ids)
    notes: list[str] = []
    if matrix.unknown:
        notes.append(f"{matrix.unknown} reaction(s) to unknown proposals were ignored.")

    # Columns with at least one reaction; "active" ones are also not moderated out.
    reacted = matrix.seen.any(axis=0)
    columns = np.flatnonzero(reacted)
    col_ids = [all_proposals[j] for j in columns.tolist()]
    votes = matrix.votes[:, columns]
    seen = matrix.seen[:, columns]
    moderated = np.array([pid in moderated_set for pid in col_ids], dtype=bool)
    active = ~moderated
    n_active = int(active.sum())

    def empty(reason: Reason, explanation: str, clustered: int = 0) -> OpinionGroupsResult:
        agree, disagree = _consensus(col_ids, active, votes, seen, None, pick_max)
        floor = min_group_size(clustered)
        return OpinionGroupsResult(
            participants_total=n,
            participants_clustered=clustered,
            proposals_total=len(all_proposals),
            proposals_considered=n_active,
            reactions_counted=matrix.reactions_counted,
            groups=[],
            points=[(pid, 0.0, 0.0, None) for pid in matrix.participant_ids] if n else [],
            consensus_agree=agree,
            consensus_disagree=disagree,
            group_informed_consensus={},
            group_consensus=[],
            divisive=[],
            k=0,
            silhouette=None,
            min_group_size=floor,
            reason=reason,
            explanation=explanation,
            notes=notes,
            seed=seed,
        )

    if n == 0:
        return empty("no_reactions", _EXPLANATIONS["no_reactions"])
    if n_active < 2:
        return empty("too_few_proposals", _EXPLANATIONS["too_few_proposals"])

    counted = (seen | moderated[None, :]) if count_moderated_as_reacted else seen
    reaction_counts = counted.sum(axis=1).astype(np.int64)
    grouped_rows = clustered_rows(reaction_counts, len(col_ids))
    nc = int(grouped_rows.size)
    floor = min_group_size(nc)
    if nc < 2 * floor:
        text = _EXPLANATIONS["too_few_participants"].format(n=nc, min=2 * floor)
        return empty("too_few_participants", text, nc)

    points = project(votes, seen, moderated)
    clustered_points = points[grouped_rows]
    if distinct_count(clustered_points) < 2:
        result = empty("no_variation", _EXPLANATIONS["no_variation"], nc)
        return msgspec.structs.replace(result, points=_points(matrix, points, None, None))
    clustering = cluster(clustered_points, seed, max_groups, floor)
    if clustering is None:
        text = _EXPLANATIONS["small_groups"].format(n=nc, min=floor)
        result = empty("small_groups", text, nc)
        return msgspec.structs.replace(result, points=_points(matrix, points, None, None))
    silhouette = clustering.silhouette
    labels = _order_groups(clustered_points, clustering.labels)
    k = int(labels.max()) + 1
    group_labels = [_group_label(g) for g in range(k)]

    onehot = np.zeros((nc, k), np.float32)
    onehot[np.arange(nc), labels] = 1.0
    n_agree, n_disagree, n_seen = _counts(votes[grouped_rows], seen[grouped_rows], onehot)
    representative = _representative(col_ids, active, n_agree, n_disagree, n_seen, pick_max)
    gac = np.prod(prob(n_agree, n_seen), axis=0)
    consensus_agree, consensus_disagree = _consensus(
        col_ids, active, votes, seen, (n_agree, n_disagree, n_seen), pick_max
    )
    divisive = _divisive(col_ids, active, n_agree, n_seen, gac, group_labels, pick_max)
    group_consensus = _group_consensus(
        col_ids, active, n_agree, n_seen, gac, group_labels, pick_max
    )

    groups = []
    for g in range(k):
        member_rows = grouped_rows[labels == g]
        centre = clustered_points[labels == g].mean(axis=0)
        groups.append(
            Group(
                id=g,
                label=group_labels[g],
                members=[matrix.participant_ids[r] for r in member_rows.tolist()],
                size=int(member_rows.size),
                centre=(float(centre[0]), float(centre[1])),
                representative=representative[g],
            )
        )
    unclustered = n - nc
    if unclustered:
        notes.append(
            f"{unclustered} participant(s) with fewer than "
            f"{min(MIN_REACTIONS, len(col_ids))} reactions were not grouped."
        )
    topped_up = int((reaction_counts[grouped_rows] < min(MIN_REACTIONS, len(col_ids))).sum())
    if topped_up:
        notes.append(
            f"{topped_up} less active participant(s) were grouped to reach the minimum of "
            f"{MIN_CLUSTERED}."
        )
    if clustering.base_clusters < distinct_count(clustered_points):
        notes.append(f"Participants were first reduced to {BASE_CLUSTERS} base clusters.")
    return OpinionGroupsResult(
        participants_total=n,
        participants_clustered=nc,
        proposals_total=len(all_proposals),
        proposals_considered=n_active,
        reactions_counted=matrix.reactions_counted,
        groups=groups,
        points=_points(matrix, points, grouped_rows, labels),
        consensus_agree=consensus_agree,
        consensus_disagree=consensus_disagree,
        group_informed_consensus={
            col_ids[j]: float(gac[j]) for j in np.flatnonzero(active).tolist()
        },
        group_consensus=group_consensus,
        divisive=divisive,
        k=k,
        silhouette=silhouette,
        min_group_size=floor,
        reason=None,
        explanation=(
            f"{k} opinion groups among {nc} participants, each of at least {floor} "
            f"(mean silhouette {silhouette:.2f} of the {clustering.base_clusters} base "
            f"clusters, k chosen from 2 to {max(clustering.candidates)})."
        ),
        notes=notes,
        seed=seed,
    )


def _points(
    matrix: _Matrix,
    points: FloatArray,
    clustered_rows: NDArray[np.int64] | None,
    labels: NDArray[np.int64] | None,
) -> list[tuple[str, float, float, int | None]]:
    group_of: list[int | None] = [None] * len(matrix.participant_ids)
    if clustered_rows is not None and labels is not None:
        for row, label in zip(clustered_rows.tolist(), labels.tolist(), strict=True):
            group_of[row] = label
    xs = points[:, 0].tolist()
    ys = points[:, 1].tolist()
    return list(zip(matrix.participant_ids, xs, ys, group_of, strict=True))
