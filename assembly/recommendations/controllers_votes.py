"""Voting on amendments and recommendations: the ballot, changing it, and the published ballots.

Each page exists twice, for a recommendation's final vote (``/recommendations/N/...``) and for
one of its amendments (``/recommendations/N/amendments/M/...``); the ballots themselves are
handled by the ballot services, as for a topic.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, MediaType, Request, get, post
from litestar.di import Provide
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Response, Template
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.ballots import services as ballots
from assembly.ballots.controllers import checked, published_ballots_json, published_page
from assembly.errors import Conflict, InvalidInput
from assembly.recommendations import services
from assembly.recommendations import voting as votes
from assembly.recommendations.context import (
    DraftingContext,
    provide_drafting,
    provide_drafting_write,
)
from assembly.recommendations.controllers import common
from assembly.recommendations.diff import amendment_diff
from assembly.recommendations.voting import VoteTarget
from assembly.web.forms import read_form
from assembly.web.templating import page

TARGETS = ("/{number:int}", "/{number:int}/amendments/{amendment:int}")


def paths(suffix: str) -> list[str]:
    return [target + suffix for target in TARGETS]


def _revision(text: str) -> int | None:
    return int(text) if text.strip().isdigit() else None


async def _vote_page(
    db: AsyncSession,
    ctx: DraftingContext,
    target: VoteTarget,
    template: str,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Template:
    clauses = await services.live_clauses(db, target.recommendation)
    amendment = target.amendment
    diff = (
        amendment_diff(amendment.kind, amendment.base_text, amendment.text) if amendment else None
    )
    return page(
        template,
        status_code=status_code,
        **common(
            ctx,
            target=target,
            recommendation=target.recommendation,
            amendment=amendment,
            clauses=clauses,
            diff=diff,
            voting_open=votes.is_open(ctx.process, target),
            secret=(target.topic.ballot_secrecy if target.topic else ctx.process.ballot_secrecy)
            != "open",
            values={"revision": str(target.recommendation.revision), **(values or {})},
            errors=errors or {},
        ),
    )


class RecommendationVoteController(Controller):
    path = "/assemblies/{slug:str}/recommendations"
    # Pages for people, not the JSON API: they stay out of the OpenAPI schema.
    include_in_schema = False
    dependencies = {  # noqa: RUF012
        "drafting": Provide(provide_drafting),
        "writing": Provide(provide_drafting_write),
    }

    @get("/{number:int}/amendments/{amendment:int}", name="amendment")
    async def amendment_page(
        self, drafting: DraftingContext, number: int, amendment: int
    ) -> Redirect:
        return Redirect(f"{drafting.base}/{number}#amendment-{amendment}", status_code=303)

    @get(paths("/vote"), name="recommendation_vote")
    async def vote_form(
        self,
        db_session: AsyncSession,
        drafting: DraftingContext,
        number: int,
        amendment: int | None = None,
    ) -> Response[Any]:
        participant = drafting.require_member()
        target = await votes.load_target(db_session, drafting.assembly, number, amendment)
        if target.topic is not None and await ballots.has_voted(
            db_session, target.topic, participant.id
        ):
            return Redirect(f"{target.path}/vote/change", status_code=303)
        return await _vote_page(db_session, drafting, target, "recommendations/vote.html")

    @post(paths("/vote"), name="recommendation_vote_submit")
    async def vote(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        writing: DraftingContext,
        number: int,
        amendment: int | None = None,
    ) -> Response[Any]:
        participant = writing.require_member()
        target = await votes.load_target(db_session, writing.assembly, number, amendment)
        form = await read_form(request)
        answer, revision = form.get("answer"), form.get("revision")
        try:
            code = await votes.cast(
                db_session, writing.process, target, participant, answer, _revision(revision)
            )
        except ballots.AlreadyVoted as exc:
            return await _vote_page(
                db_session,
                writing,
                target,
                "recommendations/change.html",
                values={"answer": answer},
                errors=exc.errors,
                status_code=409,
            )
        except (InvalidInput, Conflict) as exc:
            return await _vote_page(
                db_session,
                writing,
                target,
                "recommendations/vote.html",
                values={"answer": answer},
                errors=exc.errors,
                status_code=exc.status_code,
            )
        # The receipt is shown once: no cache may keep a copy of this page.
        return Template(
            template_name="recommendations/receipt.html",
            context=common(
                writing,
                target=target,
                receipt=code,
                secret=target.topic is not None and target.topic.ballot_secrecy != "open",
            ),
            headers={"Cache-Control": "no-store"},
        )

    @get(paths("/vote/change"), name="recommendation_vote_change")
    async def change_form(
        self,
        db_session: AsyncSession,
        drafting: DraftingContext,
        number: int,
        amendment: int | None = None,
    ) -> Response[Any]:
        participant = drafting.require_member()
        target = await votes.load_target(db_session, drafting.assembly, number, amendment)
        if target.topic is None or not await ballots.has_voted(
            db_session, target.topic, participant.id
        ):
            return Redirect(f"{target.path}/vote", status_code=303)
        values: dict[str, Any] = {}
        if target.topic.ballot_secrecy == "open":
            ballot = await ballots.open_ballot_of(db_session, target.topic, participant)
            if ballot is not None:
                values["answer"] = votes.answer_of(target, ballot.content)
        return await _vote_page(
            db_session, drafting, target, "recommendations/change.html", values=values
        )

    @post(paths("/vote/change"), name="recommendation_vote_change_submit")
    async def change(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        writing: DraftingContext,
        number: int,
        amendment: int | None = None,
    ) -> Response[Any]:
        participant = writing.require_member()
        target = await votes.load_target(db_session, writing.assembly, number, amendment)
        form = await read_form(request)
        answer, receipt = form.get("answer"), form.get("receipt").strip()
        try:
            await votes.change(
                db_session,
                writing.process,
                target,
                participant,
                answer,
                _revision(form.get("revision")),
                receipt,
            )
        except (InvalidInput, Conflict) as exc:
            return await _vote_page(
                db_session,
                writing,
                target,
                "recommendations/change.html",
                values={"answer": answer, "receipt": receipt},
                errors=exc.errors,
                status_code=exc.status_code,
            )
        return Redirect(f"{writing.base}/{number}?done=vote-changed", status_code=303)

    async def _published(
        self, db: AsyncSession, ctx: DraftingContext, number: int, amendment: int | None
    ) -> VoteTarget:
        target = await votes.load_target(db, ctx.assembly, number, amendment)
        if target.topic is None or not target.topic.ballots_published:
            raise NotFoundException()
        return target

    async def _ballots_page(
        self, db: AsyncSession, ctx: DraftingContext, target: VoteTarget, **extra: Any
    ) -> Template:
        assert target.topic is not None
        return await published_page(db, ctx.assembly, target.topic, "choice", target.path, **extra)

    @get(paths("/ballots"), name="recommendation_ballots")
    async def published(
        self,
        db_session: AsyncSession,
        drafting: DraftingContext,
        number: int,
        amendment: int | None = None,
    ) -> Template:
        target = await self._published(db_session, drafting, number, amendment)
        return await self._ballots_page(db_session, drafting, target)

    @post(paths("/ballots/check"), name="recommendation_ballots_check")
    async def check(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        drafting: DraftingContext,
        number: int,
        amendment: int | None = None,
    ) -> Template:
        target = await self._published(db_session, drafting, number, amendment)
        assert target.topic is not None
        receipt = (await read_form(request)).get("receipt").strip()
        found = await checked(db_session, target.topic, receipt)
        return await self._ballots_page(db_session, drafting, target, **found)

    @get(paths("/ballots.json"), name="recommendation_ballots_json", media_type=MediaType.JSON)
    async def published_json(
        self,
        db_session: AsyncSession,
        drafting: DraftingContext,
        number: int,
        amendment: int | None = None,
    ) -> dict[str, Any]:
        """The published ballots in the form ``assembly tally`` reads, for a recount."""
        target = await self._published(db_session, drafting, number, amendment)
        topic = target.topic
        assert topic is not None
        return await published_ballots_json(db_session, drafting.assembly, topic, seats=1)
