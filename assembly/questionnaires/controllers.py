"""Questionnaire pages: building and results for researchers and facilitators, answering for
citizens. Every page works without JavaScript."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Response, Template
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.assemblies.services import get_visible_assembly
from assembly.db.models import WAVES, Assembly, Participant, Questionnaire
from assembly.errors import Conflict, InvalidInput
from assembly.exports.controllers import get_research_assembly
from assembly.i18n import _l, current_locale
from assembly.i18n import gettext as _
from assembly.proposals.services import require_participant
from assembly.questionnaires import services
from assembly.questionnaires.forms import read_item
from assembly.questionnaires.instruments import TEMPLATES
from assembly.questionnaires.items import SCALE_KINDS, sub_keys, text_in
from assembly.questionnaires.research import research_figures
from assembly.questionnaires.views import change_row, fields, form_values, wave_label
from assembly.web.auth import Viewer
from assembly.web.forms import read_form
from assembly.web.templating import page


def _locale(assembly: Assembly) -> str:
    return current_locale.get() or assembly.language


def _template_labels() -> list[tuple[str, str]]:
    return [("", _("An empty questionnaire"))] + [
        (key, text_in(t["title"], current_locale.get())) for key, t in TEMPLATES.items()
    ]


class ResearchQuestionnaireController(Controller):
    path = "/research/{slug:str}/questionnaires"
    include_in_schema = False

    @get("", name="questionnaires_manage")
    async def index(self, slug: str, viewer: Viewer, db_session: AsyncSession) -> Template:
        assembly = await get_research_assembly(db_session, slug, viewer)
        research = await research_figures(db_session, assembly, _locale(assembly))
        return page(
            "questionnaires/manage.html",
            assembly=assembly,
            research=research,
            templates=_template_labels(),
            waves=[(w, wave_label(w)) for w in WAVES],
            text_in=text_in,
            locale=_locale(assembly),
            change_row=change_row,
            values={"wave": "pre", "template": "evaluation"},
            errors={},
        )

    @post("", name="questionnaires_create")
    async def create(
        self, slug: str, request: Request[Any, Any, Any], viewer: Viewer, db_session: AsyncSession
    ) -> Redirect:
        account = viewer.require_account()
        assembly = await get_research_assembly(db_session, slug, viewer)
        form = await read_form(request)
        await services.create_questionnaire(
            db_session,
            assembly,
            template=form.get("template") or None,
            wave=form.get("wave"),
            actor_id=account.id,
        )
        return Redirect(f"/research/{slug}/questionnaires", status_code=303)

    @post("/{qid:int}/status", name="questionnaires_status")
    async def status(
        self,
        slug: str,
        qid: int,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        db_session: AsyncSession,
    ) -> Redirect:
        assembly = await get_research_assembly(db_session, slug, viewer)
        questionnaire = await services.get_questionnaire(db_session, assembly, qid)
        form = await read_form(request)
        await services.update_questionnaire(db_session, questionnaire, status=form.get("status"))
        return Redirect(f"/research/{slug}/questionnaires", status_code=303)

    @get("/{qid:int}/edit", name="questionnaire_edit")
    async def edit(self, slug: str, qid: int, viewer: Viewer, db_session: AsyncSession) -> Template:
        assembly = await get_research_assembly(db_session, slug, viewer)
        questionnaire = await services.get_questionnaire(db_session, assembly, qid)
        return _edit_page(assembly, questionnaire, {"kind": "likert"}, {})

    @post("/{qid:int}/items", name="questionnaire_items")
    async def change_items(
        self,
        slug: str,
        qid: int,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        db_session: AsyncSession,
    ) -> Response[Any]:
        """Add a question, or remove one (``remove``); a new version once answers exist."""
        assembly = await get_research_assembly(db_session, slug, viewer)
        questionnaire = await services.get_questionnaire(db_session, assembly, qid)
        form = await read_form(request)
        values = {key: form.get(key) for key in ITEM_FIELDS}
        try:
            if form.get("remove"):
                items = [i for i in questionnaire.items if i["key"] != form.get("remove")]
            else:
                items = [*questionnaire.items, read_item(values)]
            target = await services.update_questionnaire(db_session, questionnaire, items=items)
        except (InvalidInput, Conflict) as exc:
            return _edit_page(assembly, questionnaire, values, exc.errors, status_code=400)
        return Redirect(f"/research/{slug}/questionnaires/{target.id}/edit", status_code=303)

    @post("/{qid:int}/summary", name="questionnaire_summary")
    async def choose_summary(
        self,
        slug: str,
        qid: int,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        db_session: AsyncSession,
    ) -> Redirect:
        """The items whose results the assembly summary shows."""
        assembly = await get_research_assembly(db_session, slug, viewer)
        questionnaire = await services.get_questionnaire(db_session, assembly, qid)
        form = await read_form(request)
        await services.update_questionnaire(
            db_session, questionnaire, summary_items=form.getlist("summary")
        )
        return Redirect(f"/research/{slug}/questionnaires/{qid}/edit", status_code=303)

    @get("/{qid:int}/print", name="questionnaires_print")
    async def printable(
        self, slug: str, qid: int, viewer: Viewer, db_session: AsyncSession
    ) -> Template:
        assembly = await get_research_assembly(db_session, slug, viewer)
        questionnaire = await services.get_questionnaire(db_session, assembly, qid)
        locale = _locale(assembly)
        return page(
            "questionnaires/print.html",
            assembly=assembly,
            questionnaire=questionnaire,
            title=text_in(questionnaire.title, locale),
            intro=text_in(questionnaire.intro, locale),
            fields=fields(questionnaire.items, {}, locale),
        )


ITEM_FIELDS = (
    "key",
    "kind",
    "text_en",
    "text_nb",
    "options",
    "rows",
    "required",
    "dont_know",
    "min",
    "max",
    "show_if_item",
    "show_if_equals",
    "correct",
)
KIND_LABELS: dict[str, Any] = {
    "single": _l("Single choice"),
    "multiple": _l("Multiple choice"),
    "likert": _l("Scale with labelled points (Likert)"),
    "number": _l("Number"),
    "short": _l("Short text"),
    "long": _l("Long text"),
    "grid": _l("Grid of statements sharing one scale"),
}


def _edit_page(
    assembly: Assembly,
    questionnaire: Questionnaire,
    values: dict[str, Any],
    errors: dict[str, Any],
    status_code: int = 200,
) -> Template:
    locale = _locale(assembly)
    return page(
        "questionnaires/edit.html",
        assembly=assembly,
        questionnaire=questionnaire,
        title=text_in(questionnaire.title, locale),
        items=[
            (i["key"], text_in(i.get("text"), locale), str(KIND_LABELS[i["kind"]]))
            for i in questionnaire.items
        ],
        kinds=[(k, str(v)) for k, v in KIND_LABELS.items()],
        summary_options=[
            (i["key"], text_in(i.get("text"), locale))
            for i in questionnaire.items
            if i["kind"] in SCALE_KINDS
        ],
        values=values,
        errors=errors,
        status_code=status_code,
    )


class PaperQuestionnaireController(Controller):
    """Entering paper questionnaires, like paper ballots: one form per sheet."""

    path = "/research/{slug:str}/questionnaires/{qid:int}/paper"
    include_in_schema = False

    @get("", name="questionnaire_paper")
    async def form(self, slug: str, qid: int, viewer: Viewer, db_session: AsyncSession) -> Template:
        assembly = await get_research_assembly(db_session, slug, viewer)
        questionnaire = await services.get_questionnaire(db_session, assembly, qid)
        return _paper_page(assembly, questionnaire, {}, {})

    @post("", name="questionnaire_paper_enter")
    async def enter(
        self,
        slug: str,
        qid: int,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        db_session: AsyncSession,
    ) -> Response[Any]:
        account = viewer.require_account()
        assembly = await get_research_assembly(db_session, slug, viewer)
        questionnaire = await services.get_questionnaire(db_session, assembly, qid)
        form = await read_form(request)
        sent, typed = _sent(form, questionnaire)
        pseudonym = form.strip("pseudonym")
        try:
            await services.enter_paper(
                db_session, assembly, questionnaire, pseudonym, sent, entered_by_id=account.id
            )
        except (InvalidInput, Conflict) as exc:
            status = 409 if isinstance(exc, Conflict) else 400
            return _paper_page(
                assembly,
                questionnaire,
                {**typed, "pseudonym": pseudonym},
                exc.errors,
                status_code=status,
            )
        return _paper_page(assembly, questionnaire, {}, {}, entered=True)


def _paper_page(
    assembly: Assembly,
    questionnaire: Questionnaire,
    values: dict[str, Any],
    errors: dict[str, Any],
    *,
    entered: bool = False,
    status_code: int = 200,
) -> Template:
    locale = _locale(assembly)
    shown, selected = form_values(values)
    return page(
        "questionnaires/paper.html",
        assembly=assembly,
        questionnaire=questionnaire,
        title=text_in(questionnaire.title, locale),
        fields=fields(questionnaire.items, {}, locale),
        values=shown,
        selected=selected,
        errors=errors,
        entered=entered,
        status_code=status_code,
    )


def _sent(form: Any, questionnaire: Questionnaire) -> tuple[dict[str, list[str]], dict[str, Any]]:
    sent = {key: form.getlist(key) for item in questionnaire.items for key in sub_keys(item)}
    typed = {k: v[0] if len(v) == 1 else v for k, v in sent.items() if v}
    return sent, typed


def _answer_page(
    assembly: Assembly,
    questionnaire: Questionnaire,
    answers: dict[str, Any],
    errors: dict[str, Any],
    *,
    consent: bool | None,
    status_code: int = 200,
    sent: bool = False,
) -> Template:
    locale = _locale(assembly)
    values, selected = form_values(answers)
    return page(
        "questionnaires/answer.html",
        assembly=assembly,
        questionnaire=questionnaire,
        title=text_in(questionnaire.title, locale),
        intro=text_in(questionnaire.intro, locale),
        source=questionnaire.source,
        fields=fields(questionnaire.items, answers, locale),
        values=values,
        selected=selected,
        errors=errors,
        consent=consent,
        sent=sent,
        status_code=status_code,
    )


class QuestionnaireController(Controller):
    path = "/assemblies/{slug:str}/questionnaires"
    include_in_schema = False

    async def _load(
        self, db: AsyncSession, viewer: Viewer, slug: str, qid: int
    ) -> tuple[Assembly, Participant, Questionnaire]:
        assembly = await get_visible_assembly(db, slug, viewer, topics=False)
        participant = await require_participant(db, viewer, assembly)
        return assembly, participant, await services.get_questionnaire(db, assembly, qid)

    @get("", name="questionnaires_list")
    async def index(self, slug: str, viewer: Viewer, db_session: AsyncSession) -> Template:
        assembly = await get_visible_assembly(db_session, slug, viewer, topics=False)
        participant = await require_participant(db_session, viewer, assembly)
        pending = await services.pending_for(db_session, assembly, participant)
        locale = _locale(assembly)
        return page(
            "questionnaires/list.html",
            assembly=assembly,
            pending=[(q, text_in(q.title, locale), wave_label(q.wave)) for q in pending],
        )

    @get("/{qid:int}", name="questionnaire_answer")
    async def show(self, slug: str, qid: int, viewer: Viewer, db_session: AsyncSession) -> Template:
        assembly, participant, questionnaire = await self._load(db_session, viewer, slug, qid)
        response = await services.response_of(db_session, questionnaire, participant)
        errors: dict[str, Any] = {}
        if questionnaire.status != "open" and not (response and response.status == "submitted"):
            errors[""] = _("This questionnaire is not open for answers.")
        return _answer_page(
            assembly,
            questionnaire,
            dict(response.answers) if response else {},
            errors,
            consent=response.consent if response else None,
            sent=bool(response and response.status == "submitted"),
        )

    @post("/{qid:int}/consent", name="questionnaire_consent")
    async def consent(
        self,
        slug: str,
        qid: int,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        db_session: AsyncSession,
    ) -> Response[Any]:
        assembly, participant, questionnaire = await self._load(db_session, viewer, slug, qid)
        form = await read_form(request)
        try:
            await services.give_consent(
                db_session, questionnaire, participant, form.get("consent") == "yes"
            )
        except Conflict as exc:
            return _answer_page(
                assembly, questionnaire, {}, exc.errors, consent=None, status_code=409
            )
        if form.get("consent") != "yes":
            return Redirect(f"/assemblies/{slug}/questionnaires", status_code=303)
        return Redirect(f"/assemblies/{slug}/questionnaires/{qid}", status_code=303)

    @post("/{qid:int}", name="questionnaire_submit")
    async def submit(
        self,
        slug: str,
        qid: int,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        db_session: AsyncSession,
    ) -> Response[Any]:
        assembly, participant, questionnaire = await self._load(db_session, viewer, slug, qid)
        form = await read_form(request)
        sent, typed = _sent(form, questionnaire)
        finishing = form.get("action") != "save"
        try:
            await services.save_answers(
                db_session, questionnaire, participant, sent, submit=finishing
            )
        except (InvalidInput, Conflict) as exc:
            status = 409 if isinstance(exc, Conflict) else 400
            return _answer_page(
                assembly, questionnaire, typed, exc.errors, consent=True, status_code=status
            )
        if not finishing:
            return Redirect(f"/assemblies/{slug}/questionnaires/{qid}?saved=1", status_code=303)
        return Redirect(f"/assemblies/{slug}/questionnaires/{qid}", status_code=303)

    @post("/{qid:int}/withdraw", name="questionnaire_withdraw")
    async def withdraw(
        self, slug: str, qid: int, viewer: Viewer, db_session: AsyncSession
    ) -> Redirect:
        _assembly, participant, questionnaire = await self._load(db_session, viewer, slug, qid)
        await services.withdraw(db_session, questionnaire, participant)
        return Redirect(f"/assemblies/{slug}/questionnaires", status_code=303)
