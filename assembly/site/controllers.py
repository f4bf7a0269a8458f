"""The home page, the language switch, the signed-in dashboard and the site's icon."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import File, Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.assemblies import services as assemblies
from assembly.catalogue import services as catalogue
from assembly.i18n import LANGUAGES
from assembly.settings import Settings
from assembly.web.auth import Viewer
from assembly.web.forms import read_form
from assembly.web.middleware import easy_read_cookie, language_cookie
from assembly.web.templating import STATIC_DIR, page


class SiteController(Controller):
    @get("/favicon.ico", name="favicon", include_in_schema=False, cache=False)
    async def favicon(self) -> File:
        # Browsers and bookmarks ask for this address whatever the page links to.
        return File(
            STATIC_DIR / "favicon.ico",
            media_type="image/vnd.microsoft.icon",
            content_disposition_type="inline",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    @get("/", name="home")
    async def home(self, db_session: AsyncSession, viewer: Viewer) -> Template:
        areas = await catalogue.list_areas(db_session)
        practices = await catalogue.list_practices(db_session)
        public = await assemblies.list_public_assemblies(db_session)
        return page(
            "site/home.html",
            areas=areas,
            practices=practices,
            kinds=catalogue.KIND_LABELS,
            assemblies=public,
        )

    @post("/language", name="language")
    async def set_language(self, settings: Settings, request: Request[Any, Any, Any]) -> Redirect:
        form = await read_form(request)
        locale = form.get("lang")
        back = form.get("next") or "/"
        if not back.startswith("/") or back.startswith("//"):
            back = "/"
        response = Redirect(back, status_code=303)
        if locale in LANGUAGES:
            response.set_cookie(language_cookie(locale, secure=settings.secure_cookies))
        return response

    @post("/easy-read", name="easy_read")
    async def set_easy_read(self, request: Request[Any, Any, Any]) -> Redirect:
        """Easy-read (klarspråk) on or off for this browser, like the language choice."""
        form = await read_form(request)
        back = form.get("next") or "/"
        if not back.startswith("/") or back.startswith("//"):
            back = "/"
        response = Redirect(back, status_code=303)
        settings = request.app.state.settings
        response.set_cookie(
            easy_read_cookie(form.get("easy") == "on", secure=settings.secure_cookies)
        )
        return response

    @get("/dashboard", name="dashboard")
    async def dashboard(self, db_session: AsyncSession, viewer: Viewer) -> Template:
        account = viewer.require_account()
        managed = await assemblies.list_assemblies_for(db_session, viewer)
        return page("site/dashboard.html", account=account, assemblies=managed)
