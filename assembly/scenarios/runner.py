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
import datetime as dt
import time
from collections.abc import Awaitable, Iterator, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.errors import InvalidInput
from assembly.scenarios.drafting_runner import DraftingPlayer
from assembly.scenarios.report import (
    COUNTS,
    STAGES,
    ProgressCallback,
    RunReport,
    ScenarioRunError,
    TopicOutcome,
    new_password,
)
from assembly.scenarios.run_base import (
    CONSENT_SHARE,
    DEFAULT_CHUNK,
    demographic_questions,
    in_batches,
    unit,
)
from assembly.scenarios.schema import PHASES, Scenario, TopicSpec
from assembly.scenarios.setup_stage import SetupStage
from assembly.scenarios.simulation import Participant as Person
from assembly.scenarios.simulation import simulate
from assembly.settings import Settings

T = TypeVar("T")

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
    "demographic_questions",
    "new_password",
    "run_scenario",
]


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
        runner = ScenarioRun(
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


class ScenarioRun(SetupStage):
    """One run from set-up to the published results."""

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
        drafting = None
        if self.scenario.recommendations is not None:
            player = DraftingPlayer(self, self.scenario.recommendations)
            drafting = await self._timed("drafting", player.play())
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
            drafting=drafting,
        )

    async def _timed(self, stage: str, work: Awaitable[T]) -> T:
        started = time.perf_counter()
        result = await work
        self.timings[stage] = time.perf_counter() - started
        return result

    async def _participants(self) -> None:
        total = len(self.plan)
        done = 0
        self._report("participants", 0, total)
        for big in self.plan.chunks():
            for batch in in_batches(big, self.chunk_size):
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
            except InvalidInput as error:
                raise ScenarioRunError(
                    f"participant {person.index} ({person.pseudonym}) cannot join: {error}"
                ) from error
            self.participant_ids.append(row.id)
            self.counts["participants"] += 1
            if unit(seed, person.index, "consent") < CONSENT_SHARE and person.demographics:
                try:
                    await save_demographics(db, assembly, row, person.demographics)
                    self.counts["demographics_answered"] += 1
                except InvalidInput as error:
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
                except InvalidInput as error:
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

        try:
            title, body = clean_proposal(title, body)
        except InvalidInput as error:
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
        for batch in in_batches(writers, self.chunk_size):
            await self._session(partial(self._write_arguments, people=batch))
            done += sum(len(person.arguments) for person in batch)
            self._report("arguments", done, total)

    def _everyone(self) -> Iterator[Person]:
        for big in self.plan.chunks():
            yield from big

    async def _write_arguments(self, db: AsyncSession, people: Sequence[Person]) -> None:
        from assembly.proposals.services import add_argument

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
                except InvalidInput as error:
                    self._refused(f"argument on {action.proposal}", error)

    async def _reactions(self) -> None:
        if not self._topics_reaching("deliberation"):
            return
        total = len(self.plan)
        done = 0
        self._report("reactions", 0, total)
        for big in self.plan.chunks():
            for batch in in_batches(big, self.chunk_size):
                await self._session(partial(self._react, people=batch))
                done += len(batch)
                self._report("reactions", done, total)

    async def _react(self, db: AsyncSession, people: Sequence[Person]) -> None:
        from assembly.proposals.services import react

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
                    except InvalidInput as error:
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
            for batch in in_batches(big, self.chunk_size):
                await self._session(partial(self._vote, people=batch))
                done += len(batch)
                self._report("voting", done, total)

    async def _options_as_ids(self, db: AsyncSession, topic: Any, spec: TopicSpec) -> None:
        """A budget's costs, named by proposal slug in the scenario, go on the proposals."""
        from assembly.budgets.services import set_costs

        costs = spec.voting_params.get("costs")
        if not isinstance(costs, dict):
            return
        wanted: dict[int, int | None] = {
            self.proposal_ids[slug]: round(float(cost))
            for slug, cost in costs.items()
            if slug in self.proposal_ids
        }
        try:
            await set_costs(db, topic, wanted, self.facilitator_id)
        except InvalidInput as error:
            raise ScenarioRunError(f"topic {spec.slug!r}: {error}") from error

    def _ballot(self, content: Any) -> Any:
        """A simulated ballot with proposal slugs replaced by the proposals' ids."""
        ids = self.proposal_ids
        if isinstance(content, list):
            return [str(ids[slug]) for slug in content]
        return {str(ids[slug]): value for slug, value in content.items()}

    async def _vote(self, db: AsyncSession, people: Sequence[Person]) -> None:
        from assembly.ballots.services import cast_ballot, cast_paper_ballot

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
                except InvalidInput as error:
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
        from assembly.topics.services import set_schedule

        planned = self.timeline.get(spec.slug)
        if not planned:
            return
        # The schedule form takes whole minutes; the scenario's times are kept to them too.
        starts = {
            phase: _moment(planned[phase]).replace(second=0, microsecond=0)
            for phase in PHASES
            if phase in planned
        }
        try:
            await set_schedule(db, topic, starts, self.facilitator_id)
        except InvalidInput as error:
            self.warnings.append(f"topic {spec.slug}: schedule not set: {error}")


def _moment(value: dt.datetime | str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
