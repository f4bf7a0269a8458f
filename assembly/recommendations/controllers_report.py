"""The final report as a page and as a PDF, in the assembly's language whoever reads it.

Public once a facilitator has published it; until then only the assembly's facilitators see it
(a preview), and everyone else gets a 404.
"""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import Provide
from litestar.exceptions import NotFoundException
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.i18n import current_locale
from assembly.i18n import gettext as _
from assembly.recommendations.context import DraftingContext, provide_drafting
from assembly.recommendations.report import report_view
from assembly.summaries.controllers import assembly_locale, summary_page
from assembly.summaries.pdf import render_pdf
from assembly.summaries.views import SummaryView


def _readable(ctx: DraftingContext) -> bool:
    published = ctx.process.report_published_at is not None
    if not published and not ctx.actor.facilitator:
        raise NotFoundException()
    return published


class ReportController(Controller):
    path = "/assemblies/{slug:str}"
    # Pages for people, not the JSON API: they stay out of the OpenAPI schema.
    include_in_schema = False
    dependencies = {"drafting": Provide(provide_drafting)}  # noqa: RUF012

    async def _view(self, db: AsyncSession, ctx: DraftingContext) -> SummaryView:
        published = _readable(ctx)
        return await report_view(db, ctx.assembly, ctx.process, published=published)

    @get("/report", name="report")
    async def page(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, drafting: DraftingContext
    ) -> Template:
        reader = current_locale.get()
        with assembly_locale(request, drafting.assembly.language):
            view = await self._view(db_session, drafting)
            return summary_page(
                request,
                reader,
                view,
                drafting.assembly,
                None,
                page_title=_("Final report of the assembly"),
                manage_url=None,
            )

    @get("/report.pdf", name="report_pdf")
    async def pdf(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, drafting: DraftingContext
    ) -> Response[bytes]:
        with assembly_locale(request, drafting.assembly.language):
            view = await self._view(db_session, drafting)
            base_url = str(getattr(request.app.state.settings, "base_url", "")).rstrip("/")
            # Drawing takes a moment; a thread keeps the server answering (the locale goes too).
            content = await asyncio.to_thread(render_pdf, view, base_url=base_url)
        return Response(
            content,
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="{drafting.assembly.slug}-report.pdf"'
            },
        )
