"""Facilitator pages for invitations: make codes, print letters, revoke, and see who joined.

The plain codes exist only in the response to the form that made them: the printable letters
are that response, so nothing but the codes' keyed hashes is ever stored.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Response, Template
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.db.models import Assembly, Participant
from assembly.errors import InvalidInput
from assembly.i18n import LANGUAGES, _, _l, current_locale, text_direction
from assembly.invitations import services
from assembly.invitations.services import InvitationSheet
from assembly.languages.services import assembly_languages
from assembly.participants.return_codes import issue_return_code
from assembly.settings import Settings
from assembly.web.auth import Viewer
from assembly.web.forms import read_form
from assembly.web.guards import facilitators_only
from assembly.web.loaders import MANAGED_ASSEMBLY
from assembly.web.templating import page, template_environment

STATUS_LABELS = {
    "unused": _l("Unused"),
    "used": _l("Used"),
    "expired": _l("Expired"),
    "revoked": _l("Revoked"),
}
CHANNEL_LABELS = {"online": _l("Online"), "paper": _l("Paper")}


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Translate in ``language`` for a moment: letters are written in the assembly's language."""
    token = current_locale.set(language)
    try:
        yield
    finally:
        current_locale.reset(token)


def letter_texts(
    assembly: Assembly, expires_at: dt.datetime | None, language: str = ""
) -> dict[str, str]:
    """A letter's texts in ``language`` (by default the assembly's main language)."""
    with speaking(language or assembly.language):
        # Codes expire at the midnight after the chosen day: the letter names that day.
        last_day = (
            format_date(
                (expires_at - dt.timedelta(seconds=1)).astimezone(ZoneInfo(assembly.time_zone)),
                "long",
                locale=current_locale.get(),
            )
            if expires_at
            else ""
        )
        texts = {
            "heading": _("Invitation: %(title)s", title=assembly.title),
            "intro": _(
                "You are invited to take part in a citizens' assembly. You need no account "
                "and no e-mail address, only the code on this letter."
            ),
            "steps": _(
                "Scan the QR code with the camera of your phone, or type the web address "
                "into a browser on any computer, for example at the library. Then choose "
                "the name the others will see."
            ),
            "code_label": _("Your personal code"),
            "address_label": _("Web address"),
            "qr_alt": _("QR code that opens the join page with your code"),
            "once": _("The code works once, for one person. Keep it to yourself."),
            "expires": _("The code can be used until the end of %(date)s.", date=last_day)
            if last_day
            else "",
        }
    return texts


def letters_by_language(
    assembly: Assembly, expires_at: dt.datetime | None, languages: Iterable[str]
) -> dict[str, dict[str, str]]:
    """Each letter language's texts, and on every letter a line in the other offered languages."""
    wanted = list(dict.fromkeys([assembly.language, *languages]))
    texts = {code: letter_texts(assembly, expires_at, code) for code in wanted}
    offered = list(dict.fromkeys([*assembly_languages(assembly), *wanted]))
    lines = {}
    for code in offered:
        with speaking(code):
            lines[code] = _(
                "This letter in your language: open the web address and choose %(language)s "
                "in the language menu, or ask us for a letter in %(language)s.",
                language=LANGUAGES.get(code, code),
            )
    for code, letter in texts.items():
        letter["other_languages"] = [(c, lines[c]) for c in offered if c != code]  # type: ignore[assignment]
    return texts


def with_languages(
    sheets: list[InvitationSheet], languages: Mapping[str, str]
) -> list[InvitationSheet]:
    """The sheets, each marked with its recipient's language (by label, the pool id)."""
    return [replace(sheet, language=languages.get(sheet.label, "")) for sheet in sheets]


async def _index_page(
    db: AsyncSession,
    assembly: Assembly,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Template:
    invites = await services.list_invites(db, assembly)
    participants = await services.list_participants(db, assembly)
    return page(
        "invitations/index.html",
        assembly=assembly,
        base=f"/manage/assemblies/{assembly.slug}/invitations",
        invites=[(invite, services.invite_status(invite)) for invite in invites],
        participants=participants,
        status_labels=STATUS_LABELS,
        channel_labels=CHANNEL_LABELS,
        values={"batch": secrets.token_urlsafe(16), **(values or {})},
        errors=errors or {},
        status_code=status_code,
    )


class InvitationController(Controller):
    path = "/manage/assemblies/{slug:str}/invitations"
    guards = (facilitators_only,)
    dependencies = MANAGED_ASSEMBLY

    @get("/", name="invitations")
    async def index(self, assembly: Assembly, db_session: AsyncSession) -> Template:
        return await _index_page(db_session, assembly)

    @post("/", name="invitations_issue")
    async def issue(
        self,
        assembly: Assembly,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        db_session: AsyncSession,
        settings: Settings,
    ) -> Response[Any]:
        form = await read_form(request)
        values = {name: form.get(name) for name in ("count", "expires_on", "labels")}
        try:
            count, expires_at, labels = services.parse_issue_form(values, assembly.time_zone)
            if not services.register_batch(request.session, form.get("batch")):
                raise InvalidInput(
                    {
                        "": _l(
                            "This form was already sent, and its codes were shown then. "
                            "To make more codes, fill in the form again."
                        )
                    }
                )
        except InvalidInput as exc:
            return await _index_page(
                db_session, assembly, values=values, errors=exc.errors, status_code=400
            )
        issued = await services.issue_codes(
            db_session,
            assembly,
            count,
            settings.secret_key,
            expires_at=expires_at,
            labels=labels,
            actor_id=viewer.require_account().id,
        )
        texts = letter_texts(assembly, expires_at)
        sheets = services.sheets_for(issued, settings.base_url, texts["qr_alt"])
        letters = page(
            "invitations/issued.html",
            assembly=assembly,
            base=f"/manage/assemblies/{assembly.slug}/invitations",
            sheets=sheets,
            texts_by_language=letters_by_language(assembly, expires_at, []),
            direction=text_direction,
            expires_at=expires_at,
        )
        letters.headers["Cache-Control"] = "no-store"  # the letters print the codes themselves
        return letters

    @post("/participants/{participant_id:int}/return-code", name="participant_return_code")
    async def new_return_code(
        self,
        assembly: Assembly,
        participant_id: int,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        db_session: AsyncSession,
        settings: Settings,
    ) -> Template:
        """A new return code for someone who lost theirs; the old one stops working."""
        participant = await db_session.get(Participant, participant_id)
        if participant is None or participant.assembly_id != assembly.id:
            raise NotFoundException()
        code = await issue_return_code(
            db_session, participant, issued_by_id=viewer.require_account().id
        )
        # The sheet is for the citizen, so it speaks the assembly's language, as letters do.
        with speaking(assembly.language):
            sheet = (
                template_environment(request)
                .get_template("participants/_return_sheet.html")
                .render(
                    assembly=assembly,
                    participant=participant,
                    code=code,
                    return_url=settings.base_url.rstrip("/") + "/join/return",
                )
            )
        return Template(
            template_name="invitations/return_code.html",
            context={
                "assembly": assembly,
                "participant": participant,
                "sheet": Markup(sheet),  # noqa: S704  (rendered by the autoescaping environment)
                "base": f"/manage/assemblies/{assembly.slug}/invitations",
            },
            headers={"Cache-Control": "no-store"},
        )

    @post("/{invite_id:int}/revoke", name="invitation_revoke")
    async def revoke(
        self, assembly: Assembly, invite_id: int, viewer: Viewer, db_session: AsyncSession
    ) -> Redirect:
        invite = await services.get_invite(db_session, assembly, invite_id)
        await services.revoke(db_session, invite, viewer.require_account().id)
        return Redirect(
            f"/manage/assemblies/{assembly.slug}/invitations#invite-{invite.id}", status_code=303
        )
