"""The cross-checks of a scenario that decoding alone cannot make.

:func:`validate` checks what spans several keys: that practices and spotlight areas exist,
that voting parameters fit the voting method, that opinion-group shares add up to one, that
every proposal a group or a timeline names exists, and that the panel's quotas can be met.
Every problem is reported with its key path, so the loader can point at the line in the file.
"""

from __future__ import annotations

import contextlib
import itertools
import zoneinfo
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, TypeGuard

from assembly.scenarios.drafting_spec import validate_drafting
from assembly.scenarios.schema import (
    BALLOT_KINDS,
    COMMON_PARAMS,
    DEFAULT_TIME_ZONE,
    METHOD_PARAMS,
    PHASES,
    PRACTICES,
    REQUIRED_PARAMS,
    SHARE_TOLERANCE,
    SPOTLIGHT_AREAS,
    TIMELINE_PHASES,
    Issue,
    PanelSpec,
    Path,
    Scenario,
    ScenarioError,
    TopicSpec,
    aware,
    parse_when,
    pool_counts,
)


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
    if scenario.recommendations is not None:
        validate_drafting(scenario.recommendations, proposal_slugs, practices, add)
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
                anchor = aware(fixed, zone)
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
        a, b = aware(a, zone), aware(b, zone)
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
    return aware(when, zone) - anchor
