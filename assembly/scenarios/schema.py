"""The scenario format: msgspec structs, key paths and the timeline's times.

Decoding (``msgspec.convert``) checks types, ranges, lengths and unknown keys; the checks that
span several keys are in :mod:`assembly.scenarios.checks`.
"""

from __future__ import annotations

import math
import re
import zoneinfo
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

import msgspec

from assembly.scenarios.drafting_spec import DraftingSpec
from assembly.topics.phases import PHASES

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
    recommendations: DraftingSpec | None = None

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


def aware(moment: datetime, zone: zoneinfo.ZoneInfo) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def resolve_timeline(scenario: Scenario, now: datetime) -> dict[str, dict[str, datetime]]:
    """Each topic's phase start times as aware datetimes; offsets count from ``now``.

    ``timeline.now``, when the file sets it, takes the place of ``now``.
    """
    zone = zoneinfo.ZoneInfo(scenario.assembly.time_zone)
    anchor = aware(now, zone)
    if scenario.timeline.now is not None:
        fixed = parse_when(scenario.timeline.now)
        if isinstance(fixed, datetime):
            anchor = aware(fixed, zone)
    resolved: dict[str, dict[str, datetime]] = {}
    for topic, phases in scenario.timeline.topics.items():
        resolved[topic] = {}
        for phase, text in phases.items():
            when = parse_when(text)
            resolved[topic][phase] = (
                anchor + when if isinstance(when, timedelta) else aware(when, zone)
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
