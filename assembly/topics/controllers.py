"""Facilitator pages of a topic (set-up, phases, schedule, paper ballots) and the present view."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Response, Template
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.assemblies.services import get_assembly, is_facilitator_of
from assembly.ballots import paper
from assembly.ballots import services as ballot_services
from assembly.ballots.forms import (
    BallotFormError,
    BallotOptions,
    checked_values,
    is_check,
    parse_ballot,
    values_from_content,
)
from assembly.ballots.results import METHOD_LABELS, describe_ballot
from assembly.db.models import BALLOT_SECRECY, PHASES, Assembly, Ballot, Topic
from assembly.errors import InvalidInput
from assembly.i18n import current_locale
from assembly.proposals.services import visible_proposal_options
from assembly.topics import forms as params_form
from assembly.topics import lifecycle, room, services
from assembly.topics.phases import SCHEDULED_PHASES, next_phase, previous_phase
from assembly.voting import METHODS
from assembly.web.auth import Viewer
from assembly.web.forms import read_form
from assembly.web.guards import facilitators_only
from assembly.web.loaders import MANAGED_TOPIC
from assembly.web.templating import page

TOPIC_FIELDS = (
    "question",
    "background",
    "spotlight_area",
    "voting_method",
    "seats",
    params_form.IMPORT_FIELD,
    "ballot_secrecy",
    "phase",
)


def manage_url(assembly: Assembly, topic: Topic | None = None) -> str:
    base = f"/manage/assemblies/{assembly.slug}"
    return f"{base}/topics/{topic.slug}" if topic is not None else base


async def _form_page(
    db: AsyncSession,
    assembly: Assembly,
    topic: Topic | None,
    values: dict[str, Any],
    errors: dict[str, Any],
    status_code: int = 200,
) -> Template:
    locale = current_locale.get()
    areas = await services.list_areas(db)
    area_value = str(values.get("spotlight_area", ""))
    area_id = int(area_value) if area_value.isdigit() else None
    practices = await services.list_practices(db)
    return page(
        "topics/form.html",
        assembly=assembly,
        topic=topic,
        values=values,
        errors=errors,
        selected_practices=[str(p) for p in values.get("practices", [])],
        areas=[("", "")] + [(str(a.id), a.name(locale)) for a in areas],
        practice_options=services.practice_choices(practices, area_id, locale),
        methods=[(m.id, METHOD_LABELS.get(m.id, m.label)) for m in METHODS.values()],
        method_labels=METHOD_LABELS,
        secrecy_labels=services.SECRECY_LABELS,
        method_sections=params_form.method_sections(str(values.get("voting_method") or "")),
        proposal_choices=await visible_proposal_options(db, topic) if topic is not None else [],
        locked_params=params_form.settings_summary(topic.voting_method, topic.voting_params or {})
        if topic is not None
        else [],
        multi_winner=[m.id for m in METHODS.values() if m.multi_winner],
        secrecy=[(s, services.SECRECY_LABELS[s]) for s in BALLOT_SECRECY],
        phases=[(p, services.PHASE_LABELS[p]) for p in services.STARTING_PHASES],
        locked=topic is not None and services.voting_locked(topic),
        status_code=status_code,
    )


def _read_topic_form(form: Any, shown: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The form's values; ``shown`` are the values the form was shown with."""
    values: dict[str, Any] = {name: form.get(name) for name in TOPIC_FIELDS}
    sent = set(form.getlist(params_form.SECTION_FIELD))
    for method in METHODS:
        params = params_form.form_parameters(method)
        names = [params_form.field_name(method, p.name) for p in params]
        if method not in sent and not any(name in form.lists for name in names):
            # The browser sends no field of a hidden (disabled) method: it keeps what it
            # showed, so switching methods after a refused save or without the script
            # offers the defaults (grades in the reader's words) rather than empty fields.
            values.update({name: shown.get(name) for name in names})
            continue
        for param in params:
            name = params_form.field_name(method, param.name)
            values[name] = form.getlist(name) if params_form.list_field(param) else form.get(name)
    practice_ids = [p for p in form.getlist("practices") if p]
    values["practices"] = practice_ids
    return values, practice_ids


async def _manage_page(
    db: AsyncSession,
    assembly: Assembly,
    topic: Topic,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Template:
    rows = services.schedule_rows(topic, assembly.time_zone)
    schedule_values = {services.schedule_field(r.phase): r.input_value for r in rows}
    return page(
        "topics/manage.html",
        assembly=assembly,
        topic=topic,
        base=manage_url(assembly, topic),
        phase_labels=services.PHASE_LABELS,
        next_phase=next_phase(topic.phase),
        previous_phase=previous_phase(topic.phase),
        schedule=rows,
        values={**schedule_values, **(values or {})},
        errors=errors or {},
        ballots=await services.ballot_count(db, topic),
        options=len(await services.voting_options(db, topic)),
        method_label=METHOD_LABELS.get(topic.voting_method, topic.voting_method),
        secrecy_label=services.SECRECY_LABELS.get(topic.ballot_secrecy, topic.ballot_secrecy),
        status_code=status_code,
    )


async def _paper_ballot_page(
    db: AsyncSession,
    assembly: Assembly,
    topic: Topic,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, Any] | None = None,
    stored: bool = False,
    checked: bool = False,
    notice: str = "",
    status_code: int = 200,
) -> Template:
    voters = await room.paper_voters(db, assembly, topic)
    options = await ballot_services.ballot_options(db, topic)
    titles = await ballot_services.option_titles(db, topic)
    entered = [
        (row, describe_ballot(options.kind, row.content, titles))
        for row in await paper.paper_ballots(db, topic)
    ]
    return page(
        "topics/paper_ballots.html",
        assembly=assembly,
        topic=topic,
        base=manage_url(assembly, topic),
        phase_label=services.PHASE_LABELS[topic.phase],
        voting_open=topic.phase == "voting",
        options=options,
        voters=[("", "")] + [(str(v.id), v.pseudonym) for v in voters],
        paper_ballots=len(entered),
        entered=entered,
        values=values or {},
        errors=errors or {},
        stored=stored,
        checked=checked,
        notice=notice,
        status_code=status_code,
    )


def _correction_page(
    assembly: Assembly,
    topic: Topic,
    ballot: Ballot,
    options: BallotOptions,
    values: dict[str, Any],
    errors: dict[str, Any] | None = None,
    *,
    checked: bool = False,
    status_code: int = 200,
) -> Template:
    return page(
        "topics/paper_ballot_edit.html",
        assembly=assembly,
        topic=topic,
        ballot_id=str(ballot.id),
        reference=paper.reference_of(ballot),
        base=manage_url(assembly, topic),
        voting_open=topic.phase == "voting",
        options=options,
        values=values,
        errors=errors or {},
        checked=checked,
        status_code=status_code,
    )


class ManageTopicController(Controller):
    path = "/manage/assemblies/{slug:str}/topics"
    guards = (facilitators_only,)
    dependencies = MANAGED_TOPIC

    @get("/new", name="topic_new")
    async def new_form(self, assembly: Assembly, db_session: AsyncSession) -> Template:
        values = {
            **params_form.default_values(),
            "voting_method": "approval",
            "seats": "1",
            "ballot_secrecy": "secret",
            "phase": "draft",
            "practices": [],
        }
        return await _form_page(db_session, assembly, None, values, {})

    @post("/new", name="topic_create")
    async def create(
        self,
        assembly: Assembly,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        db_session: AsyncSession,
    ) -> Response[Any]:
        form = await read_form(request)
        values, practice_ids = _read_topic_form(form, params_form.default_values())
        if form.get("show_method"):
            return await _form_page(db_session, assembly, None, values, {})
        try:
            topic = await services.create_topic(
                db_session, assembly, values, practice_ids, viewer.require_account().id
            )
        except InvalidInput as exc:
            return await _form_page(db_session, assembly, None, values, exc.errors, 400)
        return Redirect(manage_url(assembly, topic), status_code=303)

    @get("/{topic_slug:str}", name="topic_manage")
    async def manage(self, assembly: Assembly, topic: Topic, db_session: AsyncSession) -> Template:
        return await _manage_page(db_session, assembly, topic)

    @get("/{topic_slug:str}/edit", name="topic_edit")
    async def edit_form(
        self, assembly: Assembly, topic: Topic, db_session: AsyncSession
    ) -> Template:
        return await _form_page(db_session, assembly, topic, services.topic_form_values(topic), {})

    @post("/{topic_slug:str}/edit", name="topic_update")
    async def update(
        self,
        assembly: Assembly,
        topic: Topic,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        db_session: AsyncSession,
    ) -> Response[Any]:
        form = await read_form(request)
        values, practice_ids = _read_topic_form(form, services.topic_form_values(topic))
        if form.get("show_method") and not services.voting_locked(topic):
            return await _form_page(db_session, assembly, topic, values, {})
        try:
            await services.update_topic(
                db_session, topic, values, practice_ids, viewer.require_account().id
            )
        except InvalidInput as exc:
            if services.voting_locked(topic):
                values = {**services.topic_form_values(topic), **values}
            return await _form_page(db_session, assembly, topic, values, exc.errors, 400)
        return Redirect(manage_url(assembly, topic), status_code=303)

    @post("/{topic_slug:str}/phase", name="topic_phase")
    async def move_phase(
        self,
        assembly: Assembly,
        topic: Topic,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        db_session: AsyncSession,
    ) -> Response[Any]:
        form = await read_form(request)
        target = form.get("phase")
        confirmed = form.get("confirm") == "yes"
        if target in PHASES and services.is_backward(topic, target) and not confirmed:
            return page(
                "topics/phase_confirm.html",
                assembly=assembly,
                topic=topic,
                base=manage_url(assembly, topic),
                target=target,
                phase_labels=services.PHASE_LABELS,
                ballots=await services.ballot_count(db_session, topic),
                schedule=services.schedule_rows(topic, assembly.time_zone),
            )
        try:
            await lifecycle.move_phase(
                db_session, topic, target, viewer.require_account().id, confirmed=confirmed
            )
        except InvalidInput as exc:
            return await _manage_page(
                db_session, assembly, topic, errors=exc.errors, status_code=400
            )
        return Redirect(manage_url(assembly, topic), status_code=303)

    @post("/{topic_slug:str}/schedule", name="topic_schedule")
    async def schedule(
        self,
        assembly: Assembly,
        topic: Topic,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        db_session: AsyncSession,
    ) -> Response[Any]:
        form = await read_form(request)
        values = {
            services.schedule_field(p): form.get(services.schedule_field(p))
            for p in SCHEDULED_PHASES
        }
        try:
            planned = params_form.read_schedule(
                values, services.SCHEDULED_PHASES, assembly.time_zone
            )
            await services.set_schedule(db_session, topic, planned, viewer.require_account().id)
        except InvalidInput as exc:
            return await _manage_page(
                db_session, assembly, topic, values=values, errors=exc.errors, status_code=400
            )
        return Redirect(manage_url(assembly, topic) + "#schedule", status_code=303)


class PaperBallotController(Controller):
    path = "/manage/assemblies/{slug:str}/topics/{topic_slug:str}"
    guards = (facilitators_only,)
    dependencies = MANAGED_TOPIC

    @get("/paper-ballots", name="paper_ballots")
    async def form(
        self,
        assembly: Assembly,
        topic: Topic,
        db_session: AsyncSession,
        stored: str = "",
    ) -> Template:
        notices = {"corrected": "corrected", "voided": "voided"}
        return await _paper_ballot_page(
            db_session,
            assembly,
            topic,
            stored=stored == "1",
            notice=notices.get(stored, ""),
        )

    @post("/paper-ballots", name="paper_ballots_submit")
    async def submit(
        self,
        assembly: Assembly,
        topic: Topic,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        db_session: AsyncSession,
    ) -> Response[Any]:
        form = await read_form(request)
        if is_check(form):
            options = await ballot_services.ballot_options(db_session, topic)
            values, errors = checked_values(form, options)
            return await _paper_ballot_page(
                db_session,
                assembly,
                topic,
                values={**values, "participant": form.get("participant")},
                errors=errors,
                checked=True,
                status_code=400 if errors else 200,
            )
        blank = form.get("action") == "blank"
        participant = form.get("participant").strip()
        options = await ballot_services.ballot_options(db_session, topic)
        try:
            parsed = parse_ballot(form, options, allow_blank=blank)
            await room.store_paper_ballot(
                db_session, topic, parsed, participant, viewer.require_account().id, blank=blank
            )
        except (BallotFormError, room.PaperBallotError) as exc:
            return await _paper_ballot_page(
                db_session,
                assembly,
                topic,
                values={**exc.values, "participant": participant},
                errors=exc.errors,
                status_code=400,
            )
        url = manage_url(assembly, topic) + "/paper-ballots?stored=1"
        return Redirect(url, status_code=303)

    @get("/paper-ballots/{ballot_id:str}/edit", name="paper_ballot_edit")
    async def edit_form(
        self, assembly: Assembly, topic: Topic, ballot_id: str, db_session: AsyncSession
    ) -> Template:
        ballot = await paper.get_paper_ballot(db_session, topic, ballot_id)
        if ballot is None:
            raise NotFoundException()
        options = await ballot_services.ballot_options(db_session, topic)
        return _correction_page(
            assembly, topic, ballot, options, values_from_content(options, ballot.content)
        )

    @post("/paper-ballots/{ballot_id:str}/edit", name="paper_ballot_update")
    async def update(
        self,
        assembly: Assembly,
        topic: Topic,
        ballot_id: str,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        db_session: AsyncSession,
    ) -> Response[Any]:
        ballot = await paper.get_paper_ballot(db_session, topic, ballot_id)
        if ballot is None:
            raise NotFoundException()
        options = await ballot_services.ballot_options(db_session, topic)
        form = await read_form(request)
        values: dict[str, Any] = {}
        try:
            parsed = parse_ballot(form, options, allow_blank=True)
            values = parsed.values
            if is_check(form):
                return _correction_page(assembly, topic, ballot, options, values, checked=True)
            await paper.correct_paper_ballot(
                db_session, topic, ballot, parsed.content, viewer.require_account().id
            )
        except InvalidInput as exc:
            if isinstance(exc, BallotFormError):
                values = exc.values
            return _correction_page(
                assembly, topic, ballot, options, values, exc.errors, status_code=400
            )
        url = manage_url(assembly, topic) + "/paper-ballots?stored=corrected#entered"
        return Redirect(url, status_code=303)

    @post("/paper-ballots/{ballot_id:str}/void", name="paper_ballot_void")
    async def void(
        self,
        assembly: Assembly,
        topic: Topic,
        ballot_id: str,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        db_session: AsyncSession,
    ) -> Response[Any]:
        ballot = await paper.get_paper_ballot(db_session, topic, ballot_id)
        if ballot is None:
            raise NotFoundException()
        form = await read_form(request)
        try:
            await paper.void_paper_ballot(
                db_session, topic, ballot, form.get("reason"), viewer.require_account().id
            )
        except InvalidInput as exc:
            return await _paper_ballot_page(
                db_session, assembly, topic, errors=exc.errors, status_code=400
            )
        url = manage_url(assembly, topic) + "/paper-ballots?stored=voided#entered"
        return Redirect(url, status_code=303)

    @post("/paper-participants", name="paper_participant_create")
    async def register_participant(
        self,
        assembly: Assembly,
        topic: Topic,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        db_session: AsyncSession,
    ) -> Response[Any]:
        form = await read_form(request)
        values = {"pseudonym": form.get("pseudonym")}
        try:
            await room.register_paper_participant(
                db_session, assembly, values["pseudonym"], viewer.require_account().id
            )
        except InvalidInput as exc:
            return await _paper_ballot_page(
                db_session, assembly, topic, values=values, errors=exc.errors, status_code=400
            )
        return Redirect(manage_url(assembly, topic) + "/paper-ballots#voters", status_code=303)


class PresentController(Controller):
    """The projector view: readable across a room, refreshed by the browser, no JavaScript."""

    @get("/assemblies/{slug:str}/topics/{topic_slug:str}/present", name="topic_present")
    async def present(
        self, slug: str, topic_slug: str, viewer: Viewer, db_session: AsyncSession
    ) -> Template:
        assembly = await get_assembly(db_session, slug)
        facilitating = is_facilitator_of(viewer, assembly)
        if not facilitating and assembly.status != "published":
            raise NotFoundException()
        topic = await services.get_topic(db_session, assembly, topic_slug)
        if topic.phase == "draft" and not facilitating:
            raise NotFoundException()
        return page(
            "present/topic.html",
            **await room.present_context(db_session, assembly, topic, facilitating=facilitating),
        )
