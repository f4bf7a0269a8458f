"""The facilitators' drafting page: phases and schedule, voting rules and the report's facts,
amendment votes, paper ballots, drafters and responders, and publishing the report."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Response, Template
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.assemblies.forms import to_local_input
from assembly.assemblies.services import get_managed_assembly
from assembly.db.models import ABSTENTION_RULES, BALLOT_SECRECY, Assembly, Participant
from assembly.errors import Conflict, InvalidInput
from assembly.i18n import _l
from assembly.recommendations import amendments as amending
from assembly.recommendations import forms, lifecycle, services
from assembly.recommendations import voting as votes
from assembly.recommendations.context import DraftingContext
from assembly.recommendations.controllers_votes import paths
from assembly.recommendations.diff import amendment_diff
from assembly.recommendations.motions import ballots_cast
from assembly.recommendations.pages import recommendation_views
from assembly.recommendations.phases import (
    DRAFTING_PHASES,
    PHASE_HINTS,
    PHASE_LABELS,
    SCHEDULED_PHASES,
    next_phase,
    parse_moment,
    previous_phase,
)
from assembly.recommendations.report import verdict_sentence
from assembly.responses import services as responses
from assembly.topics import room
from assembly.topics.services import SECRECY_LABELS
from assembly.web.auth import Viewer
from assembly.web.forms import read_form
from assembly.web.templating import page

ABSTENTION_LABELS: dict[str, Any] = {
    "excluded": _l("Abstentions do not count: support is yes among yes and no"),
    "counted": _l("Abstentions count: support is yes among everyone who answered"),
}
FORWARD_LABELS: dict[str, Any] = {
    "amending": _l("Open amendments"),
    "voting": _l("Count the amendments and open the final votes"),
    "final": _l("Close the final votes and count them"),
}


async def _managed(
    db: AsyncSession, viewer: Viewer, slug: str, *, write: bool = False
) -> DraftingContext:
    assembly = await get_managed_assembly(db, slug, viewer)
    account = viewer.require_account()
    process = (
        await lifecycle.prepare_write(db, assembly)
        if write
        else await services.get_process(db, assembly)
    )
    actor = services.Actor(account_id=account.id, facilitator=True)
    return DraftingContext(assembly, process, None, actor)


def _manage_url(assembly: Assembly) -> str:
    return f"/manage/assemblies/{assembly.slug}/recommendations"


def _settings_values(ctx: DraftingContext) -> dict[str, str]:
    process = ctx.process
    return {
        "threshold": services.format_share(process.threshold),
        "amendment_threshold": services.format_share(process.amendment_threshold),
        "abstentions": process.abstentions,
        "ballot_secrecy": process.ballot_secrecy,
        "minority_signatures": str(process.minority_signatures),
        "remit": process.remit,
        "commissioned_by": process.commissioned_by,
        "meetings": str(process.meetings or ""),
        "meeting_hours": str(process.meeting_hours or ""),
        "data_url": process.data_url,
        "response_due_on": process.response_due_on.isoformat() if process.response_due_on else "",
    }


async def _manage_page(
    db: AsyncSession,
    ctx: DraftingContext,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Template:
    assembly, process = ctx.assembly, ctx.process
    views = await recommendation_views(
        db, assembly, await services.list_recommendations(db, assembly)
    )
    counts: dict[int, int] = {}
    for view in views:
        for topic in [view.motion] + [a.motion for a in view.amendments]:
            if topic is not None:
                counts[topic.id] = await ballots_cast(db, topic.id)
    schedule = []
    for phase in SCHEDULED_PHASES:
        moment = parse_moment((process.phase_schedule or {}).get(phase) or "")
        schedule.append(
            (phase, moment, to_local_input(moment, assembly.time_zone) if moment else "")
        )
    phase = ctx.phase
    shown = {
        **_settings_values(ctx),
        **{lifecycle.schedule_field(p): text for p, _m, text in schedule},
        **(values or {}),
    }
    return page(
        "recommendations/manage.html",
        status_code=status_code,
        assembly=assembly,
        process=process,
        phase=phase,
        phases=DRAFTING_PHASES,
        phase_labels=PHASE_LABELS,
        phase_hints=PHASE_HINTS,
        forward_labels=FORWARD_LABELS,
        verdict_sentence=verdict_sentence,
        next_phase=next_phase(phase),
        previous_phase=previous_phase(phase),
        schedule=schedule,
        views=views,
        ballot_counts=counts,
        locked=await services.motion_count(db, assembly) > 0,
        drafters=await services.list_drafters(db, assembly),
        responders=await responses.list_responders(db, assembly),
        abstention_choices=[(r, ABSTENTION_LABELS[r]) for r in ABSTENTION_RULES],
        secrecy_choices=[(s, SECRECY_LABELS[s]) for s in BALLOT_SECRECY],
        base=_manage_url(assembly),
        public=f"/assemblies/{assembly.slug}/recommendations",
        values=shown,
        errors=errors or {},
    )


class ManageDraftingController(Controller):
    path = "/manage/assemblies/{slug:str}/recommendations"
    # Pages for people, not the JSON API: they stay out of the OpenAPI schema.
    include_in_schema = False

    @get("/", name="drafting_manage")
    async def show(self, db_session: AsyncSession, viewer: Viewer, slug: str) -> Template:
        return await _manage_page(db_session, await _managed(db_session, viewer, slug))

    async def _act(
        self,
        db: AsyncSession,
        viewer: Viewer,
        slug: str,
        work: Callable[[DraftingContext], Awaitable[Any]],
        anchor: str = "",
        values: dict[str, Any] | None = None,
    ) -> Response[Any]:
        """Run a change; its errors show the page again with the values typed."""
        ctx = await _managed(db, viewer, slug, write=True)
        try:
            await work(ctx)
        except (InvalidInput, Conflict) as exc:
            return await _manage_page(
                db, ctx, values=values, errors=exc.errors, status_code=exc.status_code
            )
        return Redirect(
            _manage_url(ctx.assembly) + (f"#{anchor}" if anchor else ""), status_code=303
        )

    @post("/settings", name="drafting_settings")
    async def settings(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: Viewer, slug: str
    ) -> Response[Any]:
        form = await read_form(request)

        async def work(ctx: DraftingContext) -> None:
            await services.save_settings(
                db_session, ctx.assembly, forms.settings_input(form), ctx.actor
            )

        return await self._act(
            db_session, viewer, slug, work, "settings", forms.settings_values(form)
        )

    @post("/phase", name="drafting_phase")
    async def phase(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: Viewer, slug: str
    ) -> Response[Any]:
        form = await read_form(request)

        async def work(ctx: DraftingContext) -> None:
            await lifecycle.move_phase(
                db_session,
                ctx.assembly,
                form.get("phase"),
                ctx.actor,
                confirmed=form.get("confirm") == "yes",
            )

        return await self._act(db_session, viewer, slug, work, "phase")

    @post("/schedule", name="drafting_schedule")
    async def schedule(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: Viewer, slug: str
    ) -> Response[Any]:
        form = await read_form(request)
        values = {
            lifecycle.schedule_field(p): form.get(lifecycle.schedule_field(p))
            for p in SCHEDULED_PHASES
        }

        async def work(ctx: DraftingContext) -> None:
            await lifecycle.set_schedule(db_session, ctx.assembly, values, ctx.actor)

        return await self._act(db_session, viewer, slug, work, "schedule", values)

    @post("/drafters", name="drafter_grant")
    async def grant_drafter(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: Viewer, slug: str
    ) -> Response[Any]:
        name = (await read_form(request)).get("drafter")

        async def work(ctx: DraftingContext) -> None:
            await services.grant_drafter(db_session, ctx.assembly, name, ctx.actor)

        return await self._act(db_session, viewer, slug, work, "drafters", {"drafter": name})

    @post("/drafters/{participant:int}/revoke", name="drafter_revoke")
    async def revoke_drafter(
        self, db_session: AsyncSession, viewer: Viewer, slug: str, participant: int
    ) -> Response[Any]:
        async def work(ctx: DraftingContext) -> None:
            await services.revoke_drafter(db_session, ctx.assembly, participant, ctx.actor)

        return await self._act(db_session, viewer, slug, work, "drafters")

    @post("/responders", name="responder_grant")
    async def grant_responder(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: Viewer, slug: str
    ) -> Response[Any]:
        email = (await read_form(request)).get("responder_email")

        async def work(ctx: DraftingContext) -> None:
            await responses.grant_responder(db_session, ctx.assembly, email, ctx.actor.account_id)

        return await self._act(
            db_session, viewer, slug, work, "responders", {"responder_email": email}
        )

    @post("/responders/{account:int}/revoke", name="responder_revoke")
    async def revoke_responder(
        self, db_session: AsyncSession, viewer: Viewer, slug: str, account: int
    ) -> Response[Any]:
        async def work(ctx: DraftingContext) -> None:
            await responses.revoke_responder(
                db_session, ctx.assembly, account, ctx.actor.account_id
            )

        return await self._act(db_session, viewer, slug, work, "responders")

    @post("/report/publish", name="report_publish")
    async def publish_report(
        self, db_session: AsyncSession, viewer: Viewer, slug: str
    ) -> Response[Any]:
        async def work(ctx: DraftingContext) -> None:
            await services.publish_report(db_session, ctx.assembly, ctx.process, ctx.actor)

        return await self._act(db_session, viewer, slug, work, "report")

    @post("/{number:int}/amendments/{amendment:int}/open", name="amendment_vote_open")
    async def open_vote(
        self, db_session: AsyncSession, viewer: Viewer, slug: str, number: int, amendment: int
    ) -> Response[Any]:
        async def work(ctx: DraftingContext) -> None:
            recommendation = await services.get_recommendation(db_session, ctx.assembly, number)
            found = await amending.get_amendment(db_session, recommendation, amendment)
            await amending.open_vote(
                db_session, ctx.assembly, ctx.process, recommendation, found, ctx.actor
            )

        return await self._act(db_session, viewer, slug, work, f"r{number}")

    @post("/{number:int}/amendments/{amendment:int}/close", name="amendment_vote_close")
    async def close_vote(
        self, db_session: AsyncSession, viewer: Viewer, slug: str, number: int, amendment: int
    ) -> Response[Any]:
        async def work(ctx: DraftingContext) -> None:
            recommendation = await services.get_recommendation(db_session, ctx.assembly, number)
            found = await amending.get_amendment(db_session, recommendation, amendment)
            await amending.close_vote(db_session, ctx.assembly, recommendation, found, ctx.actor)

        return await self._act(db_session, viewer, slug, work, f"r{number}")

    @get(paths("/paper-ballots"), name="drafting_paper_ballots")
    async def paper_form(
        self,
        db_session: AsyncSession,
        viewer: Viewer,
        slug: str,
        number: int,
        amendment: int | None = None,
        stored: str = "",
    ) -> Template:
        ctx = await _managed(db_session, viewer, slug)
        target = await votes.load_target(db_session, ctx.assembly, number, amendment)
        return await _paper_page(db_session, ctx, target, stored=bool(stored))

    @post(paths("/paper-ballots"), name="drafting_paper_ballots_submit")
    async def paper_submit(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: Viewer,
        slug: str,
        number: int,
        amendment: int | None = None,
    ) -> Response[Any]:
        ctx = await _managed(db_session, viewer, slug, write=True)
        target = await votes.load_target(db_session, ctx.assembly, number, amendment)
        form = await read_form(request)
        values = {"answer": form.get("answer"), "participant": form.get("participant")}
        try:
            voter = None
            if values["participant"].strip():
                voter = await _paper_voter(db_session, ctx.assembly, values["participant"])
            await votes.cast_on_paper(
                db_session, ctx.process, target, values["answer"], ctx.actor.account_id, voter
            )
        except (InvalidInput, Conflict) as exc:
            return await _paper_page(
                db_session,
                ctx,
                target,
                values=values,
                errors=exc.errors,
                status_code=exc.status_code,
            )
        return Redirect(f"{_paper_url(ctx.assembly, target)}?stored=1", status_code=303)


def _paper_url(assembly: Assembly, target: votes.VoteTarget) -> str:
    tail = f"/{target.recommendation.number}"
    if target.amendment is not None:
        tail += f"/amendments/{target.amendment.number}"
    return f"{_manage_url(assembly)}{tail}/paper-ballots"


async def _paper_voter(db: AsyncSession, assembly: Assembly, text: str) -> Participant:
    voter = await db.get(Participant, int(text)) if text.strip().isdigit() else None
    if voter is None or voter.assembly_id != assembly.id:
        raise InvalidInput({"participant": _l("Choose a voter from the list, or no one.")})
    return voter


async def _paper_page(
    db: AsyncSession,
    ctx: DraftingContext,
    target: votes.VoteTarget,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, Any] | None = None,
    stored: bool = False,
    status_code: int = 200,
) -> Template:
    topic = target.topic
    voters = await room.paper_voters(db, ctx.assembly, topic) if topic is not None else []
    amendment = target.amendment
    return page(
        "recommendations/paper.html",
        status_code=status_code,
        assembly=ctx.assembly,
        target=target,
        recommendation=target.recommendation,
        amendment=amendment,
        diff=amendment_diff(amendment.kind, amendment.base_text, amendment.text)
        if amendment
        else None,
        clauses=await services.live_clauses(db, target.recommendation),
        voting_open=votes.is_open(ctx.process, target) and topic is not None,
        voters=[("", "")] + [(str(v.id), v.pseudonym) for v in voters],
        paper_ballots=await room.paper_ballot_count(db, topic) if topic is not None else 0,
        manage=_manage_url(ctx.assembly),
        action=_paper_url(ctx.assembly, target),
        values=values or {},
        errors=errors or {},
        stored=stored,
    )
