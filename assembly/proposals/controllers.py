"""The topic page and what participants do on it: propose, edit, argue and react."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.response import Redirect, Response, Template
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.budgets.forms import read_estimate
from assembly.budgets.services import is_budget
from assembly.db.models import Assembly, Topic
from assembly.errors import InvalidInput
from assembly.proposals import services
from assembly.proposals.forms import ArgumentForm, ProposalForm
from assembly.proposals.pages import topic_context
from assembly.web.auth import Viewer
from assembly.web.forms import read_form
from assembly.web.loaders import VISIBLE_TOPIC
from assembly.web.templating import page, template_environment


def _topic_url(assembly: Assembly, topic: Topic, anchor: str = "") -> str:
    return f"/assemblies/{assembly.slug}/topics/{topic.slug}" + (f"#{anchor}" if anchor else "")


async def _proposal_page(
    db: AsyncSession,
    viewer: Viewer,
    assembly: Assembly,
    topic: Topic,
    proposal_id: int,
    *,
    status_code: int = 200,
    **extra: Any,
) -> Template:
    context = await topic_context(db, viewer, assembly, topic, only=proposal_id, **extra)
    if not context["proposals"]:
        raise NotFoundException()
    context["proposal"] = context["proposals"][0]
    return page("proposals/proposal.html", status_code=status_code, **context)


def _estimate(topic: Topic, form: ProposalForm) -> int | None:
    """The author's cost estimate on a budget topic (InvalidInput if it cannot be read)."""
    return read_estimate(form.estimated_cost) if is_budget(topic) else None


class TopicController(Controller):
    path = "/assemblies/{slug:str}/topics/{topic_slug:str}"
    dependencies = VISIBLE_TOPIC

    @get("/", name="topic")
    async def show(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: Viewer,
        assembly: Assembly,
        topic: Topic,
        voted: str | None = None,
    ) -> Template:
        context = await topic_context(
            db_session, viewer, assembly, topic, environment=template_environment(request)
        )
        if voted == "changed" and context["participant"] is not None:
            context["notice"] = "vote_changed"
        return page("assemblies/topic.html", **context)

    @get("/proposals/new", name="proposal_new")
    async def new_form(
        self, db_session: AsyncSession, viewer: Viewer, assembly: Assembly, topic: Topic
    ) -> Template:
        await services.require_participant(db_session, viewer, assembly)
        context = await topic_context(db_session, viewer, assembly, topic)
        return page("proposals/new.html", **context)

    @post("/proposals", name="proposal_create")
    async def create(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: Viewer,
        assembly: Assembly,
        topic: Topic,
    ) -> Response[Any]:
        participant = await services.require_participant(db_session, viewer, assembly)
        form = ProposalForm.read(await read_form(request))
        try:
            proposal = await services.submit_proposal(
                db_session,
                topic,
                participant,
                form.title,
                form.body,
                _estimate(topic, form),
                language=form.language,
            )
        except InvalidInput as exc:
            context = await topic_context(
                db_session, viewer, assembly, topic, values=form.values(), errors=exc.errors
            )
            return page("proposals/new.html", status_code=400, **context)
        return Redirect(_topic_url(assembly, topic, f"proposal-{proposal.id}"), status_code=303)

    @get("/proposals/{proposal_id:int}", name="proposal")
    async def show_proposal(
        self,
        db_session: AsyncSession,
        viewer: Viewer,
        assembly: Assembly,
        topic: Topic,
        proposal_id: int,
    ) -> Template:
        return await _proposal_page(db_session, viewer, assembly, topic, proposal_id)

    @get("/proposals/{proposal_id:int}/edit", name="proposal_edit")
    async def edit_form(
        self,
        db_session: AsyncSession,
        viewer: Viewer,
        assembly: Assembly,
        topic: Topic,
        proposal_id: int,
    ) -> Template:
        participant = await services.require_participant(db_session, viewer, assembly)
        proposal = await services.get_proposal(db_session, topic, proposal_id)
        if proposal.participant_id != participant.id:
            raise PermissionDeniedException()
        context = await topic_context(
            db_session,
            viewer,
            assembly,
            topic,
            values={
                "title": proposal.title,
                "body": proposal.body,
                "estimated_cost": str(proposal.estimated_cost or ""),
            },
        )
        return page("proposals/edit.html", proposal=proposal, **context)

    @post("/proposals/{proposal_id:int}/edit", name="proposal_update")
    async def update(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: Viewer,
        assembly: Assembly,
        topic: Topic,
        proposal_id: int,
    ) -> Response[Any]:
        participant = await services.require_participant(db_session, viewer, assembly)
        proposal = await services.get_proposal(db_session, topic, proposal_id)
        form = ProposalForm.read(await read_form(request))
        try:
            await services.edit_proposal(
                db_session,
                topic,
                proposal,
                participant,
                form.title,
                form.body,
                _estimate(topic, form),
            )
        except InvalidInput as exc:
            context = await topic_context(
                db_session, viewer, assembly, topic, values=form.values(), errors=exc.errors
            )
            return page("proposals/edit.html", status_code=400, proposal=proposal, **context)
        return Redirect(_topic_url(assembly, topic, f"proposal-{proposal.id}"), status_code=303)

    @post("/proposals/{proposal_id:int}/arguments", name="argument_create")
    async def argue(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: Viewer,
        assembly: Assembly,
        topic: Topic,
        proposal_id: int,
    ) -> Response[Any]:
        participant = await services.require_participant(db_session, viewer, assembly)
        proposal = await services.get_proposal(db_session, topic, proposal_id)
        form = ArgumentForm.read(await read_form(request))
        try:
            argument = await services.add_argument(
                db_session,
                topic,
                proposal,
                participant,
                form.stance,
                form.argument,
                language=form.language,
            )
        except InvalidInput as exc:
            values = {"title": "", "body": "", **form.values()}
            return await _proposal_page(
                db_session,
                viewer,
                assembly,
                topic,
                proposal.id,
                status_code=400,
                values=values,
                errors=exc.errors,
            )
        return Redirect(_topic_url(assembly, topic, f"argument-{argument.id}"), status_code=303)

    @get("/proposals/{proposal_id:int}/arguments/{argument_id:int}/edit", name="argument_edit")
    async def argument_edit_form(
        self,
        db_session: AsyncSession,
        viewer: Viewer,
        assembly: Assembly,
        topic: Topic,
        proposal_id: int,
        argument_id: int,
    ) -> Template:
        participant = await services.require_participant(db_session, viewer, assembly)
        proposal = await services.get_proposal(db_session, topic, proposal_id)
        argument = await services.get_own_argument(db_session, proposal, argument_id, participant)
        context = await topic_context(
            db_session,
            viewer,
            assembly,
            topic,
            values={"stance": argument.stance, "argument": argument.body},
        )
        return page("proposals/argument_edit.html", proposal=proposal, argument=argument, **context)

    @post("/proposals/{proposal_id:int}/arguments/{argument_id:int}/edit", name="argument_update")
    async def argument_update(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: Viewer,
        assembly: Assembly,
        topic: Topic,
        proposal_id: int,
        argument_id: int,
    ) -> Response[Any]:
        participant = await services.require_participant(db_session, viewer, assembly)
        proposal = await services.get_proposal(db_session, topic, proposal_id)
        argument = await services.get_own_argument(db_session, proposal, argument_id, participant)
        form = ArgumentForm.read(await read_form(request))
        try:
            await services.edit_argument(
                db_session, topic, argument, participant, form.stance, form.argument
            )
        except InvalidInput as exc:
            context = await topic_context(
                db_session, viewer, assembly, topic, values=form.values(), errors=exc.errors
            )
            return page(
                "proposals/argument_edit.html",
                status_code=400,
                proposal=proposal,
                argument=argument,
                **context,
            )
        return Redirect(_topic_url(assembly, topic, f"argument-{argument.id}"), status_code=303)

    @post("/proposals/{proposal_id:int}/arguments/{argument_id:int}/delete", name="argument_delete")
    async def argument_delete(
        self,
        db_session: AsyncSession,
        viewer: Viewer,
        assembly: Assembly,
        topic: Topic,
        proposal_id: int,
        argument_id: int,
    ) -> Response[Any]:
        participant = await services.require_participant(db_session, viewer, assembly)
        proposal = await services.get_proposal(db_session, topic, proposal_id)
        argument = await services.get_own_argument(db_session, proposal, argument_id, participant)
        try:
            await services.delete_argument(db_session, topic, argument, participant)
        except InvalidInput as exc:
            return await _proposal_page(
                db_session, viewer, assembly, topic, proposal.id, status_code=400, errors=exc.errors
            )
        return Redirect(_topic_url(assembly, topic, f"proposal-{proposal.id}"), status_code=303)

    @post("/proposals/{proposal_id:int}/reaction", name="reaction_set")
    async def react(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: Viewer,
        assembly: Assembly,
        topic: Topic,
        proposal_id: int,
    ) -> Response[Any]:
        participant = await services.require_participant(db_session, viewer, assembly)
        proposal = await services.get_proposal(db_session, topic, proposal_id)
        form = await read_form(request)
        try:
            await services.react(db_session, topic, proposal, participant, form.get("reaction"))
        except InvalidInput as exc:
            return await _proposal_page(
                db_session, viewer, assembly, topic, proposal.id, status_code=400, errors=exc.errors
            )
        return Redirect(_topic_url(assembly, topic, f"proposal-{proposal.id}"), status_code=303)
