"""The facilitators' translation page: offered languages, and a translation per text."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.assemblies.services import get_managed_assembly
from assembly.db.models import Assembly
from assembly.errors import InvalidInput
from assembly.i18n import LANGUAGES, display_language, text_direction
from assembly.languages import services
from assembly.proposals.services import proposal_views
from assembly.web.auth import Viewer
from assembly.web.forms import read_form
from assembly.web.templating import page


async def _page(
    db: AsyncSession,
    assembly: Assembly,
    reader: str,
    *,
    errors: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Template:
    index = await services.index_for(db, assembly, reader)
    proposals = []
    for topic in assembly.topics:
        for view in await proposal_views(db, topic, None):
            if view.status == "visible":
                proposals.append((topic, view))
    return page(
        "languages/translations.html",
        assembly=assembly,
        index=index,
        languages=services.assembly_languages(assembly),
        all_languages=[(code, display_language(code)) for code in LANGUAGES],
        proposals=proposals,
        direction=text_direction,
        base=f"/manage/assemblies/{assembly.slug}/translations",
        errors=errors or {},
        status_code=status_code,
    )


class TranslationController(Controller):
    path = "/manage/assemblies/{slug:str}/translations"

    @get("/", name="translations")
    async def index(
        self, slug: str, request: Request[Any, Any, Any], viewer: Viewer, db_session: AsyncSession
    ) -> Template:
        assembly = await get_managed_assembly(db_session, slug, viewer)
        return await _page(db_session, assembly, request.scope["state"]["locale"])

    @post("/languages", name="translations_languages")
    async def languages(
        self, slug: str, request: Request[Any, Any, Any], viewer: Viewer, db_session: AsyncSession
    ) -> Template | Redirect:
        assembly = await get_managed_assembly(db_session, slug, viewer)
        form = await read_form(request)
        try:
            await services.set_offered_languages(
                db_session, assembly, form.getlist("offered_languages")
            )
        except InvalidInput as exc:
            return await _page(
                db_session,
                assembly,
                request.scope["state"]["locale"],
                errors=exc.errors,
                status_code=400,
            )
        return Redirect(f"/manage/assemblies/{assembly.slug}/translations", status_code=303)

    @post("/", name="translations_save")
    async def save(
        self, slug: str, request: Request[Any, Any, Any], viewer: Viewer, db_session: AsyncSession
    ) -> Template | Redirect:
        assembly = await get_managed_assembly(db_session, slug, viewer)
        form = await read_form(request)
        kind, language = form.get("kind"), form.get("language")
        try:
            subject_id = int(form.get("subject_id") or "0")
        except ValueError:
            subject_id = 0
        try:
            await services.save_translations(
                db_session,
                assembly,
                kind=kind,
                subject_id=subject_id,
                language=language,
                texts={field: form.get(f"text-{field}") for field in form.getlist("fields")},
                author_role="facilitator",
                account_id=viewer.require_account().id,
            )
        except InvalidInput as exc:
            return await _page(
                db_session,
                assembly,
                request.scope["state"]["locale"],
                errors=exc.errors,
                status_code=400,
            )
        anchor = f"{kind}-{subject_id}-{language}"
        return Redirect(
            f"/manage/assemblies/{assembly.slug}/translations#{anchor}", status_code=303
        )
