"""The scenario format: msgspec structs, and the cross-checks decoding alone cannot make.

Decoding (``msgspec.convert``) checks types, ranges, lengths and unknown keys. :func:`validate`
then checks what spans several keys: that practices and spotlight areas exist, that voting
parameters fit the voting method, that opinion-group shares add up to one, that every proposal a
group or a timeline names exists, and that the panel's quotas can be met. Every problem is reported
with its key path, so the loader can point at the line in the file.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import re
import zoneinfo
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal, TypeGuard

import msgspec

# Catalogue facts. The loader can be given the live catalogue instead (``known_practices``).
SPOTLIGHT_AREAS: tuple[str, ...] = (
    "well-and-fair-development",
    "transforming-policies",
    "people-centred-place-based",
    "welfare-innovations",
)
PRACTICES: tuple[str, ...] = (
    "who-europe-wellbeing-economy-deep-dives",
    "pilot-0-24-trondheim",
    "marmot-rapid-review-norway",
    "who-new-economic-expert-group",
    "who-country-deep-dives",
    "sovei",
    "point-opioid-chronic-pain",
    "future-lab",
    "welcome-wellbeing-communities",
    "interprofessional-collaboration-schools",
    "citizen-assemblies-local-communities",
    "think-it-out-prisons",
    "health-promotion-local-level",
    "life-in-the-community-mental-health",
    "student-mental-health-gjovik-trondheim",
    "mattering-research",
    "mattering-minority-populations",
    "mattering-as-citizens",
    "nordic-journal-wellbeing",
    "stairway-to-stairway-aarhus",
    "wigan-deal",
    "rock-scissors-paper-trondheim",
    "new-zealand-wellbeing-budget",
    "wellbeing-government-wego",
)
PHASES: tuple[str, ...] = ("draft", "proposals", "deliberation", "voting", "closed", "published")
LANGUAGES: tuple[str, ...] = ("en", "nb")
DEFAULT_TIME_ZONE = "Europe/Oslo"

#: The ballot each voting method takes (the voting engine's shapes).
BALLOT_KINDS: dict[str, str] = {
    "approval": "approvals",  # list of approved option ids
    "score": "scores",  # dict option -> int in [min, max]
    "majority_judgment": "grades",  # dict option -> grade index, 0 = worst
    "borda": "ranking",  # list of option ids, best first, may be partial
    "schulze": "ranking",
    "ranked_pairs": "ranking",
    "irv": "ranking",
    "stv": "ranking",
    "dot": "points",  # dict option -> points, within budget and max_per_option
    "quadratic": "votes",  # dict option -> votes (may be negative), sum of squares <= credits
    "yes_no_abstain": "yes_no_abstain",  # dict option -> "yes" | "no" | "abstain"
    "consent": "consent",  # dict option -> one of CONSENT_LEVELS
    "budget": "approvals",  # list of approved option ids, with costs and a budget
}
VOTING_METHODS: tuple[str, ...] = tuple(BALLOT_KINDS)
CONSENT_LEVELS: tuple[str, ...] = (
    "block",
    "concerns",
    "neutral",
    "support_with_reservations",
    "support",
)
#: Parameters each method accepts; ``tie_break_seed`` is accepted by all.
METHOD_PARAMS: dict[str, frozenset[str]] = {
    "approval": frozenset({"max_approvals"}),
    "score": frozenset({"min", "max"}),
    "majority_judgment": frozenset({"grades"}),
    "borda": frozenset(),
    "schulze": frozenset(),
    "ranked_pairs": frozenset(),
    "irv": frozenset(),
    "stv": frozenset(),
    "dot": frozenset({"budget", "max_per_option"}),
    "quadratic": frozenset({"credits"}),
    "yes_no_abstain": frozenset({"threshold", "quorum"}),
    "consent": frozenset({"threshold"}),
    "budget": frozenset({"costs", "budget", "rule"}),
}
#: Parameters the simulator needs to shape ballots, so a scenario must give them.
REQUIRED_PARAMS: dict[str, frozenset[str]] = {
    "score": frozenset({"min", "max"}),
    "majority_judgment": frozenset({"grades"}),
    "dot": frozenset({"budget"}),
    "quadratic": frozenset({"credits"}),
    "budget": frozenset({"costs", "budget"}),
}
COMMON_PARAMS: frozenset[str] = frozenset({"tie_break_seed"})
TIMELINE_PHASES: tuple[str, ...] = PHASES[1:]

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Slug = Annotated[str, msgspec.Meta(pattern=SLUG_PATTERN, max_length=80)]
Probability = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]
Text = Annotated[str, msgspec.Meta(min_length=1)]
SHARE_TOLERANCE = 0.01

Path = tuple[str | int, ...]


class Issue(msgspec.Struct, frozen=True):
    """One problem in a scenario: where (key path and, once known, line) and what."""

    path: Path
    problem: str
    line: int | None = None


class ScenarioError(ValueError):
    """A scenario that cannot be read or does not validate.

    ``issues`` lists every problem found; the message starts with the first one as
    ``FILE:LINE: KEY: PROBLEM`` and lists the others below it.
    """

    def __init__(self, issues: Sequence[Issue], file: str | None = None) -> None:
        self.issues: list[Issue] = list(issues) or [Issue((), "invalid scenario")]
        self.file = file
        first = self.issues[0]
        self.key: str | None = format_key(first.path) or None
        self.line: int | None = first.line
        self.problem: str = first.problem
        super().__init__("\n".join(self.describe(issue) for issue in self.issues))

    def describe(self, issue: Issue) -> str:
        where = self.file or "<scenario>"
        if issue.line is not None:
            where += f":{issue.line}"
        key = format_key(issue.path)
        return f"{where}: {key}: {issue.problem}" if key else f"{where}: {issue.problem}"


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def format_key(path: Path) -> str:
    """``("topics", 1, "voting_method")`` -> ``topics[1].voting_method`` (TOML quoting)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
            continue
        name = part if _BARE_KEY.match(part) else '"' + part.replace('"', '\\"') + '"'
        out += f".{name}" if out else name
    return out


class _Spec(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """Base of every scenario table: unknown keys are errors, values are immutable."""


class PracticeRef(_Spec, kw_only=True, frozen=True):
    """A practice of the center that the scenario draws on, with its name for readers."""

    practice: str
    name: Text


class ScenarioMeta(_Spec, kw_only=True, frozen=True):
    """The ``[scenario]`` table."""

    slug: Slug
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
    summary: Text
    grounded_in: Annotated[list[PracticeRef], msgspec.Meta(min_length=1)]


class AssemblySpec(_Spec, kw_only=True, frozen=True):
    """The ``[assembly]`` table."""

    title: Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
    place: Text
    language: Literal["en", "nb"]
    time_zone: str = DEFAULT_TIME_ZONE
    description: str = ""
    pseudonyms: Literal["adjective-animal", "numbered"] = "adjective-animal"


class ArgumentSpec(_Spec, kw_only=True, frozen=True):
    """A seed argument for or against a proposal."""

    stance: Literal["pro", "con"]
    body: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]


class ProposalSpec(_Spec, kw_only=True, frozen=True):
    """A proposal. ``origin = "participant"`` has a simulated participant write it."""

    slug: Slug
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
    body: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
    origin: Literal["seed", "participant"] = "seed"
    arguments: list[ArgumentSpec] = []


class TopicSpec(_Spec, kw_only=True, frozen=True):
    """One ``[[topics]]`` entry."""

    slug: Slug
    spotlight_area: str
    question: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    background: str = ""
    practices: list[str] = []
    voting_method: str
    voting_params: dict[str, Any] = {}
    seats: Annotated[int, msgspec.Meta(ge=1)] = 1
    ballot: Literal["secret", "open"] = "secret"
    phase: Literal["draft", "proposals", "deliberation", "voting", "closed", "published"] = (
        "published"
    )
    conclusion: str = ""
    proposals: list[ProposalSpec] = []

    def reaches(self, phase: str) -> bool:
        """Whether the topic gets at least as far as ``phase``."""
        return PHASES.index(self.phase) >= PHASES.index(phase)

    @property
    def options(self) -> list[str]:
        """The ballot's options: the topic's proposal slugs, in file order."""
        return [proposal.slug for proposal in self.proposals]


class FeatureValueSpec(_Spec, kw_only=True, frozen=True):
    """A value of a demographic feature: its share of the population and its panel quota."""

    share: Probability
    min: Annotated[int, msgspec.Meta(ge=0)] = 0
    max: Annotated[int, msgspec.Meta(ge=0)] | None = None


class FeatureSpec(_Spec, kw_only=True, frozen=True):
    """A demographic feature, e.g. ``[panel.features.age]``."""

    label: str = ""
    values: Annotated[dict[str, FeatureValueSpec], msgspec.Meta(min_length=1)]


class PanelSpec(_Spec, kw_only=True, frozen=True):
    """The ``[panel]`` table: pool, panel and quotas."""

    sortition: bool = True
    pool_size: Annotated[int, msgspec.Meta(ge=1)]
    panel_size: Annotated[int, msgspec.Meta(ge=1)]
    household_share: Annotated[float, msgspec.Meta(ge=0.0, lt=1.0)] = 0.0
    algorithm: Literal["maximin", "nash"] = "maximin"
    features: dict[str, FeatureSpec] = {}

    def quota_rows(self) -> list[dict[str, str]]:
        """Quotas as ``feature,value,min,max`` rows of strings (the sortition CSV convention)."""
        return [
            {
                "feature": name,
                "value": value,
                "min": str(quota.min),
                "max": str(self.panel_size if quota.max is None else quota.max),
            }
            for name, feature in self.features.items()
            for value, quota in feature.values.items()
        ]


class GroupSpec(_Spec, kw_only=True, frozen=True):
    """A planted opinion group. Unset rates fall back to the ``[behaviour]`` ones.

    A group's agree probability for a proposal comes from ``agree``, else from the first of its
    ``blocks`` that holds the proposal, else from ``default_agree``.
    """

    name: Text
    share: Annotated[float, msgspec.Meta(gt=0.0, le=1.0)]
    default_agree: Probability = 0.5
    agree: dict[str, Probability] = {}
    blocks: dict[str, Probability] = {}
    turnout: Probability | None = None
    paper_share: Probability | None = None
    reaction_rate: Probability | None = None
    pass_rate: Probability | None = None
    argument_rate: Probability | None = None
    features: dict[str, dict[str, Probability]] = {}


class BallotStyle(_Spec, kw_only=True, frozen=True):
    """How simulated voters turn their preferences into ballots (``[behaviour.ballots]``)."""

    noise: Annotated[float, msgspec.Meta(ge=0.0, le=1.0)] = 0.15
    approval_threshold: Probability = 0.6
    partial_ranking_share: Probability = 0.2
    partial_ranking_length: Annotated[int, msgspec.Meta(ge=1)] = 3
    abstain_band: Probability = 0.15
    consent_cutoffs: list[Probability] = msgspec.field(
        default_factory=lambda: [0.1, 0.35, 0.5, 0.65]
    )


class ArgumentTemplate(_Spec, kw_only=True, frozen=True):
    """Text for arguments simulated participants write; ``{title}`` is the proposal's title."""

    stance: Literal["pro", "con"]
    body: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]


class BehaviourSpec(_Spec, kw_only=True, frozen=True):
    """The ``[behaviour]`` table: the model simulated participants follow."""

    turnout: Probability = 0.8
    paper_share: Probability = 0.0
    reaction_rate: Probability = 0.8
    pass_rate: Probability = 0.1
    argument_rate: Probability = 0.0
    blocks: dict[str, list[str]] = {}
    groups: Annotated[list[GroupSpec], msgspec.Meta(min_length=1)]
    ballots: BallotStyle = BallotStyle()
    argument_templates: list[ArgumentTemplate] = []


class TimelineSpec(_Spec, kw_only=True, frozen=True):
    """The ``[timeline]`` table: when each topic's phases start.

    A time is an ISO datetime (naive ones are in the assembly's time zone) or an offset from
    ``now`` such as ``"-14d"``, ``"+36h"``, ``"90min"`` or ``"2w"``. ``now`` defaults to the moment
    the scenario is run.
    """

    now: str | None = None
    topics: dict[str, dict[str, str]] = {}


class DemoSpec(_Spec, kw_only=True, frozen=True):
    """The ``[demo]`` table: the accounts the demo command creates and prints."""

    facilitator_name: str = "Demo Facilitator"
    facilitator_email: str = "facilitator@demo.example"
    participants: Annotated[int, msgspec.Meta(ge=0, le=20)] = 3


class Scenario(_Spec, kw_only=True, frozen=True):
    """A whole scenario file."""

    meta: ScenarioMeta = msgspec.field(name="scenario")
    assembly: AssemblySpec
    topics: Annotated[list[TopicSpec], msgspec.Meta(min_length=1)]
    panel: PanelSpec
    behaviour: BehaviourSpec
    timeline: TimelineSpec = TimelineSpec()
    demo: DemoSpec = DemoSpec()

    @property
    def slug(self) -> str:
        return self.meta.slug

    @property
    def title(self) -> str:
        return self.meta.title

    def topic(self, slug: str) -> TopicSpec:
        for topic in self.topics:
            if topic.slug == slug:
                return topic
        raise KeyError(slug)

    def proposals(self) -> Iterator[tuple[TopicSpec, ProposalSpec]]:
        """Every proposal with its topic, in file order."""
        for topic in self.topics:
            for proposal in topic.proposals:
                yield topic, proposal

    @property
    def methods(self) -> list[str]:
        """The voting methods the scenario uses, without repeats, in file order."""
        return list(dict.fromkeys(topic.voting_method for topic in self.topics))


def decode(data: Any) -> Scenario:
    """Decode plain data (from TOML or YAML); raises ``msgspec.ValidationError``."""
    return msgspec.convert(data, Scenario, strict=True)


# --- times -----------------------------------------------------------------------------------

_OFFSET = re.compile(r"^\s*([+-])?\s*(\d+(?:\.\d+)?)\s*(min|h|d|w)\s*$")
_UNIT_SECONDS = {"min": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_when(text: str) -> datetime | timedelta:
    """Parse a timeline entry: an offset (``"-14d"``, ``"now"``) or an ISO datetime."""
    stripped = text.strip()
    if stripped in {"now", "0"}:
        return timedelta(0)
    match = _OFFSET.match(stripped)
    if match:
        sign = -1 if match.group(1) == "-" else 1
        return timedelta(seconds=sign * float(match.group(2)) * _UNIT_SECONDS[match.group(3)])
    try:
        return datetime.fromisoformat(stripped)
    except ValueError:
        raise ValueError(
            f"{text!r} is neither an ISO datetime nor an offset like '-14d', '+36h', '90min', '2w'"
        ) from None


def _aware(moment: datetime, zone: zoneinfo.ZoneInfo) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def resolve_timeline(scenario: Scenario, now: datetime) -> dict[str, dict[str, datetime]]:
    """Each topic's phase start times as aware datetimes; offsets count from ``now``.

    ``timeline.now``, when the file sets it, takes the place of ``now``.
    """
    zone = zoneinfo.ZoneInfo(scenario.assembly.time_zone)
    anchor = _aware(now, zone)
    if scenario.timeline.now is not None:
        fixed = parse_when(scenario.timeline.now)
        if isinstance(fixed, datetime):
            anchor = _aware(fixed, zone)
    resolved: dict[str, dict[str, datetime]] = {}
    for topic, phases in scenario.timeline.topics.items():
        resolved[topic] = {}
        for phase, text in phases.items():
            when = parse_when(text)
            resolved[topic][phase] = (
                anchor + when if isinstance(when, timedelta) else _aware(when, zone)
            )
    return resolved


# --- cross-checks ----------------------------------------------------------------------------


def pool_counts(shares: Sequence[float], pool_size: int) -> list[int]:
    """How many pool members get each value: exact proportions, largest remainders first."""
    total = sum(shares) or 1.0
    exact = [share / total * pool_size for share in shares]
    counts = [math.floor(x) for x in exact]
    order = sorted(range(len(shares)), key=lambda k: (counts[k] - exact[k], k))
    for k in order[: pool_size - sum(counts)]:
        counts[k] += 1
    return counts


def validate(
    scenario: Scenario,
    *,
    known_practices: Iterable[str] | None = None,
    known_areas: Iterable[str] | None = None,
) -> list[Issue]:
    """Every cross-reference problem in ``scenario``, as issues with key paths (empty if none)."""
    practices = set(PRACTICES if known_practices is None else known_practices)
    areas = set(SPOTLIGHT_AREAS if known_areas is None else known_areas)
    issues: list[Issue] = []

    def add(path: Path, problem: str) -> None:
        issues.append(Issue(path, problem))

    for k, ref in enumerate(scenario.meta.grounded_in):
        if ref.practice not in practices:
            add(("scenario", "grounded_in", k, "practice"), _unknown("practice", ref.practice))

    try:
        zoneinfo.ZoneInfo(scenario.assembly.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        add(("assembly", "time_zone"), f"unknown time zone {scenario.assembly.time_zone!r}")

    proposal_slugs = _validate_topics(scenario, practices, areas, add)
    _validate_panel(scenario.panel, add)
    _validate_behaviour(scenario, proposal_slugs, add)
    _validate_timeline(scenario, add)
    return issues


def check(
    scenario: Scenario,
    *,
    known_practices: Iterable[str] | None = None,
    known_areas: Iterable[str] | None = None,
) -> Scenario:
    """Return ``scenario`` if it validates, else raise :class:`ScenarioError`."""
    issues = validate(scenario, known_practices=known_practices, known_areas=known_areas)
    if issues:
        raise ScenarioError(issues)
    return scenario


def _unknown(kind: str, value: str, choices: Iterable[str] | None = None) -> str:
    text = f"unknown {kind} {value!r}"
    if choices is not None:
        text += " (expected one of: " + ", ".join(sorted(choices)) + ")"
    return text


def _validate_topics(
    scenario: Scenario, practices: set[str], areas: set[str], add: Any
) -> set[str]:
    topic_slugs: set[str] = set()
    proposal_slugs: set[str] = set()
    for t, topic in enumerate(scenario.topics):
        here: Path = ("topics", t)
        if topic.slug in topic_slugs:
            add((*here, "slug"), f"topic slug {topic.slug!r} is used twice")
        topic_slugs.add(topic.slug)
        if topic.spotlight_area not in areas:
            add((*here, "spotlight_area"), _unknown("spotlight area", topic.spotlight_area, areas))
        for k, practice in enumerate(topic.practices):
            if practice not in practices:
                add((*here, "practices", k), _unknown("practice", practice))
        for p, proposal in enumerate(topic.proposals):
            where: Path = (*here, "proposals", p)
            if proposal.slug in proposal_slugs:
                add((*where, "slug"), f"proposal slug {proposal.slug!r} is used twice")
            proposal_slugs.add(proposal.slug)
            if proposal.origin == "participant" and not topic.reaches("proposals"):
                add(
                    (*where, "origin"),
                    "participants cannot write proposals in a topic that stays a draft",
                )
            if proposal.arguments and not topic.reaches("deliberation"):
                add(
                    (*where, "arguments"),
                    f"arguments are written from the deliberation phase on, "
                    f"and this topic stays in {topic.phase!r}",
                )
        if topic.voting_method not in BALLOT_KINDS:
            add(
                (*here, "voting_method"),
                _unknown("voting method", topic.voting_method, BALLOT_KINDS),
            )
        else:
            _validate_params(topic, here, add)
        if topic.seats > 1 and topic.voting_method in BALLOT_KINDS and topic.voting_method != "stv":
            add((*here, "seats"), "more than one seat needs the 'stv' voting method")
        if topic.reaches("voting") and len(topic.proposals) < 2:
            add((*here, "proposals"), "a topic that is voted on needs at least two proposals")
        if topic.voting_method == "stv" and topic.seats >= max(len(topic.proposals), 1):
            add(
                (*here, "seats"),
                f"{topic.seats} seats need more than {len(topic.proposals)} proposals",
            )
    return proposal_slugs


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _validate_params(topic: TopicSpec, here: Path, add: Any) -> None:
    method = topic.voting_method
    params = topic.voting_params
    at: Path = (*here, "voting_params")
    allowed = METHOD_PARAMS[method] | COMMON_PARAMS
    for name in params:
        if name not in allowed:
            accepted = ", ".join(sorted(allowed))
            add(
                (*at, name),
                f"the {method!r} method takes no parameter {name!r} (it takes: {accepted})",
            )
    for name in sorted(REQUIRED_PARAMS.get(method, frozenset()) - set(params)):
        add((*at, name), f"the {method!r} method needs the parameter {name!r}")
    n_options = len(topic.proposals)

    def want(name: str, ok: bool, problem: str) -> None:
        if name in params and not ok:
            add((*at, name), problem)

    seed = params.get("tie_break_seed")
    want("tie_break_seed", _is_int(seed), "must be an integer")
    if method == "approval":
        value = params.get("max_approvals")
        want("max_approvals", _is_int(value) and value >= 1, "must be an integer of at least 1")
    elif method == "score":
        low, high = params.get("min"), params.get("max")
        want("min", _is_int(low), "must be an integer")
        want("max", _is_int(high), "must be an integer")
        if _is_int(low) and _is_int(high) and low >= high:
            add((*at, "max"), f"must be greater than min ({low})")
    elif method == "majority_judgment":
        grades = params.get("grades")
        ok = (
            isinstance(grades, list)
            and len(grades) >= 2
            and all(isinstance(g, str) and g for g in grades)
            and len(set(grades)) == len(grades)
        )
        want("grades", ok, "must be a list of at least two different grade labels, worst first")
    elif method == "dot":
        budget, cap = params.get("budget"), params.get("max_per_option")
        want("budget", _is_int(budget) and budget >= 1, "must be an integer of at least 1")
        ok = _is_int(cap) and cap >= 1 and (not _is_int(budget) or cap <= budget)
        want("max_per_option", ok, "must be an integer between 1 and the budget")
    elif method == "quadratic":
        credits = params.get("credits")
        want("credits", _is_int(credits) and credits >= 1, "must be an integer of at least 1")
    elif method == "yes_no_abstain":
        threshold, quorum = params.get("threshold"), params.get("quorum")
        ok = _is_number(threshold) and 0 < threshold <= 1
        want("threshold", ok, "must be a share of yes votes above 0 and at most 1")
        want("quorum", _is_number(quorum) and quorum >= 0, "must be a number of at least 0")
    elif method == "consent":
        threshold = params.get("threshold")
        ok = _is_number(threshold) and 0 < threshold <= 1
        want("threshold", ok, "must be a share above 0 and at most 1")
    elif method == "budget":
        _validate_budget(topic, at, add)
    limit = params.get("max_approvals")
    if method == "approval" and _is_int(limit) and limit > max(n_options, 1):
        add((*at, "max_approvals"), f"exceeds the number of proposals ({n_options})")


def _validate_budget(topic: TopicSpec, at: Path, add: Any) -> None:
    params = topic.voting_params
    costs, budget, rule = params.get("costs"), params.get("budget"), params.get("rule", "mes")
    if rule not in {"mes", "greedy"}:
        add((*at, "rule"), f"unknown rule {rule!r} (expected 'mes' or 'greedy')")
    if "budget" in params and not (_is_number(budget) and budget > 0):
        add((*at, "budget"), "must be a positive number")
        budget = None
    if "costs" not in params:
        return
    if not isinstance(costs, dict):
        add((*at, "costs"), "must be a table of proposal slug = cost")
        return
    options = set(topic.options)
    for option, cost in costs.items():
        if option not in options:
            add((*at, "costs", option), f"{option!r} is not a proposal of this topic")
        elif not (_is_number(cost) and cost > 0):
            add((*at, "costs", option), "must be a positive number")
    for option in topic.options:
        if option not in costs:
            add((*at, "costs"), f"proposal {option!r} has no cost")
    numbers = [c for c in costs.values() if _is_number(c) and c > 0]
    if budget is not None and numbers and min(numbers) > budget:
        add((*at, "budget"), "is smaller than the cheapest proposal")


def _validate_panel(panel: PanelSpec, add: Any) -> None:
    if panel.sortition and panel.pool_size < panel.panel_size:
        add(("panel", "pool_size"), f"is smaller than the panel ({panel.panel_size})")
    for name, feature in panel.features.items():
        here: Path = ("panel", "features", name, "values")
        shares = [value.share for value in feature.values.values()]
        if abs(sum(shares) - 1.0) > SHARE_TOLERANCE:
            add(here, f"shares add up to {sum(shares):.3f}, not 1")
        mins = 0
        maxes = 0
        for value, quota in feature.values.items():
            top = panel.panel_size if quota.max is None else quota.max
            if quota.min > top:
                add((*here, value, "min"), f"is above the maximum ({top})")
            if top > panel.panel_size:
                add((*here, value, "max"), f"is above the panel size ({panel.panel_size})")
            mins += quota.min
            maxes += min(top, panel.panel_size)
        if mins > panel.panel_size:
            add(here, f"minimums add up to {mins}, more than the panel of {panel.panel_size}")
        if maxes < panel.panel_size:
            add(here, f"maximums add up to {maxes}, fewer than the panel of {panel.panel_size}")
        if panel.sortition:
            counts = pool_counts(shares, panel.pool_size)
            for (value, quota), count in zip(feature.values.items(), counts, strict=True):
                if count < quota.min:
                    add(
                        (*here, value, "min"),
                        f"the pool of {panel.pool_size} holds about {count} people with "
                        f"{name} = {value!r}, fewer than this minimum",
                    )


def _validate_behaviour(scenario: Scenario, proposal_slugs: set[str], add: Any) -> None:
    behaviour = scenario.behaviour
    for block, members in behaviour.blocks.items():
        for k, slug in enumerate(members):
            if slug not in proposal_slugs:
                add(("behaviour", "blocks", block, k), _unknown("proposal", slug))
    shares = [group.share for group in behaviour.groups]
    if abs(sum(shares) - 1.0) > SHARE_TOLERANCE:
        add(("behaviour", "groups"), f"group shares add up to {sum(shares):.3f}, not 1")
    names: set[str] = set()
    for g, group in enumerate(behaviour.groups):
        here: Path = ("behaviour", "groups", g)
        if group.name in names:
            add((*here, "name"), f"group name {group.name!r} is used twice")
        names.add(group.name)
        for slug in group.agree:
            if slug not in proposal_slugs:
                add((*here, "agree", slug), _unknown("proposal", slug))
        for block in group.blocks:
            if block not in behaviour.blocks:
                add((*here, "blocks", block), _unknown("block", block, behaviour.blocks))
        for feature, values in group.features.items():
            spec = scenario.panel.features.get(feature)
            if spec is None:
                add((*here, "features", feature), _unknown("panel feature", feature))
                continue
            for value in values:
                if value not in spec.values:
                    add((*here, "features", feature, value), _unknown("value", value, spec.values))
            total = sum(values.values())
            if abs(total - 1.0) > SHARE_TOLERANCE:
                add((*here, "features", feature), f"shares add up to {total:.3f}, not 1")
    cutoffs = behaviour.ballots.consent_cutoffs
    if len(cutoffs) != 4 or any(a >= b for a, b in itertools.pairwise(cutoffs)):
        add(
            ("behaviour", "ballots", "consent_cutoffs"),
            "needs four increasing numbers (block | concerns | neutral | reservations | support)",
        )


def _validate_timeline(scenario: Scenario, add: Any) -> None:
    timeline = scenario.timeline
    anchor: datetime | None = None
    zone = zoneinfo.ZoneInfo(DEFAULT_TIME_ZONE)
    with contextlib.suppress(zoneinfo.ZoneInfoNotFoundError, ValueError):  # validate() reports it
        zone = zoneinfo.ZoneInfo(scenario.assembly.time_zone)
    if timeline.now is not None:
        try:
            fixed = parse_when(timeline.now)
        except ValueError as error:
            add(("timeline", "now"), str(error))
        else:
            if isinstance(fixed, datetime):
                anchor = _aware(fixed, zone)
            else:
                add(("timeline", "now"), "must be a datetime, not an offset")
    topics = {topic.slug: topic for topic in scenario.topics}
    for slug, phases in timeline.topics.items():
        here: Path = ("timeline", "topics", slug)
        topic = topics.get(slug)
        if topic is None:
            add(here, _unknown("topic", slug))
            continue
        # Relative times compare against 0; absolute ones against `now` when it is set.
        times: list[tuple[str, datetime | timedelta]] = []
        for phase, text in phases.items():
            if phase not in TIMELINE_PHASES:
                add((*here, phase), _unknown("phase", phase, TIMELINE_PHASES))
                continue
            try:
                times.append((phase, parse_when(text)))
            except ValueError as error:
                add((*here, phase), str(error))
        times.sort(key=lambda item: PHASES.index(item[0]))
        for (first, a), (second, b) in itertools.pairwise(times):
            same_kind = isinstance(a, datetime) == isinstance(b, datetime)
            if same_kind and _compare(a, b, zone) >= 0:
                add((*here, second), f"starts before or when {first!r} starts")
        for phase, when in times:
            offset = _offset(when, anchor, zone)
            if offset is None:
                continue
            reached = topic.reaches(phase)
            if reached and offset > timedelta(0):
                add(
                    (*here, phase),
                    f"lies in the future, but the topic is left in {topic.phase!r}",
                )
            if not reached and offset <= timedelta(0):
                add(
                    (*here, phase),
                    f"has already started, but the topic is left in {topic.phase!r}",
                )


def _compare(a: datetime | timedelta, b: datetime | timedelta, zone: zoneinfo.ZoneInfo) -> int:
    if isinstance(a, datetime) and isinstance(b, datetime):
        a, b = _aware(a, zone), _aware(b, zone)
        return (a > b) - (a < b)
    if isinstance(a, timedelta) and isinstance(b, timedelta):
        return (a > b) - (a < b)
    return 0


def _offset(
    when: datetime | timedelta, anchor: datetime | None, zone: zoneinfo.ZoneInfo
) -> timedelta | None:
    if isinstance(when, timedelta):
        return when
    if anchor is None:
        return None
    return _aware(when, zone) - anchor
