"""Joining with an invite code, the optional questions, and the public assembly pages."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Response, Template
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.assemblies.services import get_visible_assembly, is_facilitator_of
from assembly.db.models import Assembly, Participant
from assembly.participants import services
from assembly.participants.forms import JoinForm, demographic_answers, demographic_values
from assembly.proposals.phases import PHASE_LABELS, topic_phase
from assembly.proposals.services import require_participant
from assembly.web.auth import Viewer, remember_participant
from assembly.web.forms import FormError, read_form
from assembly.web.sessions import rotate_session_id
from assembly.web.templating import page


def _after_join(assembly: Assembly, participant: Participant) -> str:
    if services.questions_of(assembly) and participant.demographics_consent is None:
        return f"/assemblies/{assembly.slug}/about-you"
    return f"/assemblies/{assembly.slug}?joined=1"


class JoinController(Controller):
    @get("/join", name="join")
    async def join_form(self, viewer: Viewer, code: str | None = None) -> Template:
        values = {"code": (code or "")[:100], "pseudonym": services.suggest_pseudonym()}
        return page("participants/join.html", values=values, errors={})

    @post("/join", name="join_submit")
    async def join(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: Viewer
    ) -> Response[Any]:
        form = JoinForm.read(await read_form(request))
        secret_key = request.app.state.settings.secret_key
        try:
            participant = await services.join_assembly(
                db_session, form.code, form.pseudonym, secret_key
            )
        except FormError as exc:
            return page(
                "participants/join.html", values=form.values(), errors=exc.errors, status_code=400
            )
        assembly = await db_session.get(Assembly, participant.assembly_id)
        assert assembly is not None
        session = request.session if isinstance(request.session, dict) else {}
        request.set_session(dict(session))
        remember_participant(request, assembly.id, participant.id)
        rotate_session_id(request.session)
        return Redirect(_after_join(assembly, participant), status_code=303)


class AssemblyPageController(Controller):
    path = "/assemblies"

    @get("/{slug:str}", name="assembly")
    async def show(
        self, db_session: AsyncSession, viewer: Viewer, slug: str, joined: str | None = None
    ) -> Template:
        assembly = await get_visible_assembly(db_session, slug, viewer)
        facilitating = is_facilitator_of(viewer, assembly)
        participant = await services.get_participant(
            db_session, assembly, viewer.participant_in(assembly.id)
        )
        topics = []
        for topic in assembly.topics:
            phase = await topic_phase(db_session, topic)
            if phase != "draft" or facilitating:
                topics.append({"topic": topic, "phase": phase, "label": PHASE_LABELS[phase]})
        return page(
            "assemblies/assembly.html",
            assembly=assembly,
            topics=topics,
            participant=participant,
            questions_pending=bool(
                participant
                and participant.demographics_consent is None
                and services.questions_of(assembly)
            ),
            just_joined=bool(joined) and participant is not None,
        )

    @get("/{slug:str}/about-you", name="about_you")
    async def consent_form(
        self, db_session: AsyncSession, viewer: Viewer, slug: str
    ) -> Response[Any]:
        assembly = await get_visible_assembly(db_session, slug, viewer)
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
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: Viewer, slug: str
    ) -> Response[Any]:
        assembly = await get_visible_assembly(db_session, slug, viewer)
        participant = await require_participant(db_session, viewer, assembly)
        form = await read_form(request)
        if form.get("consent") == "yes":
            return Redirect(f"/assemblies/{assembly.slug}/about-you/questions", status_code=303)
        await services.decline_demographics(db_session, participant)
        return Redirect(f"/assemblies/{assembly.slug}?joined=1", status_code=303)

    @get("/{slug:str}/about-you/questions", name="demographics")
    async def questions_form(
        self, db_session: AsyncSession, viewer: Viewer, slug: str
    ) -> Response[Any]:
        assembly = await get_visible_assembly(db_session, slug, viewer)
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
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: Viewer, slug: str
    ) -> Response[Any]:
        assembly = await get_visible_assembly(db_session, slug, viewer)
        participant = await require_participant(db_session, viewer, assembly)
        questions = services.questions_of(assembly)
        answers = demographic_answers(await read_form(request), questions)
        try:
            await services.save_demographics(db_session, assembly, participant, answers)
        except FormError as exc:
            return page(
                "participants/questions.html",
                assembly=assembly,
                questions=questions,
                values=demographic_values(answers),
                errors=exc.errors,
                status_code=400,
            )
        return Redirect(f"/assemblies/{assembly.slug}?joined=1", status_code=303)
