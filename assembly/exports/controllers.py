"""Researcher pages: an assembly's export page and the streamed ZIP download."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get
from litestar.exceptions import PermissionDeniedException
from litestar.response import Response, Stream, Template
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from assembly.assemblies.services import get_assembly, is_facilitator_of, is_researcher_of
from assembly.db.models import Assembly
from assembly.exports.services import (
    FORMATS,
    ExportOptions,
    TopicData,
    download_headers,
    export_filename,
    exportable_topics,
    record_export_now,
    stream_export_zip,
)
from assembly.i18n import _l
from assembly.proposals.phases import PHASE_LABELS
from assembly.settings import Settings
from assembly.voting import METHODS
from assembly.web.auth import Viewer
from assembly.web.templating import page

FORMAT_LABELS: dict[str, Any] = {
    "datapackage": _l("Data package: CSV tables with a schema, codebook and ballot files"),
    "polis": _l("Polis: each topic's reactions in the files Polis exports"),
    "json": _l("JSON Lines: the data package's tables for programs"),
}


async def get_research_assembly(db: AsyncSession, slug: str, viewer: Viewer) -> Assembly:
    """An assembly the viewer may export: admins, its facilitators, granted researchers."""
    viewer.require_account()
    assembly = await get_assembly(db, slug)
    if is_facilitator_of(viewer, assembly) or await is_researcher_of(db, viewer, assembly):
        return assembly
    raise PermissionDeniedException()


def _page(
    assembly: Assembly,
    topics: list[TopicData],
    viewer: Viewer,
    values: dict[str, str],
    errors: dict[str, Any],
    status_code: int = 200,
) -> Template:
    return page(
        "research/assembly.html",
        assembly=assembly,
        topics=topics,
        formats=[(f, FORMAT_LABELS[f]) for f in FORMATS],
        methods={m: info.label for m, info in METHODS.items()},
        phase_labels=PHASE_LABELS,
        can_have_tokens=viewer.is_researcher,
        values=values,
        errors=errors,
        status_code=status_code,
    )


class ResearchController(Controller):
    path = "/research"
    include_in_schema = False

    @get("/{slug:str}", name="research_assembly")
    async def overview(self, slug: str, viewer: Viewer, db_session: AsyncSession) -> Template:
        assembly = await get_research_assembly(db_session, slug, viewer)
        topics = await exportable_topics(db_session, assembly)
        return _page(assembly, topics, viewer, {"format": "datapackage", "k": "5"}, {})

    @get("/{slug:str}/export.zip", name="research_export")
    async def export(
        self,
        slug: str,
        viewer: Viewer,
        db_session: AsyncSession,
        db_engine: AsyncEngine,
        settings: Settings,
        format: str = "datapackage",  # the query parameter's public name
        k: str = "5",
    ) -> Response[Any]:
        account = viewer.require_account()
        assembly = await get_research_assembly(db_session, slug, viewer)
        errors: dict[str, Any] = {}
        if format not in FORMATS:
            errors["format"] = _l("Choose one of the formats.")
        threshold = int(k) if k.strip().isdigit() and len(k.strip()) < 5 else 0
        if not 1 <= threshold <= 1000:
            errors["k"] = _l("Enter a whole number from 1 to 1000.")
        if errors:
            topics = await exportable_topics(db_session, assembly)
            values = {"format": format, "k": k}
            return _page(assembly, topics, viewer, values, errors, status_code=400)
        options = ExportOptions(format=format, k=threshold, base_url=settings.base_url)
        await record_export_now(
            db_engine,
            assembly,
            options,
            actor_kind="account",
            actor_id=account.id,
            via="web",
        )
        return Stream(
            stream_export_zip(db_engine, assembly.id, options),
            media_type="application/zip",
            headers=download_headers(export_filename(assembly, options)),
        )
