"""Simulated participants for a scenario: deterministic for a seed, streamed in chunks.

:func:`simulate` returns a :class:`SimulationPlan`. Iterating the plan yields one
:class:`Participant` at a time: pseudonym, demographics, opinion group, online or paper, turnout,
reactions, arguments, authored proposals and ballots in the voting engine's shapes. The plan holds
only the model; participants are generated in chunks of ``CHUNK`` with numpy, each chunk from its
own random stream (derived from the seed and the chunk number), so 100,000 participants never sit
in memory at once, any chunk can be regenerated on its own, and iterating twice gives the same
participants. Draws always cover a whole chunk, so a smaller run is a prefix of a larger one.

The behaviour model, per participant *i* in opinion group *g*:

- the group follows a low-discrepancy (golden-ratio) sequence over the group shares, so every
  prefix of participants holds the groups in close to their configured proportions;
- demographics are drawn from the panel's distribution, or from the group's own ``features``;
- a proposal is shown with the group's ``reaction_rate``; a shown proposal is passed with the
  ``pass_rate``, otherwise agreed with probability ``p[g, j]`` and disagreed with otherwise;
- for ballots, the participant's utility for proposal *j* is ``p[g, j]`` plus Gaussian noise
  (``behaviour.ballots.noise``), and each method's ballot is derived from those utilities;
- paper participants take part in person: they vote (on paper) but do not react or write online.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assembly.scenarios.schema import (
    BALLOT_KINDS,
    CONSENT_LEVELS,
    Scenario,
    TopicSpec,
    pool_counts,
)

__all__ = [
    "CHUNK",
    "MAX_PARTICIPANTS",
    "ArgumentAction",
    "Participant",
    "PoolMember",
    "SimulationPlan",
    "TopicPlan",
    "simulate",
]

CHUNK = 4096
MAX_PARTICIPANTS = 100_000
REACTIONS: tuple[str, ...] = ("", "agree", "disagree", "pass")  # codes 0..3; 0 = not shown
_GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0
_STREAM_POOL, _STREAM_AUTHORS, _STREAM_CHUNK, _STREAM_LAYOUT = 1, 2, 3, 4
_DOT_SHARPNESS = 6.0  # how strongly dot voters concentrate points on their favourites

Ballot = list[str] | dict[str, int] | dict[str, str]


@dataclass(frozen=True, slots=True)
class PoolMember:
    """A person in the sortition pool: id, feature values and household key."""

    id: str
    features: dict[str, str]
    household: str


@dataclass(frozen=True, slots=True)
class ArgumentAction:
    """An argument a participant writes. ``seed_index`` is set for the scenario's own arguments
    (the index in the proposal's ``arguments``); template arguments have ``None``."""

    topic: str
    proposal: str
    stance: str
    body: str
    seed_index: int | None = None


@dataclass(frozen=True, slots=True)
class Participant:
    """Everything one simulated participant does in the scenario."""

    index: int
    pseudonym: str
    demographics: dict[str, str]
    group: int
    group_name: str
    paper: bool
    votes: bool
    reactions: dict[str, str]  # proposal slug -> "agree" | "disagree" | "pass"
    ballots: dict[str, Any]  # topic slug -> ballot in the engine's shape for that topic
    arguments: tuple[ArgumentAction, ...] = ()
    proposals: tuple[str, ...] = ()  # slugs of origin = "participant" proposals they write
    pool_id: str | None = None

    @property
    def channel(self) -> str:
        return "paper" if self.paper else "online"


@dataclass(frozen=True, slots=True)
class TopicPlan:
    """What happens in one topic, given the phase the scenario leaves it in."""

    slug: str
    method: str
    ballot_kind: str
    params: dict[str, Any]
    seats: int
    options: tuple[str, ...]
    phase: str
    secret: bool
    accepts_proposals: bool  # phase reaches "proposals"
    has_reactions: bool  # phase reaches "deliberation": reactions and arguments
    has_ballots: bool  # phase reaches "voting"


@dataclass(slots=True)
class _Chunk:
    start: int
    group: np.ndarray
    features: list[np.ndarray]
    paper: np.ndarray
    votes: np.ndarray
    reactions: np.ndarray  # (n, J) int8 codes
    utilities: np.ndarray  # (n, J)
    partial: np.ndarray
    writes: list[np.ndarray]  # per deliberating topic: (n,) bool
    pick: list[np.ndarray]
    template: list[np.ndarray]


@dataclass
class _Model:
    """Everything about the scenario the generator needs, as arrays."""

    scenario: Scenario
    slugs: list[str]
    titles: list[str]
    proposal_topic: list[int]
    agree: np.ndarray  # (G, J)
    cum_shares: np.ndarray
    turnout: np.ndarray
    paper: np.ndarray
    reaction: np.ndarray
    passing: np.ndarray
    arguing: np.ndarray
    feature_names: list[str]
    feature_values: list[list[str]]
    feature_cum: list[np.ndarray]  # per feature: (G, V) cumulative shares
    reaction_cols: np.ndarray
    topic_cols: list[np.ndarray]
    deliberating: list[int]  # topic indices that reach deliberation
    templates: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, scenario: Scenario) -> _Model:
        behaviour = scenario.behaviour
        groups = behaviour.groups
        slugs: list[str] = []
        titles: list[str] = []
        owner: list[int] = []
        topic_cols: list[np.ndarray] = []
        for t, topic in enumerate(scenario.topics):
            cols = []
            for proposal in topic.proposals:
                cols.append(len(slugs))
                slugs.append(proposal.slug)
                titles.append(proposal.title)
                owner.append(t)
            topic_cols.append(np.array(cols, dtype=np.int64))
        agree = np.empty((len(groups), len(slugs)))
        for g in range(len(groups)):
            for j, slug in enumerate(slugs):
                agree[g, j] = _agree_probability(scenario, g, slug)
        shares = np.array([group.share for group in groups], dtype=float)
        cum_shares = np.cumsum(shares / shares.sum())
        cum_shares[-1] = 1.0

        def rate(name: str) -> np.ndarray:
            default = getattr(behaviour, name)
            values = [getattr(group, name) for group in groups]
            return np.array([default if v is None else v for v in values], dtype=float)

        names, values, cums = [], [], []
        for name, feature in scenario.panel.features.items():
            labels = list(feature.values)
            base = np.array([feature.values[v].share for v in labels], dtype=float)
            rows = []
            for group in groups:
                tilt = group.features.get(name)
                row = np.array([tilt.get(v, 0.0) for v in labels]) if tilt else base
                cum = np.cumsum(row / row.sum())
                cum[-1] = 1.0
                rows.append(cum)
            names.append(name)
            values.append(labels)
            cums.append(np.array(rows))
        deliberating = [
            t for t, topic in enumerate(scenario.topics) if topic.reaches("deliberation")
        ]
        reaction_cols = (
            np.concatenate([topic_cols[t] for t in deliberating])
            if deliberating
            else np.zeros(0, dtype=np.int64)
        )
        templates: dict[str, list[str]] = {"pro": [], "con": []}
        for template in behaviour.argument_templates:
            templates[template.stance].append(template.body)
        return cls(
            scenario=scenario,
            slugs=slugs,
            titles=titles,
            proposal_topic=owner,
            agree=agree,
            cum_shares=cum_shares,
            turnout=rate("turnout"),
            paper=rate("paper_share"),
            reaction=rate("reaction_rate"),
            passing=rate("pass_rate"),
            arguing=rate("argument_rate"),
            feature_names=names,
            feature_values=values,
            feature_cum=cums,
            reaction_cols=reaction_cols,
            topic_cols=topic_cols,
            deliberating=deliberating,
            templates=templates,
        )


def _agree_probability(scenario: Scenario, group: int, slug: str) -> float:
    spec = scenario.behaviour.groups[group]
    if slug in spec.agree:
        return spec.agree[slug]
    for block, probability in spec.blocks.items():
        if slug in scenario.behaviour.blocks.get(block, ()):
            return probability
    return spec.default_agree


def simulate(scenario: Scenario, *, participants: int | None = None, seed: int) -> SimulationPlan:
    """Plan ``participants`` simulated participants (default: the panel size) for ``seed``."""
    size = scenario.panel.panel_size if participants is None else participants
    return SimulationPlan(scenario, participants=size, seed=seed)


class SimulationPlan:
    """A deterministic, re-iterable plan of simulated participants for one scenario and seed."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        participants: int,
        seed: int,
        panel_ids: Sequence[str] = (),
    ) -> None:
        if not 1 <= participants <= MAX_PARTICIPANTS:
            raise ValueError(f"participants must be between 1 and {MAX_PARTICIPANTS:,}")
        if seed < 0:
            raise ValueError("seed must be a non-negative integer")
        self.scenario = scenario
        self.seed = seed
        self.size = participants
        self._model = _Model.build(scenario)
        self.group_names: tuple[str, ...] = tuple(g.name for g in scenario.behaviour.groups)
        self.topics: dict[str, TopicPlan] = {
            topic.slug: _topic_plan(topic) for topic in scenario.topics
        }
        layout = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(_STREAM_LAYOUT,)))
        self._group_offset = float(layout.random())
        self._pseudonyms = _Pseudonyms(scenario, participants, layout)
        self.pool: tuple[PoolMember, ...] = self._make_pool() if scenario.panel.sortition else ()
        self._pool_index = {member.id: member for member in self.pool}
        unknown = [pid for pid in panel_ids if pid not in self._pool_index]
        if unknown:
            raise ValueError(f"not in the pool: {', '.join(unknown[:5])}")
        self.panel_ids: tuple[str, ...] = tuple(panel_ids)
        self._cache: dict[int, _Chunk] = {}
        self.proposal_authors: dict[str, int | None] = {}
        self.argument_authors: dict[tuple[str, int], int | None] = {}
        self._choose_authors()
        self._written: dict[int, tuple[list[str], list[ArgumentAction]]] = {}
        for slug, author in self.proposal_authors.items():
            if author is not None:
                self._written.setdefault(author, ([], []))[0].append(slug)
        for (slug, k), author in self.argument_authors.items():
            if author is not None:
                self._written.setdefault(author, ([], []))[1].append(self._seed_argument(slug, k))

    # --- public API ---------------------------------------------------------------------------

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Iterator[Participant]:
        return self.participants()

    def participants(self, start: int = 0, stop: int | None = None) -> Iterator[Participant]:
        """Participants ``start`` to ``stop - 1``, generated a chunk at a time."""
        stop = self.size if stop is None else min(stop, self.size)
        for chunk_start in range(start - start % CHUNK, stop, CHUNK):
            for person in self._participants_of(chunk_start // CHUNK):
                if start <= person.index < stop:
                    yield person

    def chunks(self) -> Iterator[list[Participant]]:
        """Participants in lists of up to ``CHUNK`` (handy for batched writes)."""
        for number in range(math.ceil(self.size / CHUNK)):
            yield self._participants_of(number)

    def participant(self, index: int) -> Participant:
        if not 0 <= index < self.size:
            raise IndexError(index)
        return next(self.participants(index, index + 1))

    def ballots(self, topic: str) -> Iterator[Any]:
        """The ballots cast on ``topic``, in participant order (what the engine counts)."""
        for person in self:
            ballot = person.ballots.get(topic)
            if ballot is not None:
                yield ballot

    def with_panel(self, panel_ids: Sequence[str]) -> SimulationPlan:
        """The same plan, with participant k standing for the k-th selected pool member.

        Their demographics and ``pool_id`` come from the pool; everything else is unchanged.
        """
        return SimulationPlan(
            self.scenario, participants=self.size, seed=self.seed, panel_ids=panel_ids
        )

    def pool_rows(self) -> list[dict[str, str]]:
        """The pool as rows for the sortition CSV: ``id``, one column per feature, ``household``."""
        return [
            {"id": member.id, **member.features, "household": member.household}
            for member in self.pool
        ]

    def agree_probability(self, group: int, proposal: str) -> float:
        """The configured probability that ``group`` agrees with ``proposal``."""
        return float(self._model.agree[group, self._model.slugs.index(proposal)])

    # --- pool and authors ---------------------------------------------------------------------

    def _make_pool(self) -> tuple[PoolMember, ...]:
        panel = self.scenario.panel
        rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(_STREAM_POOL,)))
        size = panel.pool_size
        columns: list[tuple[str, list[str]]] = []
        for name, feature in panel.features.items():
            labels = list(feature.values)
            counts = pool_counts([feature.values[v].share for v in labels], size)
            codes = rng.permutation(np.repeat(np.arange(len(labels)), counts))
            columns.append((name, [labels[c] for c in codes.tolist()]))
        households = [f"H{k + 1:05d}" for k in range(size)]
        shared = min(size - size % 2, 2 * round(size * panel.household_share / 2))
        members = rng.permutation(size)[:shared].tolist()
        for a, b in zip(members[0::2], members[1::2], strict=True):
            households[b] = households[a]
        width = max(4, len(str(size)))
        return tuple(
            PoolMember(
                id=f"pool-{k + 1:0{width}d}",
                features={name: values[k] for name, values in columns},
                household=households[k],
            )
            for k in range(size)
        )

    def _choose_authors(self) -> None:
        """Pick who writes the scenario's participant proposals and seed arguments.

        The writer is an online participant of the first chunk from the group most in favour
        (proposals, pro arguments) or most against (con arguments); ``None`` when nobody is online,
        in which case the facilitator posts the text.
        """
        model = self._model
        rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(_STREAM_AUTHORS,)))
        first = self._chunk(0)
        n = min(self.size, CHUNK)
        online = ~first.paper[:n]
        group = first.group[:n]
        used: set[int] = set()

        def pick(preferred: int) -> int | None:
            for mask in (online & (group == preferred), online):
                candidates = [int(k) for k in np.flatnonzero(mask) if int(k) not in used]
                if not candidates:
                    candidates = [int(k) for k in np.flatnonzero(mask)]
                if candidates:
                    choice = candidates[int(rng.integers(len(candidates)))]
                    used.add(choice)
                    return choice
            return None

        for topic, proposal in self.scenario.proposals():
            j = model.slugs.index(proposal.slug)
            if proposal.origin == "participant" and topic.reaches("proposals"):
                self.proposal_authors[proposal.slug] = pick(int(np.argmax(model.agree[:, j])))
            if topic.reaches("deliberation"):
                for k, argument in enumerate(proposal.arguments):
                    column = model.agree[:, j]
                    side = np.argmax(column) if argument.stance == "pro" else np.argmin(column)
                    self.argument_authors[(proposal.slug, k)] = pick(int(side))

    def _seed_argument(self, slug: str, k: int) -> ArgumentAction:
        model = self._model
        j = model.slugs.index(slug)
        topic = self.scenario.topics[model.proposal_topic[j]]
        spec = topic.proposals[[p.slug for p in topic.proposals].index(slug)].arguments[k]
        return ArgumentAction(topic.slug, slug, spec.stance, spec.body, k)

    # --- generation ---------------------------------------------------------------------------

    def _chunk(self, number: int) -> _Chunk:
        cached = self._cache.get(number)
        if cached is not None:
            return cached
        model = self._model
        rng = np.random.default_rng(
            np.random.SeedSequence(self.seed, spawn_key=(_STREAM_CHUNK, number))
        )
        start = number * CHUNK
        n = min(CHUNK, self.size - start)
        index = np.arange(start, start + CHUNK)
        # Draws always cover a whole chunk so that a run's participants prefix a larger run's.
        u = (self._group_offset + (index + 1) * _GOLDEN) % 1.0
        group = np.minimum(
            np.searchsorted(model.cum_shares, u, side="right"), len(model.cum_shares) - 1
        )
        features = []
        for cum in model.feature_cum:
            draw = rng.random(CHUNK)
            codes = (draw[:, None] >= cum[group][:, :-1]).sum(axis=1)
            features.append(codes[:n])
        paper = rng.random(CHUNK) < model.paper[group]
        votes = rng.random(CHUNK) < model.turnout[group]
        j = len(model.slugs)
        shown = rng.random((CHUNK, j)) < model.reaction[group][:, None]
        passed = rng.random((CHUNK, j)) < model.passing[group][:, None]
        agreed = rng.random((CHUNK, j)) < model.agree[group]
        codes = np.where(agreed, 1, 2).astype(np.int8)
        codes[passed] = 3
        codes[~shown] = 0
        codes[paper] = 0
        utilities = model.agree[
            group
        ] + self.scenario.behaviour.ballots.noise * rng.standard_normal((CHUNK, j))
        partial = rng.random(CHUNK) < self.scenario.behaviour.ballots.partial_ranking_share
        writes, picks, templates = [], [], []
        for _ in model.deliberating:
            writes.append((rng.random(CHUNK) < model.arguing[group])[:n] & ~paper[:n])
            picks.append(rng.random(CHUNK)[:n])
            templates.append(rng.random(CHUNK)[:n])
        chunk = _Chunk(
            start=start,
            group=group[:n],
            features=features,
            paper=paper[:n],
            votes=votes[:n],
            reactions=codes[:n],
            utilities=utilities[:n],
            partial=partial[:n],
            writes=writes,
            pick=picks,
            template=templates,
        )
        if len(self._cache) >= 2:
            self._cache.pop(next(k for k in self._cache if k != 0))
        self._cache[number] = chunk
        return chunk

    def _participants_of(self, number: int) -> list[Participant]:
        model = self._model
        chunk = self._chunk(number)
        n = len(chunk.group)
        start = chunk.start
        groups = chunk.group.tolist()
        papers = chunk.paper.tolist()
        voting = chunk.votes.tolist()
        feature_rows = [
            [values[c] for c in codes.tolist()]
            for values, codes in zip(model.feature_values, chunk.features, strict=True)
        ]
        names = model.feature_names
        react_slugs = [model.slugs[c] for c in model.reaction_cols.tolist()]
        react_rows = chunk.reactions[:, model.reaction_cols].tolist()
        ballots = self._ballots(chunk)
        arguments = self._template_arguments(chunk)
        written = self._written
        people = []
        for r in range(n):
            index = start + r
            member = None
            if index < len(self.panel_ids):
                member = self._pool_index[self.panel_ids[index]]
            demographics = (
                dict(member.features)
                if member is not None
                else {name: column[r] for name, column in zip(names, feature_rows, strict=True)}
            )
            own_proposals, own_arguments = written.get(index, ((), ()))
            extra = arguments.get(r, ())
            people.append(
                Participant(
                    index=index,
                    pseudonym=self._pseudonyms.name(index),
                    demographics=demographics,
                    group=groups[r],
                    group_name=self.group_names[groups[r]],
                    paper=papers[r],
                    votes=voting[r],
                    reactions={
                        s: REACTIONS[c]
                        for s, c in zip(react_slugs, react_rows[r], strict=True)
                        if c
                    },
                    ballots={
                        slug: rows[r] for slug, rows in ballots.items() if rows[r] is not None
                    },
                    arguments=(*own_arguments, *extra),
                    proposals=tuple(own_proposals),
                    pool_id=member.id if member is not None else None,
                )
            )
        return people

    def _ballots(self, chunk: _Chunk) -> dict[str, list[Any]]:
        n = len(chunk.group)
        voters = np.flatnonzero(chunk.votes)
        out: dict[str, list[Any]] = {}
        style = self.scenario.behaviour.ballots
        for t, topic in enumerate(self.scenario.topics):
            if not topic.reaches("voting"):
                continue
            cols = self._model.topic_cols[t]
            utilities = chunk.utilities[np.ix_(voters, cols)]
            make = _BALLOT_MAKERS[topic.voting_method]
            made = make(utilities, topic.options, topic.voting_params, style, chunk.partial[voters])
            row: list[Any] = [None] * n
            for k, ballot in zip(voters.tolist(), made, strict=True):
                row[k] = ballot
            out[topic.slug] = row
        return out

    def _template_arguments(self, chunk: _Chunk) -> dict[int, list[ArgumentAction]]:
        model = self._model
        out: dict[int, list[ArgumentAction]] = {}
        for d, t in enumerate(model.deliberating):
            topic = self.scenario.topics[t]
            cols = model.topic_cols[t]
            if len(cols) == 0:
                continue
            for r in np.flatnonzero(chunk.writes[d]).tolist():
                codes = chunk.reactions[r, cols]
                reacted = np.flatnonzero((codes == 1) | (codes == 2))
                if len(reacted) == 0:
                    continue
                j = int(cols[reacted[int(chunk.pick[d][r] * len(reacted))]])
                stance = "pro" if chunk.reactions[r, j] == 1 else "con"
                bodies = model.templates[stance]
                if not bodies:
                    continue
                body = bodies[int(chunk.template[d][r] * len(bodies))]
                text = body.replace("{title}", model.titles[j])
                out.setdefault(r, []).append(
                    ArgumentAction(topic.slug, model.slugs[j], stance, text, None)
                )
        return out


def _topic_plan(topic: TopicSpec) -> TopicPlan:
    return TopicPlan(
        slug=topic.slug,
        method=topic.voting_method,
        ballot_kind=BALLOT_KINDS[topic.voting_method],
        params=dict(topic.voting_params),
        seats=topic.seats,
        options=tuple(topic.options),
        phase=topic.phase,
        secret=topic.ballot == "secret",
        accepts_proposals=topic.reaches("proposals"),
        has_reactions=topic.reaches("deliberation"),
        has_ballots=topic.reaches("voting"),
    )


# --- ballots: one maker per method, from a (voters, options) utility matrix ----------------------

_Maker = Callable[[np.ndarray, list[str], dict[str, Any], Any, np.ndarray], list[Any]]


def _approvals(
    u: np.ndarray, options: list[str], params: dict[str, Any], style: Any, _partial: np.ndarray
) -> list[Any]:
    if u.shape[0] == 0:
        return []
    order = np.argsort(-u, axis=1, kind="stable")
    approve = u >= style.approval_threshold
    approve[np.arange(u.shape[0]), order[:, 0]] = True  # a voter approves at least a favourite
    limit = params.get("max_approvals")
    rows = np.take_along_axis(approve, order, axis=1)
    if limit is not None:
        rows[:, int(limit) :] = False
    return [
        [options[j] for j, keep in zip(o, a, strict=True) if keep]
        for o, a in zip(order.tolist(), rows.tolist(), strict=True)
    ]


def _scores(
    u: np.ndarray, options: list[str], params: dict[str, Any], style: Any, _partial: np.ndarray
) -> list[Any]:
    low, high = int(params["min"]), int(params["max"])
    values = np.rint(low + np.clip(u, 0.0, 1.0) * (high - low)).astype(np.int64)
    return [dict(zip(options, row, strict=True)) for row in values.tolist()]


def _grades(
    u: np.ndarray, options: list[str], params: dict[str, Any], style: Any, _partial: np.ndarray
) -> list[Any]:
    top = len(params["grades"]) - 1
    values = np.rint(np.clip(u, 0.0, 1.0) * top).astype(np.int64)
    return [dict(zip(options, row, strict=True)) for row in values.tolist()]


def _rankings(
    u: np.ndarray, options: list[str], params: dict[str, Any], style: Any, partial: np.ndarray
) -> list[Any]:
    order = np.argsort(-u, axis=1, kind="stable").tolist()
    short = min(style.partial_ranking_length, len(options))
    return [
        [options[j] for j in (row[:short] if cut else row)]
        for row, cut in zip(order, partial.tolist(), strict=True)
    ]


def _points(
    u: np.ndarray, options: list[str], params: dict[str, Any], style: Any, _partial: np.ndarray
) -> list[Any]:
    if u.shape[0] == 0:
        return []
    budget = int(params["budget"])
    cap = int(params.get("max_per_option", budget))
    weights = np.exp(_DOT_SHARPNESS * (u - u.max(axis=1, keepdims=True)))
    share = weights / weights.sum(axis=1, keepdims=True)
    alloc = np.minimum(np.floor(budget * share), cap).astype(np.int64)
    # Spend what rounding left over on the favourites, never past the cap.
    order = np.argsort(-u, axis=1, kind="stable")
    rows = np.arange(u.shape[0])
    for rank in range(u.shape[1]):
        left = budget - alloc.sum(axis=1)
        if not left.any():
            break
        col = order[:, rank]
        alloc[rows, col] += np.minimum(left, cap - alloc[rows, col])
    return [{o: v for o, v in zip(options, row, strict=True) if v} for row in alloc.tolist()]


def _votes(
    u: np.ndarray, options: list[str], params: dict[str, Any], style: Any, _partial: np.ndarray
) -> list[Any]:
    credits = int(params["credits"])
    lean = u - 0.5
    norm = np.sqrt((lean**2).sum(axis=1, keepdims=True))
    scale = np.where(norm > 0, math.sqrt(credits) / np.where(norm > 0, norm, 1.0), 0.0)
    # Truncating towards zero keeps the sum of squares within the credits.
    votes = np.trunc(lean * scale).astype(np.int64)
    return [{o: v for o, v in zip(options, row, strict=True) if v} for row in votes.tolist()]


def _yes_no(
    u: np.ndarray, options: list[str], params: dict[str, Any], style: Any, _partial: np.ndarray
) -> list[Any]:
    half = style.abstain_band / 2.0
    codes = np.where(u >= 0.5 + half, 0, np.where(u < 0.5 - half, 1, 2))
    labels = ("yes", "no", "abstain")
    return [{o: labels[c] for o, c in zip(options, row, strict=True)} for row in codes.tolist()]


def _consent(
    u: np.ndarray, options: list[str], params: dict[str, Any], style: Any, _partial: np.ndarray
) -> list[Any]:
    codes = np.searchsorted(np.array(style.consent_cutoffs), u, side="right")
    return [
        {o: CONSENT_LEVELS[c] for o, c in zip(options, row, strict=True)} for row in codes.tolist()
    ]


_BALLOT_MAKERS: dict[str, _Maker] = {
    "approval": _approvals,
    "score": _scores,
    "majority_judgment": _grades,
    "borda": _rankings,
    "schulze": _rankings,
    "ranked_pairs": _rankings,
    "irv": _rankings,
    "stv": _rankings,
    "dot": _points,
    "quadratic": _votes,
    "yes_no_abstain": _yes_no,
    "consent": _consent,
    "budget": _approvals,
}


# --- pseudonyms ----------------------------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_ADJECTIVES: dict[str, tuple[str, ...]] = {
    "en": _words(
        "Brave Bright Calm Careful Cheerful Clever Curious Eager Gentle Happy Honest Humble "
        "Kind Lively Lucky Merry Mindful Modest Nimble Patient Playful Polite Proud Quick Quiet "
        "Sunny Steady Swift Thoughtful Tidy Warm Wise Witty Bold Cosy Friendly Hopeful Jolly "
        "Keen Sincere"
    ),
    # Base forms only: every animal below is masculine or feminine, so they always agree.
    "nb": _words(
        "rolig modig klok glad snill rask stille varm blid nysgjerrig kvikk tapper vennlig "
        "flink sterk lun omtenksom tålmodig ærlig munter leken høflig stødig våken lystig "
        "trofast hjelpsom raus sindig smart sprek myk lett lys vis ivrig fornøyd hyggelig "
        "kreativ forsiktig"
    ),
}
_ANIMALS: dict[str, tuple[str, ...]] = {
    "en": _words(
        "Otter Fox Moose Owl Lynx Hare Bear Wolf Badger Beaver Puffin Seal Salmon Reindeer "
        "Eagle Falcon Hawk Swan Heron Robin Wren Magpie Raven Crane Squirrel Hedgehog Marten "
        "Stoat Walrus Whale Dolphin Lemming Gull Tern Lapwing Grouse Deer Wolverine Orca Trout"
    ),
    "nb": _words(
        "oter rev elg ugle gaupe hare bjørn ulv grevling bever lundefugl sel laks rein ørn falk "
        "hauk svane hegre rødstrupe gjerdesmett skjære ravn trane mår røyskatt hvalross hval "
        "delfin måke terne vipe rype hjort jerv spekkhogger ørret meis spurv hubro"
    ),
}
_NUMBERED = {"en": "Participant", "nb": "Deltaker"}


class _Pseudonyms:
    """Friendly, unique, deterministic names: a seeded walk through adjective-animal pairs."""

    def __init__(self, scenario: Scenario, size: int, rng: np.random.Generator) -> None:
        language = scenario.assembly.language
        self.style = scenario.assembly.pseudonyms
        self.word = _NUMBERED.get(language, _NUMBERED["en"])
        self.width = max(4, len(str(size)))
        self.adjectives = _ADJECTIVES.get(language, _ADJECTIVES["en"])
        self.animals = _ANIMALS.get(language, _ANIMALS["en"])
        self.language = language
        self.space = len(self.adjectives) * len(self.animals)
        step = int(rng.integers(1, self.space))
        while math.gcd(step, self.space) != 1:
            step += 1
        self.step = step
        self.offset = int(rng.integers(self.space))

    def name(self, index: int) -> str:
        if self.style == "numbered":
            return f"{self.word} {index + 1:0{self.width}d}"
        code = (self.offset + index * self.step) % self.space
        adjective = self.adjectives[code // len(self.animals)]
        animal = self.animals[code % len(self.animals)]
        text = f"{adjective.capitalize()} {animal}"
        rounds = index // self.space
        return f"{text} {rounds + 1}" if rounds else text
