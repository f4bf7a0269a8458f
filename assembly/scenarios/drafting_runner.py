"""Playing a scenario's ``[recommendations]``: drafting, amendments and their votes, the final
votes, minority statements, the report and the commissioning body's answers.

Everything goes through the drafting services, as the pages do, so their rules hold: a
facilitator drafts the recommendations from the scenario's proposals and moves the phases; the
first online members propose the amendments and write the minority statements; every member
who turns out votes, online or (for those who take part on paper) through the facilitator.
Votes are drawn deterministically from the seed: yes with the scenario's ``support``, abstain
with its ``abstain``, no otherwise. Ballots are cast a chunk of members at a time, each chunk in
its own transaction, as in the rest of the run.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.scenarios.drafting_spec import DraftingSpec
from assembly.scenarios.report import DraftedOutcome, DraftingReport
from assembly.scenarios.run_base import unit
from assembly.scenarios.schema import parse_when


def _answer(seed: int, index: int, salt: str, support: float, abstain: float) -> str:
    draw = unit(seed, index, salt)
    if draw < support:
        return "yes"
    return "abstain" if draw < support + abstain else "no"


def _date(text: str, now: dt.datetime) -> dt.date:
    when = parse_when(text)
    moment = now + when if isinstance(when, dt.timedelta) else when
    return moment.date()


class DraftingPlayer:
    def __init__(self, runner: Any, spec: DraftingSpec) -> None:
        self.runner = runner
        self.spec = spec
        self.ballots = 0
        self.responder: tuple[str, str | None] | None = None

    @property
    def facilitator(self) -> Any:
        from assembly.recommendations.services import Actor

        return Actor(account_id=self.runner.facilitator_id, facilitator=True)

    async def _assembly(self, db: AsyncSession) -> Any:
        from assembly.db.models import Assembly

        return await db.get(Assembly, self.runner.assembly_id)

    def _people(self) -> list[tuple[int, int, bool]]:
        """(plan index, participant id, on paper) of every member, in plan order."""
        ids = self.runner.participant_ids
        return [(p.index, ids[p.index], bool(p.paper)) for p in self.runner._everyone()]

    def _authors(self, count: int) -> list[int]:
        online = [pid for _i, pid, paper in self._people() if not paper]
        return online[:count]

    async def play(self) -> DraftingReport:
        spec = self.spec
        steps = 6
        report = self.runner._report
        report("drafting", 0, steps)
        await self.runner._session(self._draft)
        report("drafting", 1, steps)
        if spec.reaches("amending"):
            await self.runner._session(self._amend)
            await self._vote(amendments=True)
        report("drafting", 2, steps)
        if spec.reaches("voting"):
            await self.runner._session(lambda db: self._move(db, "voting"))
            await self._vote(amendments=False)
        report("drafting", 3, steps)
        await self.runner._session(self._statements)
        report("drafting", 4, steps)
        if spec.reaches("final"):
            await self.runner._session(self._finish)
        report("drafting", 5, steps)
        found = await self.runner._session(self._report)
        report("drafting", steps, steps)
        return found

    async def _draft(self, db: AsyncSession) -> None:
        from assembly.db.models import Practice
        from assembly.recommendations import lifecycle
        from assembly.recommendations import services as drafting

        spec = self.spec
        assembly = await self._assembly(db)
        await drafting.save_settings(
            db,
            assembly,
            drafting.SettingsInput(
                threshold=spec.threshold,
                amendment_threshold=spec.amendment_threshold,
                abstentions=spec.abstentions,
                ballot_secrecy=spec.ballot,
                minority_signatures=str(spec.minority_signatures),
                remit=spec.remit,
                commissioned_by=spec.commissioned_by,
                meetings=str(spec.meetings),
                meeting_hours=str(spec.meeting_hours),
                data_url="",
                response_due_on="",
            ),
            self.facilitator,
        )
        process = await lifecycle.prepare_write(db, assembly)
        practice_ids = {
            slug: pid
            for pid, slug in (await db.execute(select(Practice.id, Practice.slug))).tuples()
        }
        for item in spec.items:
            await drafting.create_recommendation(
                db,
                assembly,
                process,
                drafting.RecommendationInput(
                    title=item.title,
                    clauses=list(item.clauses),
                    rationale=item.rationale,
                    proposal_ids=[self.runner.proposal_ids[slug] for slug in item.proposals],
                    practice_ids=[practice_ids[slug] for slug in item.practices],
                ),
                self.facilitator,
            )

    async def _move(self, db: AsyncSession, phase: str) -> None:
        from assembly.recommendations import lifecycle

        await lifecycle.move_phase(db, await self._assembly(db), phase, self.facilitator)

    async def _amend(self, db: AsyncSession) -> None:
        from assembly.recommendations import amendments, lifecycle
        from assembly.recommendations import services as drafting
        from assembly.recommendations.services import Actor

        await self._move(db, "amending")
        assembly = await self._assembly(db)
        process = await lifecycle.prepare_write(db, assembly)
        authors: list[int | None] = list(self._authors(max(len(self.spec.items), 1))) or [None]
        for number, item in enumerate(self.spec.items, start=1):
            recommendation = await drafting.get_recommendation(db, assembly, number)
            clauses = await drafting.live_clauses(db, recommendation)
            made = []
            for k, spec in enumerate(item.amendments):
                clause = clauses[spec.clause - 1] if spec.clause else None
                author = authors[(number + k) % len(authors)]
                actor = Actor(participant_id=author) if author else self.facilitator
                made.append(
                    await amendments.propose_amendment(
                        db,
                        assembly,
                        process,
                        recommendation,
                        amendments.AmendmentInput(
                            spec.kind,
                            clause.id if clause else None,
                            clause.version if clause else None,
                            spec.text,
                            spec.reason,
                        ),
                        actor,
                    )
                )
            for amendment in made:
                await amendments.open_vote(
                    db, assembly, process, recommendation, amendment, self.facilitator
                )

    def _motions(self, amendments: bool) -> list[tuple[int, int | None, float, float]]:
        """(recommendation number, amendment number, support, abstain) of each vote."""
        found: list[tuple[int, int | None, float, float]] = []
        for number, item in enumerate(self.spec.items, start=1):
            if amendments:
                found += [
                    (number, k, a.support, a.abstain)
                    for k, a in enumerate(item.amendments, start=1)
                ]
            else:
                found.append((number, None, item.support, item.abstain))
        return found

    async def _vote(self, *, amendments: bool) -> None:
        motions = self._motions(amendments)
        if not motions:
            return
        people = self._people()
        size = self.runner.chunk_size
        for start in range(0, len(people), size):
            chunk = people[start : start + size]
            await self.runner._session(lambda db, c=chunk: self._cast(db, c, motions))

    async def _cast(
        self,
        db: AsyncSession,
        people: list[tuple[int, int, bool]],
        motions: list[tuple[int, int | None, float, float]],
    ) -> None:
        from assembly.db.models import Participant
        from assembly.errors import DomainError
        from assembly.recommendations import voting
        from assembly.recommendations.services import get_process

        assembly = await self._assembly(db)
        process = await get_process(db, assembly)
        seed = self.runner.plan.seed
        turnout = self.runner.scenario.behaviour.turnout
        rows = {
            p.id: p
            for p in await db.scalars(
                select(Participant).where(Participant.id.in_([pid for _i, pid, _p in people]))
            )
        }
        targets = [
            (await voting.load_target(db, assembly, n, a), support, abstain)
            for n, a, support, abstain in motions
        ]
        for index, pid, paper in people:
            if unit(seed, index, "drafting-turnout") >= turnout:
                continue
            member = rows[pid]
            for target, support, abstain in targets:
                slug = target.topic.slug if target.topic else "?"
                answer = _answer(seed, index, f"drafting:{slug}", support, abstain)
                try:
                    if paper:
                        await voting.cast_on_paper(
                            db, process, target, answer, self.runner.facilitator_id, member
                        )
                    else:
                        revision = target.recommendation.revision if target.is_final else None
                        await voting.cast(db, process, target, member, answer, revision)
                    self.ballots += 1
                except DomainError as error:
                    self.runner._refused(f"vote on {slug}", error)

    async def _statements(self, db: AsyncSession) -> None:
        from assembly.db.models import Participant
        from assembly.recommendations import lifecycle, minority
        from assembly.recommendations import services as drafting

        if not self.spec.reaches("amending"):
            return
        assembly = await self._assembly(db)
        process = await lifecycle.prepare_write(db, assembly)
        online = self._authors(10_000)
        for number, item in enumerate(self.spec.items, start=1):
            recommendation = await drafting.get_recommendation(db, assembly, number)
            for k, spec in enumerate(item.minority):
                signers = online[k : k + spec.signatures] or online[:1]
                if not signers:
                    continue
                author = await db.get(Participant, signers[0])
                assert author is not None
                statement = await minority.add_statement(
                    db, assembly, process, recommendation, author, spec.text
                )
                for pid in signers[1:]:
                    signer = await db.get(Participant, pid)
                    assert signer is not None
                    await minority.sign(db, assembly, process, recommendation, statement.id, signer)

    async def _finish(self, db: AsyncSession) -> None:
        from assembly.recommendations import lifecycle
        from assembly.recommendations import services as drafting

        await self._move(db, "final")
        if not self.spec.publish_report:
            return
        assembly = await self._assembly(db)
        process = await lifecycle.prepare_write(db, assembly)
        await drafting.publish_report(db, assembly, process, self.facilitator)
        if any(item.response for item in self.spec.items):
            await self._respond(db, assembly, process)

    async def _respond(self, db: AsyncSession, assembly: Any, process: Any) -> None:
        from assembly.accounts.services import create_account
        from assembly.db.models import Account
        from assembly.recommendations import services as drafting
        from assembly.responses import services as responses
        from assembly.scenarios.runner import new_password

        email = self.spec.responder_email
        account = await db.scalar(select(Account).where(Account.email == email))
        password: str | None = None
        if account is None:
            password = new_password()
            account = await create_account(
                db, email, password, "responder", self.spec.responder_name
            )
        if account.role != "responder":
            self.runner.warnings.append(f"{email} is not a responder account: no responses")
            return
        await responses.grant_responder(db, assembly, email, self.runner.facilitator_id)
        self.responder = (email, password)
        now = self.runner.now
        for number, item in enumerate(self.spec.items, start=1):
            if item.response is None:
                continue
            recommendation = await drafting.get_recommendation(db, assembly, number)
            answer = item.response
            promised = _date(answer.promised, now).isoformat() if answer.promised else ""
            await responses.record_response(
                db,
                assembly,
                process,
                recommendation,
                responses.ResponseInput(answer.stance, answer.reasoning, promised),
                account.id,
            )
            for update in answer.updates:
                await responses.add_update(
                    db,
                    assembly,
                    process,
                    recommendation,
                    responses.UpdateInput(
                        update.progress,
                        update.description,
                        _date(update.date, now).isoformat(),
                        list(update.evidence),
                    ),
                    account.id,
                )

    async def _report(self, db: AsyncSession) -> DraftingReport:
        from assembly.recommendations import services as drafting
        from assembly.recommendations.pages import recommendation_views

        assembly = await self._assembly(db)
        process = await drafting.get_process(db, assembly)
        views = await recommendation_views(
            db, assembly, await drafting.list_recommendations(db, assembly)
        )
        base = f"{self.runner.settings.base_url.rstrip('/')}/assemblies/{assembly.slug}"
        published = process.report_published_at is not None
        return DraftingReport(
            phase=process.phase,
            recommendations=[
                DraftedOutcome(
                    number=view.number,
                    title=view.title,
                    adopted=view.verdict.adopted if view.verdict else None,
                    support=view.verdict.share if view.verdict else None,
                    amendments={str(a.number): a.status for a in view.amendments},
                )
                for view in views
            ],
            report_url=f"{base}/report" if published else None,
            tracker_url=f"{base}/tracker" if published else None,
            responder_email=self.responder[0] if self.responder else None,
            responder_password=self.responder[1] if self.responder else None,
            ballots=self.ballots,
        )
