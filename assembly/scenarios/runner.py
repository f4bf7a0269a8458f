"""Playing a scenario into the database, through the same services the web pages call.

:func:`run_scenario` creates the facilitator, the assembly and its topics. When the scenario
uses sortition, it uploads the simulated pool and starts the draw with the sortition services,
runs the queued draw job, and invites the drawn panel (``issue_panel_invitations``); the first
simulated participants are the panel members, in the order drawn. It issues invite codes for
everyone else, has every participant join with their code (or registers them on paper), and
then walks the topics through their phases:

1. ``proposals``: the facilitator posts the seed proposals and simulated participants write
   theirs (``origin = "participant"``);
2. ``deliberation``: participants write their arguments, then react to proposals;
3. ``voting``: participants vote online, or on paper through the facilitator;
4. ``closed`` and ``published``: the result is counted and stored with the published ballots,
   the facilitator's conclusion is saved as the summary's notes and the summary is published;
5. finally each topic gets the scenario's timeline as its schedule, so later phases start on
   their own, and the assembly is published.

Every topic stops in the phase its scenario gives it. Everything a participant does goes
through the participant services (``join_assembly``, ``submit_proposal``, ``add_argument``,
``react``, ``cast_ballot``, ``cast_paper_ballot``), so the rules the web pages enforce hold
here too; an action the services refuse is counted in the report rather than forced in.

Two things have no service of their own, so the runner does them with the ORM (never SQL):
a seed proposal posted by the facilitator (checked with the proposals package's own
``clean_proposal``, with an audit event), and giving a topic the scenario's slug, which keeps
its address short and stable.

**Size.** Participants are written in chunks (``chunk_size``, 500 by default), each chunk in
its own session and transaction: memory stays bounded at 100,000 participants and a long run
shows steady progress. Only one integer per participant (its database id) is kept between
passes; the simulated participants are generated again for each pass, which the simulation
makes cheap and deterministic. Audit events of a chunk's reactions are written in one batch
(no autoflush while reacting), since nothing the reaction service reads depends on them.

**Determinism.** For a scenario, a seed and a number of participants, everything that counts
is the same from one run to the next: participants, their answers, proposals, arguments,
reactions, ballots and results. Invite codes, receipt codes and passwords are random, as they
must be.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import re
import secrets
import time
from array import array
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.scenarios.schema import PHASES, Scenario, TopicSpec, resolve_timeline
from assembly.scenarios.simulation import Participant as Person
from assembly.scenarios.simulation import SimulationPlan, simulate
from assembly.settings import Settings

__all__ = [
    "CONSENT_SHARE",
    "COUNTS",
    "DEFAULT_CHUNK",
    "STAGES",
    "ProgressCallback",
    "RunReport",
    "ScenarioRunError",
    "TopicOutcome",
    "arun_scenario",
    "demographic_questions_text",
    "new_password",
    "run_scenario",
]

T = TypeVar("T")

DEFAULT_CHUNK = 500
CONSENT_SHARE = 0.85
"""Share of participants who consent to the demographic questions (the rest decline)."""

DRAW_WAIT = 3600.0
"""Seconds to wait for a draw that another job runner has taken."""

STAGES: dict[str, str] = {
    "setup": "Setting up the assembly",
    "sortition": "Drawing the panel",
    "participants": "Inviting and joining",
    "proposals": "Writing proposals",
    "arguments": "Writing arguments",
    "reactions": "Reacting to proposals",
    "voting": "Voting",
    "closing": "Closing and publishing",
}
"""The run's stages, in order, with the label progress reports use."""

COUNTS: tuple[str, ...] = (
    "participants",
    "online",
    "paper",
    "demographics_answered",
    "demographics_declined",
    "invite_codes",
    "proposals",
    "proposals_seeded",
    "proposals_by_participants",
    "arguments",
    "reactions",
    "ballots_online",
    "ballots_paper",
    "refused",
)
"""What a report counts (every key is present, zero when nothing of it happened)."""

ProgressCallback = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: ``stage`` is a key of :data:`STAGES`."""

_READABLE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_QUESTION_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_MAX_WARNINGS = 20


class ScenarioRunError(RuntimeError):
    """The scenario cannot be played into this database (a service refused its set-up)."""


@dataclass
class TopicOutcome:
    """Where a topic ended up, and its count (proposals named by their scenario slugs)."""

    slug: str
    id: int
    question: str
    phase: str
    method: str
    url: str
    ballots: int = 0
    winners: list[str] = field(default_factory=list)
    ranking: list[list[str]] = field(default_factory=list)
    summary_published: bool = False

    @property
    def summary_url(self) -> str | None:
        return f"{self.url}/summary" if self.summary_published else None


@dataclass
class RunReport:
    """What a run created: where to look, sign-in details, counts, results and timings."""

    scenario: str
    title: str
    seed: int
    participants: int
    assembly_id: int
    assembly_slug: str
    url: str
    facilitator_email: str
    facilitator_password: str | None
    topics: list[TopicOutcome]
    proposal_ids: dict[str, int]
    counts: dict[str, int]
    timings: dict[str, float]
    sortition: dict[str, Any] | None = None
    demo_codes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def outcome(self) -> dict[str, Any]:
        """The part of the report a seed fixes: counts, phases, panel and results."""
        return {
            "participants": self.participants,
            "counts": dict(sorted(self.counts.items())),
            "panel": (self.sortition or {}).get("panel"),
            "topics": [
                {
                    "slug": t.slug,
                    "phase": t.phase,
                    "ballots": t.ballots,
                    "winners": t.winners,
                    "ranking": t.ranking,
                    "summary_published": t.summary_published,
                }
                for t in self.topics
            ],
        }

    def describe(self) -> str:
        """A short text for the terminal: what was made, where to see it, how to sign in."""
        c = self.counts
        lines = [
            f"Loaded “{self.title}” ({self.scenario}, seed {self.seed}) "
            f"in {self.timings.get('total', 0.0):.1f} s.",
            f"  Participants: {c.get('participants', 0):,} "
            f"({c.get('online', 0):,} online, {c.get('paper', 0):,} on paper); "
            f"proposals: {c.get('proposals', 0):,}; arguments: {c.get('arguments', 0):,}; "
            f"reactions: {c.get('reactions', 0):,}; "
            f"ballots: {c.get('ballots_online', 0) + c.get('ballots_paper', 0):,} "
            f"({c.get('ballots_paper', 0):,} on paper).",
        ]
        if self.sortition and self.sortition.get("panel"):
            lines.append(
                f"  Panel: {len(self.sortition['panel'])} drawn by lot from a pool of "
                f"{self.sortition.get('pool_size', 0)} (seed {self.sortition.get('seed')})."
            )
        lines.append(f"  See it at {self.url}")
        for topic in self.topics:
            lines.append(f"    {topic.phase:<12} {topic.url}")
            if topic.summary_url:
                lines.append(f"    {'summary':<12} {topic.summary_url}")
        if self.facilitator_password:
            lines.append(f"  Facilitator: {self.facilitator_email} / {self.facilitator_password}")
        else:
            lines.append(
                f"  Facilitator: {self.facilitator_email} (existing account, password unchanged)"
            )
        if c.get("refused"):
            lines.append(f"  {c['refused']} simulated actions were refused by the services.")
        return "\n".join(lines)


def new_password() -> str:
    """A readable random password: four groups of four letters and digits."""
    raw = "".join(secrets.choice(_READABLE_ALPHABET) for _ in range(16))
    return "-".join(raw[k : k + 4] for k in range(0, 16, 4))


def demographic_questions_text(scenario: Scenario) -> str:
    """The panel's features as the assembly form's demographic questions (one per line)."""
    lines = []
    for name, feature in scenario.panel.features.items():
        values = list(feature.values)
        if not _QUESTION_KEY.match(name) or any("|" in v or not v.strip() for v in values):
            continue  # a feature the question format cannot express stays out of the form
        label = " ".join((feature.label or name.replace("_", " ").capitalize()).split())
        lines.append(" | ".join([f"{name}: {label}", *values]))
    return "\n".join(lines)


def _unit(seed: int, index: int, salt: str) -> float:
    """A uniform number in [0, 1) fixed by seed, participant and purpose."""
    digest = hashlib.blake2b(f"{salt}:{seed}:{index}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def run_scenario(
    settings: Settings,
    scenario: Scenario,
    *,
    participants: int | None = None,
    seed: int = 1,
    sortition: bool = True,
    progress: ProgressCallback | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    now: datetime | None = None,
    facilitator_password: str | None = None,
    demo_codes: int = 0,
) -> RunReport:
    """Create the scenario's assembly in ``settings``' database and play it (see the module).

    ``participants`` defaults to the panel size; ``sortition=False`` skips the draw even when
    the scenario asks for one; ``now`` anchors the timeline (default: the moment of the run);
    ``demo_codes`` extra unused invite codes are issued and returned in the report.
    """
    return asyncio.run(
        arun_scenario(
            settings,
            scenario,
            participants=participants,
            seed=seed,
            sortition=sortition,
            progress=progress,
            chunk_size=chunk_size,
            now=now,
            facilitator_password=facilitator_password,
            demo_codes=demo_codes,
        )
    )


async def arun_scenario(
    settings: Settings,
    scenario: Scenario,
    *,
    participants: int | None = None,
    seed: int = 1,
    sortition: bool = True,
    progress: ProgressCallback | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    now: datetime | None = None,
    facilitator_password: str | None = None,
    demo_codes: int = 0,
) -> RunReport:
    """:func:`run_scenario` inside a running event loop."""
    from assembly.db.engine import SessionMaker, create_engine

    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    engine = create_engine(settings)
    try:
        runner = _Runner(
            settings,
            scenario,
            SessionMaker(engine),
            plan=simulate(scenario, participants=participants, seed=seed),
            sortition=sortition and scenario.panel.sortition,
            progress=progress,
            chunk_size=chunk_size,
            now=now or datetime.now(UTC),
            facilitator_password=facilitator_password,
            demo_codes=demo_codes,
        )
        return await runner.run()
    finally:
        await engine.dispose()


class _Runner:
    """One run: the ids it created and the counts it keeps, shared by its passes."""

    def __init__(
        self,
        settings: Settings,
        scenario: Scenario,
        sessions: Any,
        *,
        plan: SimulationPlan,
        sortition: bool,
        progress: ProgressCallback | None,
        chunk_size: int,
        now: datetime,
        facilitator_password: str | None,
        demo_codes: int,
    ) -> None:
        from assembly.invitations.services import MAX_CODES_PER_REQUEST

        self.settings = settings
        self.scenario = scenario
        self.sessions = sessions
        self.plan = plan
        self.use_sortition = sortition
        self.progress = progress
        # A chunk's invite codes are issued in one call, which takes at most this many.
        self.chunk_size = min(chunk_size, MAX_CODES_PER_REQUEST)
        self.now = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
        self.timeline = resolve_timeline(scenario, self.now)
        self.password = facilitator_password
        self.demo_code_count = demo_codes
        self.counts: Counter[str] = Counter(dict.fromkeys(COUNTS, 0))
        self.timings: dict[str, float] = {}
        self.warnings: list[str] = []
        self.facilitator_id = 0
        self.facilitator_email = ""
        self.created_password: str | None = None
        self.assembly_id = 0
        self.assembly_slug = ""
        self.topic_ids: dict[str, int] = {}
        self.proposal_ids: dict[str, int] = {}
        self.participant_ids = array("q")
        self.sortition_info: dict[str, Any] | None = None
        self.selection_id = 0
        self.panel_codes: dict[str, str] = {}
        self.demo_codes: list[str] = []

    # --- plumbing ---------------------------------------------------------------------------

    def _report(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)

    async def _session(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run ``work`` in its own write transaction, committed when it returns."""
        async with self.sessions.for_write() as db:
            result = await work(db)
            await db.commit()
            return result

    def _refused(self, what: str, error: Exception) -> None:
        self.counts["refused"] += 1
        if len(self.warnings) < _MAX_WARNINGS:
            self.warnings.append(f"{what}: {error}")

    def _topics_reaching(self, phase: str) -> list[TopicSpec]:
        return [topic for topic in self.scenario.topics if topic.reaches(phase)]

    def _when(self, topic: str, phase: str) -> datetime:
        return self.timeline.get(topic, {}).get(phase, self.now)

    async def _advance(self, db: AsyncSession, topic: Any, target: str) -> None:
        """Move ``topic`` forward one phase at a time until it is in ``target``."""
        from assembly.topics.services import move_phase, next_phase, phase_index
        from assembly.web.forms import FormError

        while phase_index(topic.phase) < phase_index(target):
            step = next_phase(topic.phase)
            assert step is not None
            try:
                await move_phase(
                    db, topic, step, self.facilitator_id, now=self._when(topic.slug, step)
                )
            except FormError as error:
                raise ScenarioRunError(
                    f"topic {topic.slug!r} cannot move to {step!r}: {error}"
                ) from error

    # --- the run ------------------------------------------------------------------------------

    async def run(self) -> RunReport:
        started = time.perf_counter()
        await self._timed("setup", self._session(self._setup))
        if self.use_sortition:
            await self._timed("sortition", self._draw())
        await self._timed("participants", self._participants())
        await self._timed("proposals", self._session(self._proposals))
        await self._timed("arguments", self._arguments())
        await self._timed("reactions", self._reactions())
        await self._timed("voting", self._voting())
        topics = await self._timed("closing", self._session(self._closing))
        self.timings["total"] = time.perf_counter() - started
        base = self.settings.base_url.rstrip("/")
        return RunReport(
            scenario=self.scenario.slug,
            title=self.scenario.assembly.title,
            seed=self.plan.seed,
            participants=len(self.plan),
            assembly_id=self.assembly_id,
            assembly_slug=self.assembly_slug,
            url=f"{base}/assemblies/{self.assembly_slug}",
            facilitator_email=self.facilitator_email,
            facilitator_password=self.created_password,
            topics=topics,
            proposal_ids=dict(self.proposal_ids),
            counts=dict(self.counts),
            timings=self.timings,
            sortition=self.sortition_info,
            demo_codes=self.demo_codes,
            warnings=self.warnings,
        )

    async def _timed(self, stage: str, work: Awaitable[T]) -> T:
        started = time.perf_counter()
        result = await work
        self.timings[stage] = time.perf_counter() - started
        return result

    # --- sortition ----------------------------------------------------------------------------

    def _pool_csv(self) -> str:
        rows = self.plan.pool_rows()
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue()

    async def _start_draw(self, db: AsyncSession, assembly: Any) -> None:
        """Upload the pool and start the draw, as the facilitator does on the sortition pages."""
        from assembly.sortition.forms import DrawSettings
        from assembly.sortition.selection import MAX_SEED
        from assembly.sortition.services import create_selection, start_draw

        panel = self.scenario.panel
        selection = await create_selection(
            db, assembly, self._pool_csv(), "household", self.facilitator_id
        )
        settings = DrawSettings(
            panel_size=panel.panel_size,
            seed=self.plan.seed % MAX_SEED or MAX_SEED,
            algorithm=panel.algorithm,
        )
        quotas: list[dict[str, Any]] = [dict(row) for row in panel.quota_rows()]
        await start_draw(db, assembly, selection, settings, quotas, self.facilitator_id)
        self.selection_id = selection.id

    async def _draw(self) -> None:
        """Run the queued draw (the background job), then invite the panel it drew.

        A server's own job runner may take the job first; then the run waits for it.
        """
        from assembly.jobs.runner import run_pending
        from assembly.sortition.selection import SelectionResult

        self._report("sortition", 0, 1)
        deadline = time.monotonic() + DRAW_WAIT
        await run_pending(self.settings)
        selection = await self._session(self._selection_state)
        while selection[0] == "queued" and time.monotonic() < deadline:
            await asyncio.sleep(1.0)
            await run_pending(self.settings)
            selection = await self._session(self._selection_state)
        status, data, error = selection
        if status != "drawn" or not data:
            raise ScenarioRunError(f"the panel cannot be drawn: {error or status}")
        result = SelectionResult.from_dict(data)
        self.plan = self.plan.with_panel(result.panel)
        self.panel_codes = await self._session(self._invite_panel)
        self.sortition_info = {
            "selection_id": self.selection_id,
            "panel": list(result.panel),
            "seed": result.seed,
            "algorithm": result.algorithm,
            "pool_size": result.pool_size,
            "panel_size": result.panel_size,
            "min_probability": result.min_probability,
            "ideal_probability": result.ideal_probability,
            "panel_sha256": result.record.get("panel_sha256"),
        }
        self._report("sortition", 1, 1)

    async def _selection_state(self, db: AsyncSession) -> tuple[str, Any, str]:
        from assembly.db.models import SortitionSelection

        selection = await db.get(SortitionSelection, self.selection_id)
        assert selection is not None
        return selection.status, selection.result, selection.error

    async def _invite_panel(self, db: AsyncSession) -> dict[str, str]:
        """Invite codes for the drawn panel, by pool id (the sortition service labels them)."""
        from assembly.db.models import Assembly, SortitionSelection
        from assembly.sortition.services import issue_panel_invitations
        from assembly.web.forms import FormError

        assembly = await db.get(Assembly, self.assembly_id)
        selection = await db.get(SortitionSelection, self.selection_id)
        assert assembly is not None
        assert selection is not None
        try:
            issued = await issue_panel_invitations(
                db, assembly, selection, self.settings.secret_key, self.facilitator_id
            )
        except FormError as error:
            raise ScenarioRunError(f"the panel cannot be invited: {error}") from error
        self.counts["invite_codes"] += len(issued)
        return {item.invite.label: item.code for item in issued}

    # --- set-up -------------------------------------------------------------------------------

    async def _setup(self, db: AsyncSession) -> None:
        from assembly.accounts.services import create_account
        from assembly.assemblies.services import create_assembly
        from assembly.db.models import Account, Assembly
        from assembly.forms_common import normalise_email
        from assembly.web.forms import FormError

        self._report("setup", 0, len(self.scenario.topics) + 1)
        demo = self.scenario.demo
        email = normalise_email(demo.facilitator_email)
        account = await db.scalar(select(Account).where(Account.email == email))
        try:
            if account is None:
                password = self.password or new_password()
                account = await create_account(
                    db, email, password, "facilitator", demo.facilitator_name
                )
                self.created_password = password
            elif account.role not in ("facilitator", "admin") or not account.is_active:
                raise ScenarioRunError(f"{email} exists but is not an active facilitator account")
            spec = self.scenario.assembly
            slug = await self._free_assembly_slug(db, Assembly)
            assembly = await create_assembly(
                db,
                account,
                {
                    "title": spec.title,
                    "slug": slug,
                    "place": spec.place,
                    "language": spec.language,
                    "time_zone": spec.time_zone,
                    "description": spec.description,
                    "demographic_questions": demographic_questions_text(self.scenario),
                    "status": "draft",
                },
            )
        except FormError as error:
            raise ScenarioRunError(f"the assembly cannot be created: {error}") from error
        self.facilitator_id = account.id
        self.facilitator_email = account.email
        self.assembly_id = assembly.id
        self.assembly_slug = assembly.slug
        self._report("setup", 1, len(self.scenario.topics) + 1)
        for number, topic in enumerate(self.scenario.topics, start=2):
            await self._create_topic(db, assembly, topic)
            self._report("setup", number, len(self.scenario.topics) + 1)
        if self.use_sortition:
            try:
                await self._start_draw(db, assembly)
            except FormError as error:
                raise ScenarioRunError(f"the draw cannot start: {error}") from error

    async def _free_assembly_slug(self, db: AsyncSession, model: Any) -> str:
        base = self.scenario.slug[:70].strip("-")
        candidate, number = base, 1
        while await db.scalar(select(model.id).where(model.slug == candidate)) is not None:
            number += 1
            candidate = f"{base}-{number}"
        return candidate

    async def _create_topic(self, db: AsyncSession, assembly: Any, spec: TopicSpec) -> None:
        from assembly.db.models import Practice, SpotlightArea
        from assembly.topics.forms import format_params
        from assembly.topics.services import RESERVED_TOPIC_SLUGS, create_topic
        from assembly.web.forms import FormError

        area = await db.scalar(
            select(SpotlightArea).where(SpotlightArea.slug == spec.spotlight_area)
        )
        if area is None:
            raise ScenarioRunError(
                f"spotlight area {spec.spotlight_area!r} is not in the database "
                "(is the catalogue synced? `assembly db upgrade` does it)"
            )
        practice_ids = []
        for slug in spec.practices:
            practice_id = await db.scalar(select(Practice.id).where(Practice.slug == slug))
            if practice_id is None:
                self.warnings.append(
                    f"topic {spec.slug}: practice {slug!r} is not in the catalogue"
                )
                continue
            practice_ids.append(str(practice_id))
        values = {
            "question": spec.question,
            "background": spec.background,
            "spotlight_area": str(area.id),
            "voting_method": spec.voting_method,
            "seats": str(spec.seats),
            "voting_params": format_params(spec.voting_params),
            "ballot_secrecy": spec.ballot,
            "phase": "draft",
        }
        try:
            topic = await create_topic(db, assembly, values, practice_ids, self.facilitator_id)
        except FormError as error:
            raise ScenarioRunError(f"topic {spec.slug!r} cannot be created: {error}") from error
        # The scenario's slug is the topic's address; the service would derive a long one.
        if spec.slug not in RESERVED_TOPIC_SLUGS:
            topic.slug = spec.slug
            await db.flush()
        self.topic_ids[spec.slug] = topic.id

    # --- participants -------------------------------------------------------------------------

    async def _participants(self) -> None:
        total = len(self.plan)
        done = 0
        self._report("participants", 0, total)
        for big in self.plan.chunks():
            for batch in _batches(big, self.chunk_size):
                await self._session(partial(self._join, people=batch))
                done += len(batch)
                self._report("participants", done, total)
        if self.demo_code_count:
            await self._session(self._issue_demo_codes)

    async def _join(self, db: AsyncSession, people: Sequence[Person]) -> None:
        from assembly.db.models import Assembly
        from assembly.invitations.services import issue_codes
        from assembly.participants.services import (
            decline_demographics,
            join_assembly,
            save_demographics,
        )
        from assembly.topics.room import register_paper_participant
        from assembly.web.forms import FormError

        assembly = await db.get(Assembly, self.assembly_id)
        assert assembly is not None
        # Everyone gets a letter with a code (the panel got theirs with the draw); those who
        # take part on paper never type it.
        others = [p for p in people if p.pool_id not in self.panel_codes]
        fresh: list[str] = []
        if others:
            issued = await issue_codes(
                db,
                assembly,
                len(others),
                self.settings.secret_key,
                actor_id=self.facilitator_id,
            )
            self.counts["invite_codes"] += len(issued)
            # Keep the codes, not the rows: an invite left in the session would be checked by
            # every later claim of a code in this transaction (the claim's UPDATE syncs it).
            fresh = [item.code for item in issued]
            del issued
        codes = iter(fresh)
        seed = self.plan.seed
        for person in people:
            panel_code = self.panel_codes.get(person.pool_id or "")
            code = panel_code if panel_code is not None else next(codes)
            try:
                if person.paper:
                    row = await register_paper_participant(
                        db, assembly, person.pseudonym, self.facilitator_id
                    )
                    self.counts["paper"] += 1
                else:
                    row = await join_assembly(db, code, person.pseudonym, self.settings.secret_key)
                    self.counts["online"] += 1
            except FormError as error:
                raise ScenarioRunError(
                    f"participant {person.index} ({person.pseudonym}) cannot join: {error}"
                ) from error
            self.participant_ids.append(row.id)
            self.counts["participants"] += 1
            if _unit(seed, person.index, "consent") < CONSENT_SHARE and person.demographics:
                try:
                    await save_demographics(db, assembly, row, person.demographics)
                    self.counts["demographics_answered"] += 1
                except FormError as error:
                    self._refused(f"demographics of {person.pseudonym}", error)
            else:
                await decline_demographics(db, row)
                self.counts["demographics_declined"] += 1

    async def _issue_demo_codes(self, db: AsyncSession) -> None:
        from assembly.db.models import Assembly
        from assembly.invitations.services import issue_codes

        assembly = await db.get(Assembly, self.assembly_id)
        assert assembly is not None
        labels = [f"Demo participant {k + 1}" for k in range(self.demo_code_count)]
        issued = await issue_codes(
            db,
            assembly,
            self.demo_code_count,
            self.settings.secret_key,
            labels=labels,
            actor_id=self.facilitator_id,
        )
        self.demo_codes = [item.code for item in issued]
        self.counts["invite_codes"] += len(issued)

    # --- proposals ----------------------------------------------------------------------------

    async def _proposals(self, db: AsyncSession) -> None:
        from assembly.db.models import Participant, Topic
        from assembly.proposals.services import submit_proposal
        from assembly.web.forms import FormError

        proposals = list(self.scenario.proposals())
        self._report("proposals", 0, len(proposals))
        topics: dict[str, Any] = {}
        for spec in self.scenario.topics:
            topic = await db.get(Topic, self.topic_ids[spec.slug])
            assert topic is not None
            topics[spec.slug] = topic
            if spec.reaches("proposals"):
                await self._advance(db, topic, "proposals")
        for done, (spec, proposal) in enumerate(proposals, start=1):
            topic = topics[spec.slug]
            author = None
            if proposal.origin == "participant":
                author = self.plan.proposal_authors.get(proposal.slug)
            row = None
            if author is not None:
                participant = await db.get(Participant, self.participant_ids[author])
                assert participant is not None
                try:
                    row = await submit_proposal(
                        db, topic, participant, proposal.title, proposal.body
                    )
                    self.counts["proposals_by_participants"] += 1
                except FormError as error:
                    self._refused(f"proposal {proposal.slug}", error)
            if row is None:
                row = await self._seed_proposal(db, topic, proposal.title, proposal.body)
                self.counts["proposals_seeded"] += 1
            self.proposal_ids[proposal.slug] = row.id
            self.counts["proposals"] += 1
            self._report("proposals", done, len(proposals))

    async def _seed_proposal(self, db: AsyncSession, topic: Any, title: str, body: str) -> Any:
        """A proposal the facilitator posts (no participant), checked like any other."""
        from assembly.audit.services import record_event
        from assembly.db.models import Proposal
        from assembly.proposals.services import clean_proposal
        from assembly.web.forms import FormError

        try:
            title, body = clean_proposal(title, body)
        except FormError as error:
            raise ScenarioRunError(f"seed proposal {title!r} is refused: {error}") from error
        proposal = Proposal(topic_id=topic.id, participant_id=None, title=title, body=body)
        db.add(proposal)
        await db.flush()
        await record_event(
            db,
            "proposal.seeded",
            actor_kind="account",
            actor_id=self.facilitator_id,
            assembly_id=topic.assembly_id,
            subject=proposal,
        )
        return proposal

    # --- deliberation -------------------------------------------------------------------------

    async def _load_topics(self, db: AsyncSession) -> tuple[dict[str, Any], dict[str, Any]]:
        """The run's topics and proposals in this session, by scenario slug."""
        from assembly.db.models import Proposal, Topic

        topics = {}
        for slug, topic_id in self.topic_ids.items():
            topics[slug] = await db.get(Topic, topic_id)
        rows = await db.scalars(
            select(Proposal).where(Proposal.id.in_(list(self.proposal_ids.values())))
        )
        by_id = {row.id: row for row in rows}
        proposals = {slug: by_id[pid] for slug, pid in self.proposal_ids.items()}
        return topics, proposals

    async def _load_participants(
        self, db: AsyncSession, people: Sequence[Person]
    ) -> dict[int, Any]:
        from assembly.db.models import Participant

        ids = [self.participant_ids[p.index] for p in people]
        rows = await db.scalars(select(Participant).where(Participant.id.in_(ids)))
        by_id = {row.id: row for row in rows}
        return {p.index: by_id[self.participant_ids[p.index]] for p in people}

    async def _arguments(self) -> None:
        deliberating = self._topics_reaching("deliberation")

        async def open_deliberation(db: AsyncSession) -> None:
            topics, _ = await self._load_topics(db)
            for spec in deliberating:
                await self._advance(db, topics[spec.slug], "deliberation")

        await self._session(open_deliberation)
        # Arguments come before reactions, so that reactions can take their side.
        writers = [person for person in self._everyone() if person.arguments]
        total = sum(len(person.arguments) for person in writers)
        done = 0
        self._report("arguments", 0, total)
        for batch in _batches(writers, self.chunk_size):
            await self._session(partial(self._write_arguments, people=batch))
            done += sum(len(person.arguments) for person in batch)
            self._report("arguments", done, total)

    def _everyone(self) -> Iterator[Person]:
        for big in self.plan.chunks():
            yield from big

    async def _write_arguments(self, db: AsyncSession, people: Sequence[Person]) -> None:
        from assembly.proposals.services import add_argument
        from assembly.web.forms import FormError

        topics, proposals = await self._load_topics(db)
        rows = await self._load_participants(db, people)
        for person in people:
            for action in person.arguments:
                try:
                    await add_argument(
                        db,
                        topics[action.topic],
                        proposals[action.proposal],
                        rows[person.index],
                        action.stance,
                        action.body,
                    )
                    self.counts["arguments"] += 1
                except FormError as error:
                    self._refused(f"argument on {action.proposal}", error)

    async def _reactions(self) -> None:
        if not self._topics_reaching("deliberation"):
            return
        total = len(self.plan)
        done = 0
        self._report("reactions", 0, total)
        for big in self.plan.chunks():
            for batch in _batches(big, self.chunk_size):
                await self._session(partial(self._react, people=batch))
                done += len(batch)
                self._report("reactions", done, total)

    async def _react(self, db: AsyncSession, people: Sequence[Person]) -> None:
        from assembly.proposals.services import react
        from assembly.web.forms import FormError

        reacting = [person for person in people if person.reactions]
        if not reacting:
            return
        topics, proposals = await self._load_topics(db)
        topic_of = {proposal.slug: topic.slug for topic, proposal in self.scenario.proposals()}
        rows = await self._load_participants(db, reacting)
        with db.no_autoflush:  # the chunk's audit rows go out in one batch at the commit
            for person in reacting:
                participant = rows[person.index]
                for slug, reaction in person.reactions.items():
                    try:
                        await react(
                            db, topics[topic_of[slug]], proposals[slug], participant, reaction
                        )
                        self.counts["reactions"] += 1
                    except FormError as error:
                        self._refused(f"reaction to {slug}", error)

    # --- voting -------------------------------------------------------------------------------

    async def _voting(self) -> None:
        voting = self._topics_reaching("voting")
        if not voting:
            return

        async def open_voting(db: AsyncSession) -> None:
            topics, _ = await self._load_topics(db)
            for spec in voting:
                topic = topics[spec.slug]
                await self._options_as_ids(db, topic, spec)
                await self._advance(db, topic, "voting")

        await self._session(open_voting)
        total = len(self.plan)
        done = 0
        self._report("voting", 0, total)
        for big in self.plan.chunks():
            for batch in _batches(big, self.chunk_size):
                await self._session(partial(self._vote, people=batch))
                done += len(batch)
                self._report("voting", done, total)

    async def _options_as_ids(self, db: AsyncSession, topic: Any, spec: TopicSpec) -> None:
        """Parameters that name proposals (a budget's costs) name them by id once they exist."""
        from assembly.topics.forms import format_params
        from assembly.topics.services import topic_form_values, update_topic
        from assembly.web.forms import FormError

        params = dict(topic.voting_params or {})
        costs = params.get("costs")
        if not isinstance(costs, dict):
            return
        params["costs"] = {
            str(self.proposal_ids[slug]) if slug in self.proposal_ids else slug: cost
            for slug, cost in costs.items()
        }
        values = topic_form_values(topic)
        practice_ids = values.pop("practices")
        values["voting_params"] = format_params(params)
        try:
            await update_topic(db, topic, values, practice_ids, self.facilitator_id)
        except FormError as error:
            raise ScenarioRunError(f"topic {spec.slug!r}: {error}") from error

    def _ballot(self, content: Any) -> Any:
        """A simulated ballot with proposal slugs replaced by the proposals' ids."""
        ids = self.proposal_ids
        if isinstance(content, list):
            return [str(ids[slug]) for slug in content]
        return {str(ids[slug]): value for slug, value in content.items()}

    async def _vote(self, db: AsyncSession, people: Sequence[Person]) -> None:
        from assembly.ballots.services import cast_ballot, cast_paper_ballot
        from assembly.web.forms import FormError

        voters = [person for person in people if person.ballots]
        if not voters:
            return
        topics, _ = await self._load_topics(db)
        rows = await self._load_participants(db, voters)
        for person in voters:
            participant = rows[person.index]
            for slug, ballot in person.ballots.items():
                content = self._ballot(ballot)
                try:
                    if person.paper:
                        await cast_paper_ballot(
                            db, topics[slug], content, self.facilitator_id, participant
                        )
                        self.counts["ballots_paper"] += 1
                    else:
                        await cast_ballot(db, topics[slug], participant, content)
                        self.counts["ballots_online"] += 1
                except FormError as error:
                    self._refused(f"ballot on {slug}", error)

    # --- closing ------------------------------------------------------------------------------

    async def _closing(self, db: AsyncSession) -> list[TopicOutcome]:
        from assembly.assemblies.services import set_assembly_status
        from assembly.ballots.services import compute_result, publish_ballots
        from assembly.db.models import Assembly
        from assembly.topics.services import ballot_count

        topics, _ = await self._load_topics(db)
        self._report("closing", 0, len(self.scenario.topics))
        slug_of = {str(pid): slug for slug, pid in self.proposal_ids.items()}
        base = self.settings.base_url.rstrip("/")
        outcomes = []
        for done, spec in enumerate(self.scenario.topics, start=1):
            topic = topics[spec.slug]
            if spec.reaches("closed"):
                await self._advance(db, topic, "closed")
            if spec.reaches("published"):
                await publish_ballots(db, topic, self.facilitator_id)
                await self._write_conclusion(db, topic, spec)
                await self._advance(db, topic, "published")
            outcome = TopicOutcome(
                slug=spec.slug,
                id=topic.id,
                question=topic.question,
                phase=topic.phase,
                method=topic.voting_method,
                url=f"{base}/assemblies/{self.assembly_slug}/topics/{topic.slug}",
            )
            if spec.reaches("voting"):
                result = await compute_result(db, topic)
                outcome.ballots = await ballot_count(db, topic)
                outcome.winners = [slug_of.get(o, o) for o in result.winners]
                outcome.ranking = [[slug_of.get(o, o) for o in tier] for tier in result.ranking]
            if spec.reaches("published"):
                outcome.summary_published = await self._publish_summary(db, topic)
            outcomes.append(outcome)
            self._report("closing", done, len(self.scenario.topics))
        for spec in self.scenario.topics:
            await self._schedule(db, topics[spec.slug], spec)
        assembly = await db.get(Assembly, self.assembly_id)
        assert assembly is not None
        await set_assembly_status(db, assembly, "published", self.facilitator_id)
        return outcomes

    async def _write_conclusion(self, db: AsyncSession, topic: Any, spec: TopicSpec) -> None:
        if not spec.conclusion.strip():
            return
        try:
            from assembly.summaries.services import save_facilitator_notes
        except ImportError:
            self.warnings.append("the summaries service is missing: conclusions not written")
            return
        await save_facilitator_notes(db, topic, spec.conclusion, self.facilitator_id)

    async def _publish_summary(self, db: AsyncSession, topic: Any) -> bool:
        try:
            from assembly.summaries.services import publish_summary
        except ImportError:
            self.warnings.append("the summaries service is missing: summaries not published")
            return False
        await publish_summary(db, topic, self.facilitator_id)
        return bool(topic.summary_published)

    async def _schedule(self, db: AsyncSession, topic: Any, spec: TopicSpec) -> None:
        """Give the topic the scenario's timeline, so that later phases start on their own."""
        from assembly.assemblies.forms import to_local_input
        from assembly.topics.services import schedule_field, set_schedule
        from assembly.web.forms import FormError

        planned = self.timeline.get(spec.slug)
        if not planned:
            return
        zone = self.scenario.assembly.time_zone
        values = {
            schedule_field(phase): to_local_input(planned[phase], zone)
            for phase in PHASES
            if phase in planned
        }
        try:
            await set_schedule(db, topic, values, self.facilitator_id)
        except FormError as error:
            self.warnings.append(f"topic {spec.slug}: schedule not set: {error}")
