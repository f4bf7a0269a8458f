"""The legal and trust pages: the privacy notice, the accessibility statement and the about page.

Their text is in the templates, in every interface language; the details only the operator
knows (the controller, its address, the contact, the data protection officer) come from the
``ASSEMBLY_*`` settings, so nobody edits a template to adopt Assembly. A detail not yet set is
shown as "still to be filled in", naming the setting, so an unfinished notice cannot pass for a
finished one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, get
from litestar.response import Template

from assembly.exports.privacy import DEFAULT_K
from assembly.settings import Settings
from assembly.web.auth import Viewer
from assembly.web.templating import page


@dataclass(frozen=True)
class Detail:
    """One operator detail: its value, or the setting that still has to be filled in."""

    value: str
    setting: str

    @property
    def missing(self) -> bool:
        return not self.value.strip()


def operator_details(settings: Settings) -> dict[str, Detail]:
    return {
        "controller": Detail(settings.controller_name, "ASSEMBLY_CONTROLLER_NAME"),
        "address": Detail(settings.controller_address, "ASSEMBLY_CONTROLLER_ADDRESS"),
        "email": Detail(settings.contact_email, "ASSEMBLY_CONTACT_EMAIL"),
        "dpo": Detail(settings.dpo_contact, "ASSEMBLY_DPO_CONTACT"),
        "reviewed": Detail(settings.accessibility_reviewed, "ASSEMBLY_ACCESSIBILITY_REVIEWED"),
    }


def _page(request: Request[Any, Any, Any], name: str) -> Template:
    settings: Settings = request.app.state.settings
    details = operator_details(settings)
    return page(
        f"site/{name}.html",
        details=details,
        unfinished=[d.setting for d in details.values() if d.missing],
        k=DEFAULT_K,
        session_days=settings.participant_session_max_age // 86400,
    )


class LegalController(Controller):
    """Public pages, linked from every page's footer.

    They ask for the viewer only so the header can say who a citizen takes part as.
    """

    @get("/privacy", name="privacy")
    async def privacy(self, request: Request[Any, Any, Any], viewer: Viewer) -> Template:
        return _page(request, "privacy")

    @get("/accessibility", name="accessibility")
    async def accessibility(self, request: Request[Any, Any, Any], viewer: Viewer) -> Template:
        return _page(request, "accessibility")

    @get("/about", name="about")
    async def about(self, request: Request[Any, Any, Any], viewer: Viewer) -> Template:
        return _page(request, "about")
