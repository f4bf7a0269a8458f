"""Moderation pages of a topic, for the assembly's facilitators."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Response, Template
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.db.models import Argument, Assembly, Proposal, Topic
from assembly.errors import InvalidInput
from assembly.moderation import services
from assembly.topics.services import PHASE_LABELS, VOTING_LOCKED_PHASES
from assembly.web.auth import Viewer
from assembly.web.forms import read_form
from assembly.web.guards import facilitators_only
from assembly.web.loaders import MANAGED_TOPIC
from assembly.web.templating import page


def _base(assembly: Assembly, topic: Topic) -> str:
    return f"/manage/assemblies/{assembly.slug}/topics/{topic.slug}/moderate"


async def _queue_page(
    db: AsyncSession,
    assembly: Assembly,
    topic: Topic,
    *,
    errors: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Template:
    return page(
        "moderation/queue.html",
        assembly=assembly,
        topic=topic,
        base=_base(assembly, topic),
        phase_label=PHASE_LABELS[topic.phase],
        items=await services.moderation_queue(db, topic),
        merge_refusal=await services.merge_refusal(db, topic),
        errors=errors or {},
        status_code=status_code,
    )


def _hide_page(
    assembly: Assembly,
    topic: Topic,
    *,
    kind: str,
    item: Proposal | Argument,
    values: dict[str, str],
    errors: dict[str, Any],
    status_code: int = 200,
) -> Template:
    return page(
        "moderation/hide.html",
        assembly=assembly,
        topic=topic,
        base=_base(assembly, topic),
        kind=kind,
        item=item,
        voting_started=topic.phase in VOTING_LOCKED_PHASES,
        values=values,
        errors=errors,
        status_code=status_code,
    )


async def _merge_page(
    db: AsyncSession,
    assembly: Assembly,
    topic: Topic,
    duplicate: Proposal,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Template:
    candidates = await services.merge_candidates(db, topic, duplicate)
    return page(
        "moderation/merge.html",
        assembly=assembly,
        topic=topic,
        base=_base(assembly, topic),
        duplicate=duplicate,
        targets=[("", "")] + [(str(p.id), p.title) for p in candidates],
        refusal=await services.merge_refusal(db, topic),
        rule=services.MERGE_RULE,
        values=values or {},
        errors=errors or {},
        status_code=status_code,
    )


async def _hide(
    db: AsyncSession,
    request: Request[Any, Any, Any],
    viewer: Viewer,
    assembly: Assembly,
    topic: Topic,
    kind: str,
    item: Proposal | Argument,
    hide: Callable[..., Awaitable[Any]],
) -> Response[Any]:
    """Hide a proposal or an argument with the typed reason; on an error, show the form again."""
    values = {"reason": (await read_form(request)).get("reason")}
    try:
        await hide(db, topic, item, values["reason"], viewer.require_account().id)
    except InvalidInput as exc:
        return _hide_page(
            assembly, topic, kind=kind, item=item, values=values, errors=exc.errors, status_code=400
        )
    return Redirect(f"{_base(assembly, topic)}#{kind}-{item.id}", status_code=303)


async def _unhide(
    db: AsyncSession,
    viewer: Viewer,
    assembly: Assembly,
    topic: Topic,
    kind: str,
    item: Proposal | Argument,
    unhide: Callable[..., Awaitable[Any]],
) -> Response[Any]:
    try:
        await unhide(db, topic, item, viewer.require_account().id)
    except InvalidInput as exc:
        return await _queue_page(db, assembly, topic, errors=exc.errors, status_code=400)
    return Redirect(f"{_base(assembly, topic)}#{kind}-{item.id}", status_code=303)


class ModerationController(Controller):
    path = "/manage/assemblies/{slug:str}/topics/{topic_slug:str}/moderate"
    guards = (facilitators_only,)
    dependencies = MANAGED_TOPIC

    @get("/", name="moderation_queue")
    async def queue(self, assembly: Assembly, topic: Topic, db_session: AsyncSession) -> Template:
        return await _queue_page(db_session, assembly, topic)

    # --- proposals ---

    @get("/proposals/{proposal_id:int}/hide", name="moderation_proposal_hide_form")
    async def hide_proposal_form(
        self, assembly: Assembly, topic: Topic, proposal_id: int, db_session: AsyncSession
    ) -> Template:
        proposal = await services.get_proposal(db_session, topic, proposal_id)
        return _hide_page(assembly, topic, kind="proposal", item=proposal, values={}, errors={})

    @post("/proposals/{proposal_id:int}/hide", name="moderation_proposal_hide")
    async def hide_proposal(
        self,
        assembly: Assembly,
        topic: Topic,
        proposal_id: int,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        db_session: AsyncSession,
    ) -> Response[Any]:
        proposal = await services.get_proposal(db_session, topic, proposal_id)
        return await _hide(
            db_session,
            request,
            viewer,
            assembly,
            topic,
            "proposal",
            proposal,
            services.hide_proposal,
        )

    @post("/proposals/{proposal_id:int}/unhide", name="moderation_proposal_unhide")
    async def unhide_proposal(
        self,
        assembly: Assembly,
        topic: Topic,
        proposal_id: int,
        viewer: Viewer,
        db_session: AsyncSession,
    ) -> Response[Any]:
        proposal = await services.get_proposal(db_session, topic, proposal_id)
        return await _unhide(
            db_session, viewer, assembly, topic, "proposal", proposal, services.unhide_proposal
        )

    @get("/proposals/{proposal_id:int}/merge", name="moderation_merge_form")
    async def merge_form(
        self, assembly: Assembly, topic: Topic, proposal_id: int, db_session: AsyncSession
    ) -> Template:
        duplicate = await services.get_proposal(db_session, topic, proposal_id)
        return await _merge_page(db_session, assembly, topic, duplicate)

    @post("/proposals/{proposal_id:int}/merge", name="moderation_merge")
    async def merge(
        self,
        assembly: Assembly,
        topic: Topic,
        proposal_id: int,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        db_session: AsyncSession,
    ) -> Response[Any]:
        duplicate = await services.get_proposal(db_session, topic, proposal_id)
        form = await read_form(request)
        values = {"target": form.get("target"), "reason": form.get("reason")}
        try:
            await services.merge_proposal(
                db_session,
                topic,
                duplicate,
                values["target"],
                values["reason"],
                viewer.require_account().id,
            )
        except InvalidInput as exc:
            return await _merge_page(
                db_session,
                assembly,
                topic,
                duplicate,
                values=values,
                errors=exc.errors,
                status_code=400,
            )
        return Redirect(f"{_base(assembly, topic)}#proposal-{duplicate.id}", status_code=303)

    # --- arguments ---

    @get("/arguments/{argument_id:int}/hide", name="moderation_argument_hide_form")
    async def hide_argument_form(
        self, assembly: Assembly, topic: Topic, argument_id: int, db_session: AsyncSession
    ) -> Template:
        argument = await services.get_argument(db_session, topic, argument_id)
        return _hide_page(assembly, topic, kind="argument", item=argument, values={}, errors={})

    @post("/arguments/{argument_id:int}/hide", name="moderation_argument_hide")
    async def hide_argument(
        self,
        assembly: Assembly,
        topic: Topic,
        argument_id: int,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        db_session: AsyncSession,
    ) -> Response[Any]:
        argument = await services.get_argument(db_session, topic, argument_id)
        return await _hide(
            db_session,
            request,
            viewer,
            assembly,
            topic,
            "argument",
            argument,
            services.hide_argument,
        )

    @post("/arguments/{argument_id:int}/unhide", name="moderation_argument_unhide")
    async def unhide_argument(
        self,
        assembly: Assembly,
        topic: Topic,
        argument_id: int,
        viewer: Viewer,
        db_session: AsyncSession,
    ) -> Response[Any]:
        argument = await services.get_argument(db_session, topic, argument_id)
        return await _unhide(
            db_session, viewer, assembly, topic, "argument", argument, services.unhide_argument
        )
