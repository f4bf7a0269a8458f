"""Summary pages (HTML and PDF) of a topic and of an assembly, and the facilitator's controls.

A summary is public once a facilitator has published it; before that only the assembly's
facilitators see it, and everyone else gets a 404. A summary's text is written in the assembly's
language, whatever the reader's: the locale is switched while it is drawn (and for the whole
PDF), and the page around it (menu, title, a note saying which language the text is in) follows
the reader's language.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from babel import Locale
from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.assemblies.services import (
    get_managed_assembly,
    get_visible_assembly,
    is_facilitator_of,
    is_researcher_of,
)
from assembly.db.cache import LruCache
from assembly.db.models import Assembly, Topic
from assembly.errors import InvalidInput
from assembly.i18n import LANGUAGES, current_locale
from assembly.i18n import gettext as _
from assembly.questionnaires.summary import summary_section
from assembly.summaries import services
from assembly.summaries.pdf import render_pdf
from assembly.summaries.views import SummaryView, assembly_view, topic_view
from assembly.topics.services import get_topic
from assembly.web.auth import Viewer
from assembly.web.forms import read_form
from assembly.web.templating import page


def summary_url(assembly: Assembly, topic: Topic | None = None) -> str:
    if topic is None:
        return f"/assemblies/{assembly.slug}/summary"
    return f"/assemblies/{assembly.slug}/topics/{topic.slug}/summary"


def manage_summary_url(assembly: Assembly, topic: Topic) -> str:
    return f"/manage/assemblies/{assembly.slug}/topics/{topic.slug}/summary"


@contextmanager
def assembly_locale(request: Request[Any, Any, Any], language: str) -> Iterator[str]:
    """Translate everything inside into the assembly's language (and say so in the headers)."""
    locale = language if language in LANGUAGES else current_locale.get()
    token = current_locale.set(locale)
    request.scope.setdefault("state", {})["locale"] = locale
    try:
        yield locale
    finally:
        current_locale.reset(token)


def _render(request: Request[Any, Any, Any], template_name: str, **context: Any) -> Markup:
    """Render now, inside the caller's locale, rather than after the handler returns."""
    engine = request.app.template_engine
    assert engine is not None
    full = Template(template_name=template_name, context=context).create_template_context(request)
    # The template escapes what it prints (autoescape), so its output is markup already.
    return Markup(engine.get_template(template_name).render(**full))  # noqa: S704


def language_name(language: str, reader: str) -> str:
    """The language's name in the reader's language ("Norwegian Bokmål", "engelsk")."""
    return Locale.parse(language).get_display_name(reader) or language


def summary_page(
    request: Request[Any, Any, Any],
    reader: str,
    view: SummaryView,
    assembly: Assembly,
    topic: Topic | None,
    *,
    page_title: str = "",
    **context: Any,
) -> Template:
    """The summary's text (already drawn in the assembly's language) inside a page in the
    reader's language."""
    article = _render(
        request, "summaries/_article.html", view=view, assembly=assembly, topic=topic, **context
    )
    request.scope.setdefault("state", {})["locale"] = reader
    language = assembly.language if assembly.language in LANGUAGES else reader
    return page(
        "summaries/summary.html",
        article=article,
        view=view,
        assembly=assembly,
        topic=topic,
        text_language=language,
        page_title=page_title,
        text_language_name=language_name(language, reader) if language != reader else "",
    )


async def _pdf(
    view: SummaryView, request: Request[Any, Any, Any], filename: str
) -> Response[bytes]:
    base_url = str(getattr(request.app.state.settings, "base_url", "")).rstrip("/")
    # Drawing takes a moment for a large topic; a thread keeps the server answering meanwhile
    # (it copies the context, so the assembly's locale goes with it).
    content = await asyncio.to_thread(render_pdf, view, base_url=base_url)
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


async def _readable_topic(
    db: AsyncSession, viewer: Viewer, slug: str, topic_slug: str
) -> tuple[Assembly, Topic, bool]:
    """The topic whose summary the viewer may read, and whether they facilitate it."""
    assembly = await get_visible_assembly(db, slug, viewer, topics=False)
    topic = await get_topic(db, assembly, topic_slug)
    facilitating = is_facilitator_of(viewer, assembly)
    if not facilitating and (not topic.summary_published or topic.phase == "draft"):
        raise NotFoundException()
    return assembly, topic, facilitating


def _linked_practices(topic: Topic, locale: str) -> list[tuple[str, str]]:
    return [(p.title(locale), f"/practices/{p.slug}") for p in topic.practices]


# Built views of recent summaries, so that a page view of an unchanged summary only checks
# the data version and renders. Keys hold everything a view is built from.
_views: LruCache[SummaryView] = LruCache(64)


async def _topic_view(
    db: AsyncSession,
    viewer: Viewer,
    assembly: Assembly,
    topic: Topic,
    facilitating: bool,
    locale: str,
) -> SummaryView:
    version = await services.data_version(db, topic)
    researcher = await is_researcher_of(db, viewer, assembly)
    url = summary_url(assembly, topic)
    links = [
        (_("Download as PDF"), f"{url}.pdf"),
        (_("Summary of the whole assembly"), summary_url(assembly)),
        (_("The topic's page"), f"/assemblies/{assembly.slug}/topics/{topic.slug}"),
    ]
    if researcher:
        links.append((_("Research export of this assembly"), f"/research/{assembly.slug}"))
    linked = _linked_practices(topic, locale)
    area_name = topic.spotlight_area.name(locale) if topic.spotlight_area else ""
    show_scores = facilitating or researcher
    key = (
        topic.id,
        version,
        locale,
        show_scores,
        topic.summary_published,
        topic.facilitator_notes or "",
        assembly.title,
        assembly.time_zone,
        area_name,
        tuple(linked),
        tuple(links),
    )
    cached = _views.get(key)
    if cached is not None:
        return cached
    summary = await services.get_topic_summary(db, topic, version=version)
    view = topic_view(
        summary.content,
        assembly_title=assembly.title,
        question=topic.question,
        area_name=area_name,
        facilitator_notes=topic.facilitator_notes or "",
        linked_practices=linked,
        show_scores=show_scores,
        data_version=summary.data_version,
        published=topic.summary_published,
        links=links,
        time_zone=assembly.time_zone,
    )
    _views.put(key, view)
    return view


def _assembly_topics(assembly: Assembly, facilitating: bool) -> list[Topic]:
    return [
        t for t in assembly.topics if t.phase != "draft" and (facilitating or t.summary_published)
    ]


async def _assembly_view(
    db: AsyncSession, viewer: Viewer, assembly: Assembly, facilitating: bool
) -> SummaryView:
    topics = _assembly_topics(assembly, facilitating)
    if not topics and not facilitating:
        raise NotFoundException()
    researcher = await is_researcher_of(db, viewer, assembly)
    data = await services.assembly_summary(db, assembly, topics)
    url = summary_url(assembly)
    links = [
        (_("Download as PDF"), f"{url}.pdf"),
        (_("The assembly's page"), f"/assemblies/{assembly.slug}"),
    ]
    if researcher:
        links.append((_("Research export of this assembly"), f"/research/{assembly.slug}"))
    unpublished = [t for t in topics if not t.summary_published]
    view = assembly_view(
        data,
        assembly_title=assembly.title,
        place=assembly.place,
        topics=[
            {
                "url": summary_url(assembly, t),
                "notes": t.facilitator_notes or "",
                "published": t.summary_published,
            }
            for t in topics
        ],
        show_scores=facilitating or researcher,
        links=links,
        notice=_("Some topics are not published yet: only the facilitators see them here.")
        if unpublished
        else "",
    )
    questionnaires = await summary_section(db, assembly)
    if questionnaires is not None:
        view.sections.append(questionnaires)
    return view


class SummaryController(Controller):
    """Public (once published) summary pages and their PDF."""

    @get("/assemblies/{slug:str}/topics/{topic_slug:str}/summary", name="topic_summary")
    async def topic_summary(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: Viewer,
        slug: str,
        topic_slug: str,
    ) -> Template:
        assembly, topic, facilitating = await _readable_topic(db_session, viewer, slug, topic_slug)
        reader = current_locale.get()
        with assembly_locale(request, assembly.language) as locale:
            view = await _topic_view(db_session, viewer, assembly, topic, facilitating, locale)
            return summary_page(
                request,
                reader,
                view,
                assembly,
                topic,
                manage_url=manage_summary_url(assembly, topic) if facilitating else "",
            )

    @get(
        "/assemblies/{slug:str}/topics/{topic_slug:str}/summary.pdf",
        name="topic_summary_pdf",
    )
    async def topic_summary_pdf(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: Viewer,
        slug: str,
        topic_slug: str,
    ) -> Response[bytes]:
        assembly, topic, facilitating = await _readable_topic(db_session, viewer, slug, topic_slug)
        with assembly_locale(request, assembly.language) as locale:
            view = await _topic_view(db_session, viewer, assembly, topic, facilitating, locale)
            return await _pdf(view, request, f"{assembly.slug}-{topic.slug}-summary.pdf")

    @get("/assemblies/{slug:str}/summary", name="assembly_summary")
    async def assembly_summary(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: Viewer,
        slug: str,
    ) -> Template:
        assembly = await get_visible_assembly(db_session, slug, viewer)
        facilitating = is_facilitator_of(viewer, assembly)
        reader = current_locale.get()
        with assembly_locale(request, assembly.language):
            view = await _assembly_view(db_session, viewer, assembly, facilitating)
            return summary_page(request, reader, view, assembly, None, manage_url="")

    @get("/assemblies/{slug:str}/summary.pdf", name="assembly_summary_pdf")
    async def assembly_summary_pdf(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: Viewer,
        slug: str,
    ) -> Response[bytes]:
        assembly = await get_visible_assembly(db_session, slug, viewer)
        facilitating = is_facilitator_of(viewer, assembly)
        with assembly_locale(request, assembly.language):
            view = await _assembly_view(db_session, viewer, assembly, facilitating)
            return await _pdf(view, request, f"{assembly.slug}-summary.pdf")


class ManageSummaryController(Controller):
    """The facilitator's side: notes, publishing and withdrawing a topic's summary."""

    path = "/manage/assemblies/{slug:str}/topics/{topic_slug:str}/summary"

    async def _load(
        self, db: AsyncSession, viewer: Viewer, slug: str, topic_slug: str
    ) -> tuple[Assembly, Topic]:
        assembly = await get_managed_assembly(db, slug, viewer)
        return assembly, await get_topic(db, assembly, topic_slug)

    def _page(
        self,
        assembly: Assembly,
        topic: Topic,
        *,
        values: dict[str, str] | None = None,
        errors: dict[str, Any] | None = None,
        notice: str = "",
        status_code: int = 200,
    ) -> Template:
        return page(
            "summaries/manage.html",
            assembly=assembly,
            topic=topic,
            base=manage_summary_url(assembly, topic),
            summary_url=summary_url(assembly, topic),
            assembly_summary_url=summary_url(assembly),
            topic_manage_url=f"/manage/assemblies/{assembly.slug}/topics/{topic.slug}",
            can_publish=topic.phase in services.SUMMARY_PHASES,
            values=values or {"notes": topic.facilitator_notes or ""},
            errors=errors or {},
            notice=notice,
            language_name=LANGUAGES.get(assembly.language, assembly.language),
            status_code=status_code,
        )

    @get("/", name="summary_manage")
    async def show(
        self, db_session: AsyncSession, viewer: Viewer, slug: str, topic_slug: str, done: str = ""
    ) -> Template:
        assembly, topic = await self._load(db_session, viewer, slug, topic_slug)
        notices = {
            "notes": _("The notes are saved."),
            "published": _("The summary is published."),
            "withdrawn": _("The summary is withdrawn: only facilitators see it now."),
        }
        return self._page(assembly, topic, notice=notices.get(done, ""))

    @post("/notes", name="summary_notes")
    async def save_notes(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: Viewer,
        slug: str,
        topic_slug: str,
    ) -> Template | Redirect:
        assembly, topic = await self._load(db_session, viewer, slug, topic_slug)
        form = await read_form(request)
        account = viewer.require_account()
        try:
            await services.save_facilitator_notes(db_session, topic, form.get("notes"), account.id)
        except InvalidInput as exc:
            return self._page(
                assembly,
                topic,
                values={"notes": form.get("notes")},
                errors=exc.errors,
                status_code=400,
            )
        return Redirect(f"{manage_summary_url(assembly, topic)}?done=notes", status_code=303)

    @post("/publish", name="summary_publish")
    async def publish(
        self, db_session: AsyncSession, viewer: Viewer, slug: str, topic_slug: str
    ) -> Template | Redirect:
        assembly, topic = await self._load(db_session, viewer, slug, topic_slug)
        account = viewer.require_account()
        try:
            await services.publish_summary(db_session, topic, account.id)
        except InvalidInput as exc:
            return self._page(assembly, topic, errors=exc.errors, status_code=400)
        return Redirect(f"{manage_summary_url(assembly, topic)}?done=published", status_code=303)

    @post("/withdraw", name="summary_withdraw")
    async def withdraw(
        self, db_session: AsyncSession, viewer: Viewer, slug: str, topic_slug: str
    ) -> Redirect:
        assembly, topic = await self._load(db_session, viewer, slug, topic_slug)
        account = viewer.require_account()
        await services.withdraw_summary(db_session, topic, account.id)
        return Redirect(f"{manage_summary_url(assembly, topic)}?done=withdrawn", status_code=303)
