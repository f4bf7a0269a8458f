"""The responder's pages, and the public tracker with its Atom feed and earlier versions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.assemblies.services import get_assembly
from assembly.db.models import PROGRESS_STATES, RESPONSE_STANCES, Assembly, DraftingProcess
from assembly.errors import Conflict, InvalidInput
from assembly.i18n import gettext as _
from assembly.recommendations.context import DraftingContext, provide_drafting
from assembly.recommendations.report import verdict_sentence
from assembly.recommendations.services import get_process, get_recommendation
from assembly.responses import services
from assembly.responses.feed import Entry, atom_feed
from assembly.settings import Settings
from assembly.web.auth import Viewer
from assembly.web.forms import FormData, read_form
from assembly.web.templating import page


def _labels() -> dict[str, Any]:
    return {
        "stance_labels": services.STANCE_LABELS,
        "progress_labels": services.PROGRESS_LABELS,
        "verdict_sentence": verdict_sentence,
    }


# --- the responder ---------------------------------------------------------------------------


async def _responding(
    db: AsyncSession, viewer: Viewer, slug: str
) -> tuple[Assembly, DraftingProcess, int]:
    account = viewer.require_account()
    assembly = await get_assembly(db, slug, topics=False)
    if not await services.is_responder_of(db, account, assembly):
        raise PermissionDeniedException()
    return assembly, await get_process(db, assembly), account.id


def _response_values(form: FormData) -> dict[str, str]:
    return {name: form.get(name) for name in ("stance", "reasoning", "promised_on")}


def _update_values(form: FormData) -> dict[str, str]:
    return {name: form.get(name) for name in ("progress", "description", "happened_on", "evidence")}


def _update_input(form: FormData) -> services.UpdateInput:
    return services.UpdateInput(
        progress=form.get("progress"),
        description=form.get("description"),
        happened_on=form.get("happened_on"),
        evidence=form.get("evidence").splitlines(),
    )


async def _respond_page(
    db: AsyncSession,
    assembly: Assembly,
    process: DraftingProcess,
    number: int,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, Any] | None = None,
    form: str = "",
    status_code: int = 200,
) -> Template:
    items = {t.recommendation.number: t for t in await services.tracked(db, assembly, process)}
    item = items.get(number)
    if item is None:
        raise NotFoundException()
    current = item.response
    shown: dict[str, Any] = {
        "stance": current.stance if current else "",
        "reasoning": current.reasoning if current else "",
        "promised_on": current.promised_on.isoformat() if current and current.promised_on else "",
        "happened_on": dt.datetime.now(dt.UTC).date().isoformat(),
    }
    return page(
        "responses/respond.html",
        status_code=status_code,
        assembly=assembly,
        process=process,
        item=item,
        stances=[(s, services.STANCE_LABELS[s]) for s in RESPONSE_STANCES],
        progress=[(p, services.PROGRESS_LABELS[p]) for p in PROGRESS_STATES],
        values={**shown, **(values or {})} if form in ("", "response") else shown,
        update_values=values if form == "update" else {"happened_on": shown["happened_on"]},
        errors=errors if form == "response" else {},
        update_errors=errors if form == "update" else {},
        open=process.report_published_at is not None,
        base=f"/respond/{assembly.slug}/{number}",
        **_labels(),
    )


class ResponderController(Controller):
    path = "/respond/{slug:str}"
    # Pages for people, not the JSON API: they stay out of the OpenAPI schema.
    include_in_schema = False

    @get("/", name="respond")
    async def index(self, db_session: AsyncSession, viewer: Viewer, slug: str) -> Template:
        assembly, process, _account = await _responding(db_session, viewer, slug)
        return page(
            "responses/index.html",
            assembly=assembly,
            process=process,
            items=await services.tracked(db_session, assembly, process),
            open=process.report_published_at is not None,
            **_labels(),
        )

    @get("/{number:int}", name="respond_recommendation")
    async def show(
        self, db_session: AsyncSession, viewer: Viewer, slug: str, number: int
    ) -> Template:
        assembly, process, _account = await _responding(db_session, viewer, slug)
        return await _respond_page(db_session, assembly, process, number)

    @post("/{number:int}/response", name="response_record")
    async def respond(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: Viewer,
        slug: str,
        number: int,
    ) -> Response[Any]:
        assembly, process, account_id = await _responding(db_session, viewer, slug)
        recommendation = await get_recommendation(db_session, assembly, number)
        form = await read_form(request)
        values = _response_values(form)
        try:
            await services.record_response(
                db_session,
                assembly,
                process,
                recommendation,
                services.ResponseInput(**values),
                account_id,
            )
        except (InvalidInput, Conflict) as exc:
            return await _respond_page(
                db_session,
                assembly,
                process,
                number,
                values=values,
                errors=exc.errors,
                form="response",
                status_code=exc.status_code,
            )
        return Redirect(f"/respond/{slug}/{number}?done=response", status_code=303)

    @post(["/{number:int}/updates", "/{number:int}/updates/{update:int}"], name="update_record")
    async def update(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: Viewer,
        slug: str,
        number: int,
        update: int | None = None,
    ) -> Response[Any]:
        assembly, process, account_id = await _responding(db_session, viewer, slug)
        recommendation = await get_recommendation(db_session, assembly, number)
        form = await read_form(request)
        try:
            await services.add_update(
                db_session,
                assembly,
                process,
                recommendation,
                _update_input(form),
                account_id,
                number=update,
            )
        except (InvalidInput, Conflict) as exc:
            return await _respond_page(
                db_session,
                assembly,
                process,
                number,
                values=_update_values(form),
                errors=exc.errors,
                form="update",
                status_code=exc.status_code,
            )
        return Redirect(f"/respond/{slug}/{number}?done=update#updates", status_code=303)


# --- the public tracker ----------------------------------------------------------------------


def _tracker_open(ctx: DraftingContext) -> None:
    if ctx.process.report_published_at is None and not ctx.actor.facilitator:
        raise NotFoundException()


class TrackerController(Controller):
    path = "/assemblies/{slug:str}/tracker"
    # Pages for people, not the JSON API: they stay out of the OpenAPI schema.
    include_in_schema = False
    dependencies = {"drafting": Provide(provide_drafting)}  # noqa: RUF012

    @get("/", name="tracker")
    async def show(self, db_session: AsyncSession, drafting: DraftingContext) -> Template:
        _tracker_open(drafting)
        items = await services.tracked(db_session, drafting.assembly, drafting.process)
        return page(
            "responses/tracker.html",
            assembly=drafting.assembly,
            process=drafting.process,
            items=items,
            today=dt.datetime.now(dt.UTC).date(),
            **_labels(),
        )

    @get("/{number:int}", name="tracker_history")
    async def history(
        self, db_session: AsyncSession, drafting: DraftingContext, number: int
    ) -> Template:
        _tracker_open(drafting)
        items = {
            t.recommendation.number: t
            for t in await services.tracked(db_session, drafting.assembly, drafting.process)
        }
        if number not in items:
            raise NotFoundException()
        return page(
            "responses/history.html",
            assembly=drafting.assembly,
            item=items[number],
            **_labels(),
        )

    @get("/feed.atom", name="tracker_feed")
    async def feed(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        settings: Settings,
        drafting: DraftingContext,
    ) -> Response[bytes]:
        _tracker_open(drafting)
        assembly, process = drafting.assembly, drafting.process
        base = str(settings.base_url).rstrip("/")
        tracker = f"{base}/assemblies/{assembly.slug}/tracker"
        entries: list[Entry] = []
        for item in await services.tracked(db_session, assembly, process):
            number = item.recommendation.number
            link = f"{tracker}/{number}"
            for response in item.responses:
                entries.append(
                    Entry(
                        id=f"{tracker}/{number}#response-{response.version}",
                        title=_(
                            "Recommendation %(n)s: response %(label)s (version %(v)s)",
                            n=number,
                            label=str(services.STANCE_LABELS[response.stance]).lower(),
                            v=response.version,
                        ),
                        updated=response.created_at,
                        link=link,
                        summary=response.reasoning,
                    )
                )
            for history in item.updates:
                for version in history.versions:
                    entries.append(
                        Entry(
                            id=f"{tracker}/{number}#update-{history.number}-{version.version}",
                            title=_(
                                "Recommendation %(n)s: %(progress)s (update %(u)s, version %(v)s)",
                                n=number,
                                progress=str(services.PROGRESS_LABELS[version.progress]).lower(),
                                u=history.number,
                                v=version.version,
                            ),
                            updated=version.created_at,
                            link=link,
                            summary=version.description,
                        )
                    )
        if process.report_published_at is not None:
            entries.append(
                Entry(
                    id=f"{base}/assemblies/{assembly.slug}/report",
                    title=_("The final report is published"),
                    updated=process.report_published_at,
                    link=f"{base}/assemblies/{assembly.slug}/report",
                    summary=assembly.title,
                )
            )
        updated = max(
            (e.updated for e in entries), default=process.updated_at or dt.datetime.now(dt.UTC)
        )
        body = atom_feed(
            feed_id=f"{tracker}/feed.atom",
            title=_("%(assembly)s: responses and follow-up", assembly=assembly.title),
            link=tracker,
            self_link=f"{tracker}/feed.atom",
            author=process.commissioned_by or assembly.title,
            language=request.scope.get("state", {}).get("locale", assembly.language),
            entries=entries,
            updated=updated,
        )
        return Response(body, media_type="application/atom+xml; charset=utf-8")
