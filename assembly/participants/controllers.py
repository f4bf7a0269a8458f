"""Joining with an invite code, coming back with a return code, leaving on a shared device,
the optional questions, and the public assembly pages."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.response import Redirect, Response, Template
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.assemblies.services import is_facilitator_of
from assembly.db.models import Assembly, Participant
from assembly.errors import InvalidInput
from assembly.i18n import current_locale
from assembly.languages import services as languages
from assembly.meetings.services import renew_door_after_join
from assembly.participants import return_codes, services
from assembly.participants.forms import JoinForm, demographic_answers, demographic_values
from assembly.proposals.phases import PHASE_LABELS, phase_now
from assembly.proposals.services import require_participant
from assembly.questionnaires.services import pending_for
from assembly.settings import Settings
from assembly.web.auth import Viewer, remember_participant
from assembly.web.forms import read_form
from assembly.web.live import meeting_changed
from assembly.web.loaders import VISIBLE_ASSEMBLY
from assembly.web.sessions import rotate_session_id
from assembly.web.templating import page

# Return codes waiting to be kept, by assembly: shown until the citizen says they kept theirs.
PENDING_CODES = "return_codes_shown"
NO_STORE = {"Cache-Control": "no-store"}


def _after_join(assembly: Assembly, participant: Participant) -> str:
    if services.questions_of(assembly) and participant.demographics_consent is None:
        return f"/assemblies/{assembly.slug}/about-you"
    return f"/assemblies/{assembly.slug}?joined=1"


def _session(request: Request[Any, Any, Any]) -> dict[str, Any]:
    if "session" in request.scope and isinstance(request.session, dict):
        return request.session
    return {}


def pending_code(request: Request[Any, Any, Any], assembly_id: int) -> str | None:
    pending = _session(request).get(PENDING_CODES) or {}
    code = pending.get(str(assembly_id)) if isinstance(pending, dict) else None
    return code if isinstance(code, str) else None


def _keep_pending(request: Request[Any, Any, Any], assembly_id: int, code: str | None) -> None:
    pending = dict(_session(request).get(PENDING_CODES) or {})
    if code is None:
        pending.pop(str(assembly_id), None)
    else:
        pending[str(assembly_id)] = code
    if pending:
        request.session[PENDING_CODES] = pending
    else:
        request.session.pop(PENDING_CODES, None)


def _enter(request: Request[Any, Any, Any], assembly: Assembly, participant: Participant) -> None:
    """Remember the participant in this browser, under a new session identifier."""
    request.set_session(dict(_session(request)))
    remember_participant(request, assembly.id, participant.id)
    rotate_session_id(request.session)


def _return_target(assembly: Assembly, target: str) -> str:
    # Only a page of the assembly just entered: the form must not send anyone elsewhere.
    base = f"/assemblies/{assembly.slug}"
    if target == base or target.startswith(base + "/") or target.startswith(base + "?"):
        return target
    return f"{base}?returned=1"


class JoinController(Controller):
    @get("/join", name="join")
    async def join_form(self, viewer: Viewer, code: str | None = None) -> Template:
        values = {"code": (code or "")[:100], "pseudonym": services.suggest_pseudonym()}
        return page("participants/join.html", values=values, errors={})

    @post("/join", name="join_submit")
    async def join(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        state: State,
        settings: Settings,
        viewer: Viewer,
    ) -> Response[Any]:
        form = JoinForm.read(await read_form(request))
        secret_key = settings.secret_key
        try:
            participant = await services.join_assembly(
                db_session, form.code, form.pseudonym, secret_key
            )
        except InvalidInput as exc:
            return page(
                "participants/join.html", values=form.values(), errors=exc.errors, status_code=400
            )
        assembly = await db_session.get(Assembly, participant.assembly_id)
        assert assembly is not None
        # Joined and given a return code in one transaction: both are stored, or neither.
        code = await return_codes.issue_return_code(db_session, participant)
        # Joined with the code on a meeting's projector: the next person gets a fresh one.
        door = await renew_door_after_join(db_session, participant, secret_key)
        _enter(request, assembly, participant)
        _keep_pending(request, assembly.id, code)
        if door is not None:
            await db_session.commit()
            meeting_changed(state, door.assembly_id, door.id, door.version)
        return Redirect(f"/assemblies/{assembly.slug}/return-code?joined=1", status_code=303)

    @get("/join/return", name="come_back")
    async def come_back_form(self, viewer: Viewer, next: str | None = None) -> Template:
        return page("participants/return.html", values={"code": ""}, errors={}, next=next or "")

    @post("/join/return", name="come_back_submit")
    async def come_back(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        settings: Settings,
        viewer: Viewer,
    ) -> Response[Any]:
        form = await read_form(request)
        code, target = form.strip("code"), form.get("next")[:500]
        secret_key = settings.secret_key
        try:
            assembly, participant = await return_codes.come_back(db_session, code, secret_key)
        except InvalidInput as exc:
            return page(
                "participants/return.html",
                values={"code": code},
                errors=exc.errors,
                next=target,
                status_code=400,
            )
        _enter(request, assembly, participant)
        return Redirect(_return_target(assembly, target), status_code=303)

    @post("/leave", name="leave")
    async def leave(self, request: Request[Any, Any, Any]) -> Redirect:
        # The whole session goes, in the store too: the next person at this browser starts
        # signed out, and a copied cookie opens nothing. Cached pages go with it.
        request.clear_session()
        return Redirect("/left", status_code=303, headers={"Clear-Site-Data": '"cache"'})

    @get("/left", name="left")
    async def left(self, viewer: Viewer) -> Template:
        return page("participants/left.html")


class AssemblyPageController(Controller):
    path = "/assemblies"
    dependencies = VISIBLE_ASSEMBLY

    @get("/{slug:str}", name="assembly")
    async def show(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: Viewer,
        assembly: Assembly,
        joined: str | None = None,
        returned: str | None = None,
    ) -> Template:
        facilitating = is_facilitator_of(viewer, assembly)
        participant = await services.get_participant(
            db_session, assembly, viewer.participant_in(assembly.id)
        )
        topics = []
        for topic in assembly.topics:
            phase = phase_now(topic)
            if phase != "draft" or facilitating:
                topics.append({"topic": topic, "phase": phase, "label": PHASE_LABELS[phase]})
        return page(
            "assemblies/assembly.html",
            assembly=assembly,
            translations=await languages.index_for(db_session, assembly, current_locale.get()),
            topics=topics,
            participant=participant,
            questions_pending=bool(
                participant
                and participant.demographics_consent is None
                and services.questions_of(assembly)
            ),
            just_joined=bool(joined) and participant is not None,
            just_returned=bool(returned) and participant is not None,
            code_waiting=participant is not None and pending_code(request, assembly.id) is not None,
            needs_return_code=participant is not None
            and not await return_codes.has_return_code(db_session, participant.id),
            questionnaires_waiting=len(await pending_for(db_session, assembly, participant))
            if participant
            else 0,
        )

    @get("/{slug:str}/return-code", name="return_code")
    async def return_code(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        settings: Settings,
        viewer: Viewer,
        assembly: Assembly,
        joined: str | None = None,
    ) -> Template:
        participant = await require_participant(db_session, viewer, assembly)
        code = pending_code(request, assembly.id)
        has_code = code is not None or await return_codes.has_return_code(
            db_session, participant.id
        )
        # The code is on this page until its owner says it is kept: no cache may hold a copy.
        return Template(
            template_name="participants/return_code.html",
            context={
                "assembly": assembly,
                "participant": participant,
                "code": code,
                "has_code": has_code,
                "just_joined": bool(joined),
                "return_url": settings.base_url.rstrip("/") + "/join/return",
            },
            headers=NO_STORE,
        )

    @post("/{slug:str}/return-code", name="return_code_new")
    async def new_return_code(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: Viewer,
        assembly: Assembly,
    ) -> Redirect:
        participant = await require_participant(db_session, viewer, assembly)
        code = await return_codes.issue_return_code(db_session, participant)
        _keep_pending(request, assembly.id, code)
        return Redirect(f"/assemblies/{assembly.slug}/return-code", status_code=303)

    @post("/{slug:str}/return-code/kept", name="return_code_kept")
    async def return_code_kept(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: Viewer,
        assembly: Assembly,
    ) -> Redirect:
        participant = await require_participant(db_session, viewer, assembly)
        _keep_pending(request, assembly.id, None)
        form = await read_form(request)
        if form.get("joined"):
            return Redirect(_after_join(assembly, participant), status_code=303)
        return Redirect(f"/assemblies/{assembly.slug}", status_code=303)

    @get("/{slug:str}/about-you", name="about_you")
    async def consent_form(
        self, db_session: AsyncSession, viewer: Viewer, assembly: Assembly
    ) -> Response[Any]:
        participant = await require_participant(db_session, viewer, assembly)
        questions = services.questions_of(assembly)
        if not questions:
            return Redirect(f"/assemblies/{assembly.slug}", status_code=303)
        return page(
            "participants/consent.html",
            assembly=assembly,
            participant=participant,
            questions=questions,
        )

    @post("/{slug:str}/about-you", name="about_you_submit")
    async def consent(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: Viewer,
        assembly: Assembly,
    ) -> Response[Any]:
        participant = await require_participant(db_session, viewer, assembly)
        form = await read_form(request)
        if form.get("consent") == "yes":
            return Redirect(f"/assemblies/{assembly.slug}/about-you/questions", status_code=303)
        await services.decline_demographics(db_session, participant)
        return Redirect(f"/assemblies/{assembly.slug}?joined=1", status_code=303)

    @get("/{slug:str}/about-you/questions", name="demographics")
    async def questions_form(
        self, db_session: AsyncSession, viewer: Viewer, assembly: Assembly
    ) -> Response[Any]:
        participant = await require_participant(db_session, viewer, assembly)
        questions = services.questions_of(assembly)
        if not questions:
            return Redirect(f"/assemblies/{assembly.slug}", status_code=303)
        return page(
            "participants/questions.html",
            assembly=assembly,
            questions=questions,
            values=demographic_values(participant.demographics or {}),
            errors={},
        )

    @post("/{slug:str}/about-you/questions", name="demographics_submit")
    async def answer(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: Viewer,
        assembly: Assembly,
    ) -> Response[Any]:
        participant = await require_participant(db_session, viewer, assembly)
        questions = services.questions_of(assembly)
        answers = demographic_answers(await read_form(request), questions)
        try:
            await services.save_demographics(db_session, assembly, participant, answers)
        except InvalidInput as exc:
            return page(
                "participants/questions.html",
                assembly=assembly,
                questions=questions,
                values=demographic_values(answers),
                errors=exc.errors,
                status_code=400,
            )
        return Redirect(f"/assemblies/{assembly.slug}?joined=1", status_code=303)
