"""The audit log pages: an assembly's log for its facilitators, and the whole log for admins.

Both are plain GET forms (filters by assembly, actor and kind of action) with pages of 50
events, so they work without JavaScript and a filtered view can be bookmarked.
"""

from __future__ import annotations

from urllib.parse import urlencode

from litestar import Controller, get
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.audit import services
from assembly.audit.labels import ACTION_LABELS, SUBJECT_LABELS, action_label, detail_label
from assembly.db.models import Account, Assembly
from assembly.i18n import _
from assembly.web.auth import Viewer
from assembly.web.guards import admins_only, facilitators_only
from assembly.web.loaders import MANAGED_ASSEMBLY
from assembly.web.templating import page

ADMIN_TIME_ZONE = "Europe/Oslo"


def _page_number(text: str | None) -> int:
    return int(text) if text and text.isdigit() and 0 < int(text) < 100_000 else 1


def _actor_options(accounts: list[Account]) -> list[tuple[str, str]]:
    options = [
        ("", _("Everyone")),
        ("participant", _("Participants")),
        ("system", _("The system")),
        ("token", _("API tokens")),
    ]
    options += [(f"account:{a.id}", f"{a.display_name} ({a.email})") for a in accounts]
    return options


def _kind_options() -> list[tuple[str, str]]:
    labelled = sorted(
        ((key, str(label)) for key, label in ACTION_LABELS.items()), key=lambda item: item[1]
    )
    return [("", _("All actions")), *labelled]


def _page_links(base: str, filters: dict[str, str], log: services.AuditPage) -> dict[str, str]:
    kept = {key: value for key, value in filters.items() if value}
    links = {}
    if log.page > 1:
        links["newer"] = f"{base}?{urlencode({**kept, 'page': log.page - 1})}"
    if log.has_next:
        links["older"] = f"{base}?{urlencode({**kept, 'page': log.page + 1})}"
    return links


def _log_page(
    *,
    base: str,
    log: services.AuditPage,
    filters: dict[str, str],
    accounts: list[Account],
    time_zone: str,
    assembly: Assembly | None = None,
    assemblies: list[Assembly] | None = None,
) -> Template:
    return page(
        "audit/log.html",
        base=base,
        log=log,
        filters=filters,
        actor_options=_actor_options(accounts),
        kind_options=_kind_options(),
        assembly=assembly,
        assemblies=assemblies,
        assembly_titles={a.id: a.title for a in assemblies or []},
        links=_page_links(base, filters, log),
        time_zone=time_zone,
        action_label=action_label,
        detail_label=detail_label,
        subject_labels=SUBJECT_LABELS,
    )


class AssemblyAuditController(Controller):
    path = "/manage/assemblies/{slug:str}/audit"
    guards = (facilitators_only,)
    dependencies = MANAGED_ASSEMBLY

    @get("/", name="assembly_audit")
    async def log(
        self,
        db_session: AsyncSession,
        assembly: Assembly,
        actor: str | None = None,
        kind: str | None = None,
        page: str | None = None,
    ) -> Template:
        filters = {"actor": (actor or "")[:40], "kind": (kind or "")[:60]}
        where = services.AuditFilter(
            assembly_id=assembly.id,
            actor=filters["actor"],
            action=filters["kind"],
            page=_page_number(page),
        )
        return _log_page(
            base=f"/manage/assemblies/{assembly.slug}/audit",
            log=await services.read_log(db_session, where),
            filters=filters,
            accounts=await services.log_accounts(db_session, assembly),
            time_zone=assembly.time_zone,
            assembly=assembly,
        )


class AdminAuditController(Controller):
    path = "/admin/audit"
    guards = (admins_only,)

    @get("/", name="admin_audit")
    async def log(
        self,
        db_session: AsyncSession,
        viewer: Viewer,
        assembly: str | None = None,
        actor: str | None = None,
        kind: str | None = None,
        page: str | None = None,
    ) -> Template:
        found = await db_session.scalars(select(Assembly).order_by(Assembly.title))
        assemblies = list(found.all())
        chosen = assembly or ""
        assembly_id = int(chosen) if chosen.isdigit() and int(chosen) < 2**63 else None
        filters = {"assembly": chosen[:20], "actor": (actor or "")[:40], "kind": (kind or "")[:60]}
        where = services.AuditFilter(
            assembly_id=assembly_id,
            outside_assemblies=chosen == "none",
            actor=filters["actor"],
            action=filters["kind"],
            page=_page_number(page),
        )
        return _log_page(
            base="/admin/audit",
            log=await services.read_log(db_session, where),
            filters=filters,
            accounts=await services.log_accounts(db_session, None),
            time_zone=ADMIN_TIME_ZONE,
            assemblies=assemblies,
        )
