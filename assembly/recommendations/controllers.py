"""The members' drafting pages: the list, a recommendation, writing and editing one, proposing
amendments, minority statements and the text's history."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.response import Redirect, Response, Template
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.ballots import services as ballots
from assembly.errors import Conflict, InvalidInput, NotAllowed
from assembly.i18n import current_locale
from assembly.i18n import gettext as _
from assembly.recommendations import amendments as amending
from assembly.recommendations import forms, minority, services
from assembly.recommendations.context import (
    DraftingContext,
    provide_drafting,
    provide_drafting_write,
)
from assembly.recommendations.diff import amendment_diff
from assembly.recommendations.pages import recommendation_views
from assembly.recommendations.phases import (
    AMENDING_PHASES,
    DRAFTING_PHASES,
    MINORITY_PHASES,
    PHASE_HINTS,
    PHASE_LABELS,
    WRITING_PHASES,
    planned_starts,
)
from assembly.recommendations.report import verdict_sentence
from assembly.recommendations.voting import is_open, load_target
from assembly.web.forms import read_form
from assembly.web.templating import page


def common(ctx: DraftingContext, **extra: Any) -> dict[str, Any]:
    """What every drafting page shows: the phase, its labels, who the viewer is."""
    return {
        "assembly": ctx.assembly,
        "process": ctx.process,
        "phase": ctx.phase,
        "phase_labels": PHASE_LABELS,
        "phase_hints": PHASE_HINTS,
        "phases": DRAFTING_PHASES,
        "actor": ctx.actor,
        "participant": ctx.participant,
        "base": ctx.base,
        "schedule": planned_starts(DRAFTING_PHASES, ctx.process.phase_schedule),
        "can_draft": ctx.actor.may_draft and ctx.phase in WRITING_PHASES,
        "can_amend": (ctx.participant is not None or ctx.actor.facilitator)
        and ctx.phase in AMENDING_PHASES,
        "can_state": ctx.participant is not None
        and ctx.phase in MINORITY_PHASES
        and ctx.process.report_published_at is None,
        "verdict_sentence": verdict_sentence,
        **extra,
    }


async def _form_page(
    db: AsyncSession,
    ctx: DraftingContext,
    *,
    values: dict[str, Any],
    errors: dict[str, Any] | None = None,
    recommendation: Any = None,
    status_code: int = 200,
) -> Template:
    locale = current_locale.get()
    notes = await services.linkable_table_notes(db, ctx.assembly)
    return page(
        "recommendations/form.html",
        status_code=status_code,
        **common(
            ctx,
            recommendation=recommendation,
            values=values,
            errors=errors or {},
            proposal_choices=[
                (str(pid), f"{title} ({question})")
                for pid, title, question in await services.linkable_proposals(db, ctx.assembly)
            ],
            note_choices=[
                (
                    str(n.id),
                    _(
                        "Round %(round)s, table %(table)s: %(points)s",
                        round=n.round_number,
                        table=n.table_number,
                        points=(n.key_points or n.agreements or n.dissent)[:120],
                    ),
                )
                for n in notes
            ],
            practice_choices=[
                (str(p.id), p.title(locale)) for p in await services.all_practices(db)
            ],
        ),
    )


async def _show_page(
    db: AsyncSession,
    ctx: DraftingContext,
    number: int,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, Any] | None = None,
    status_code: int = 200,
    notice: str = "",
) -> Template:
    recommendation = await services.get_recommendation(db, ctx.assembly, number)
    (view,) = await recommendation_views(
        db,
        ctx.assembly,
        [recommendation],
        viewer_participant_id=ctx.participant.id if ctx.participant else None,
        facilitator_label=_("a facilitator"),
    )
    target = await load_target(db, ctx.assembly, number, None)
    voted = ctx.participant is not None and (
        target.topic is not None and await ballots.has_voted(db, target.topic, ctx.participant.id)
    )
    amendment_votes = {}
    for amendment in view.amendments:
        if amendment.motion is not None and ctx.participant is not None:
            amendment_votes[amendment.number] = await ballots.has_voted(
                db, amendment.motion, ctx.participant.id
            )
    return page(
        "recommendations/show.html",
        status_code=status_code,
        **common(
            ctx,
            view=view,
            recommendation=recommendation,
            vote_open=is_open(ctx.process, target),
            voted=voted,
            amendment_votes=amendment_votes,
            minimum=ctx.process.minority_signatures,
            values=values or {},
            errors=errors or {},
            notice=notice,
        ),
    )


class RecommendationController(Controller):
    path = "/assemblies/{slug:str}/recommendations"
    # Pages for people, not the JSON API: they stay out of the OpenAPI schema.
    include_in_schema = False
    dependencies = {  # noqa: RUF012
        "drafting": Provide(provide_drafting),
        "writing": Provide(provide_drafting_write),
    }

    @get("/", name="recommendations")
    async def index(self, db_session: AsyncSession, drafting: DraftingContext) -> Template:
        recommendations = await services.list_recommendations(db_session, drafting.assembly)
        views = await recommendation_views(
            db_session, drafting.assembly, recommendations, with_amendments=False
        )
        return page("recommendations/index.html", **common(drafting, views=views))

    @get("/new", name="recommendation_new")
    async def new_form(
        self, db_session: AsyncSession, drafting: DraftingContext, proposal: int | None = None
    ) -> Template:
        if not drafting.actor.may_draft:
            raise NotAllowed()
        chosen = [str(proposal)] if proposal is not None else []
        return await _form_page(db_session, drafting, values={"proposals": chosen})

    @post("/new", name="recommendation_create")
    async def create(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, writing: DraftingContext
    ) -> Response[Any]:
        form = await read_form(request)
        try:
            made = await services.create_recommendation(
                db_session,
                writing.assembly,
                writing.process,
                forms.recommendation_input(form),
                writing.actor,
            )
        except InvalidInput as exc:
            values = forms.recommendation_values(form)
            return await _form_page(
                db_session, writing, values=values, errors=exc.errors, status_code=400
            )
        return Redirect(f"{writing.base}/{made.number}", status_code=303)

    @get("/{number:int}", name="recommendation")
    async def show(
        self, db_session: AsyncSession, drafting: DraftingContext, number: int, done: str = ""
    ) -> Template:
        return await _show_page(db_session, drafting, number, notice=done)

    @get("/{number:int}/edit", name="recommendation_edit")
    async def edit_form(
        self, db_session: AsyncSession, drafting: DraftingContext, number: int
    ) -> Template:
        recommendation = await services.get_recommendation(db_session, drafting.assembly, number)
        if not drafting.actor.may_draft:
            raise NotAllowed()
        links = await services.links_of(db_session, recommendation)
        clauses = await services.live_clauses(db_session, recommendation)
        values = {
            "title": recommendation.title,
            "clauses": forms.join_clauses([c.text for c in clauses]),
            "rationale": recommendation.rationale,
            "proposals": [str(p[0]) for p in links.proposals],
            "table_notes": [str(n.id) for n in links.table_notes],
            "practices": [str(p.id) for p in links.practices],
            "revision": str(recommendation.revision),
        }
        return await _form_page(db_session, drafting, values=values, recommendation=recommendation)

    @post("/{number:int}/edit", name="recommendation_update")
    async def update(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        writing: DraftingContext,
        number: int,
    ) -> Response[Any]:
        recommendation = await services.get_recommendation(db_session, writing.assembly, number)
        form = await read_form(request)
        try:
            await services.update_recommendation(
                db_session,
                writing.assembly,
                writing.process,
                recommendation,
                forms.recommendation_input(form),
                writing.actor,
            )
        except InvalidInput as exc:
            return await _form_page(
                db_session,
                writing,
                values=forms.recommendation_values(form),
                errors=exc.errors,
                recommendation=recommendation,
                status_code=400,
            )
        except Conflict as exc:
            return await _form_page(
                db_session,
                writing,
                values=forms.recommendation_values(form),
                errors=exc.errors,
                recommendation=recommendation,
                status_code=409,
            )
        return Redirect(f"{writing.base}/{number}", status_code=303)

    @get("/{number:int}/history", name="recommendation_history")
    async def history(
        self, db_session: AsyncSession, drafting: DraftingContext, number: int
    ) -> Template:
        recommendation = await services.get_recommendation(db_session, drafting.assembly, number)
        revisions = await services.revisions_of(db_session, recommendation)
        return page(
            "recommendations/history.html",
            **common(drafting, recommendation=recommendation, revisions=revisions),
        )

    @get("/{number:int}/amend", name="amendment_new")
    async def amend_form(
        self,
        db_session: AsyncSession,
        drafting: DraftingContext,
        number: int,
        clause: int | None = None,
        kind: str = "replace",
        again: int | None = None,
    ) -> Template:
        values: dict[str, Any] = {"kind": kind, "clause": "", "text": "", "reason": ""}
        recommendation = await services.get_recommendation(db_session, drafting.assembly, number)
        clauses = await services.live_clauses(db_session, recommendation)
        by_id = {c.id: c for c in clauses}
        if again is not None:
            earlier = await amending.get_amendment(db_session, recommendation, again)
            values.update(kind=earlier.kind, text=earlier.text, reason=earlier.reason)
            clause = earlier.clause_id
        if clause in by_id:
            values["clause"] = forms.clause_choice(by_id[clause].id, by_id[clause].version)
        return await _amend_page(db_session, drafting, recommendation, values=values)

    @post("/{number:int}/amend", name="amendment_create")
    async def amend(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        writing: DraftingContext,
        number: int,
    ) -> Response[Any]:
        recommendation = await services.get_recommendation(db_session, writing.assembly, number)
        form = await read_form(request)
        try:
            amendment = await amending.propose_amendment(
                db_session,
                writing.assembly,
                writing.process,
                recommendation,
                forms.amendment_input(form),
                writing.actor,
            )
        except amending.ClauseChanged as exc:
            values = forms.amendment_values(form)
            if exc.clause is not None:
                values["clause"] = forms.clause_choice(exc.clause.id, exc.clause.version)
            return await _amend_page(
                db_session,
                writing,
                recommendation,
                values=values,
                errors=exc.errors,
                changed=exc.clause,
                status_code=409,
            )
        except InvalidInput as exc:
            return await _amend_page(
                db_session,
                writing,
                recommendation,
                values=forms.amendment_values(form),
                errors=exc.errors,
                status_code=400,
            )
        return Redirect(f"{writing.base}/{number}#amendment-{amendment.number}", status_code=303)

    @post("/{number:int}/amendments/{amendment:int}/withdraw", name="amendment_withdraw")
    async def withdraw(
        self, db_session: AsyncSession, writing: DraftingContext, number: int, amendment: int
    ) -> Response[Any]:
        recommendation = await services.get_recommendation(db_session, writing.assembly, number)
        found = await amending.get_amendment(db_session, recommendation, amendment)
        await amending.withdraw_amendment(db_session, writing.assembly, found, writing.actor)
        return Redirect(f"{writing.base}/{number}#amendment-{amendment}", status_code=303)

    @post("/{number:int}/minority", name="minority_create")
    async def add_statement(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        writing: DraftingContext,
        number: int,
    ) -> Response[Any]:
        participant = writing.require_member()
        recommendation = await services.get_recommendation(db_session, writing.assembly, number)
        text = (await read_form(request)).get("statement")
        try:
            statement = await minority.add_statement(
                db_session, writing.assembly, writing.process, recommendation, participant, text
            )
        except InvalidInput as exc:
            return await _show_page(
                db_session,
                writing,
                number,
                values={"statement": text},
                errors=exc.errors,
                status_code=400,
            )
        return Redirect(f"{writing.base}/{number}#statement-{statement.id}", status_code=303)

    @post("/{number:int}/minority/{statement:int}/sign", name="minority_sign")
    async def sign(
        self, db_session: AsyncSession, writing: DraftingContext, number: int, statement: int
    ) -> Response[Any]:
        participant = writing.require_member()
        recommendation = await services.get_recommendation(db_session, writing.assembly, number)
        await minority.sign(
            db_session, writing.assembly, writing.process, recommendation, statement, participant
        )
        return Redirect(f"{writing.base}/{number}#statement-{statement}", status_code=303)

    @post("/{number:int}/minority/{statement:int}/unsign", name="minority_unsign")
    async def unsign(
        self, db_session: AsyncSession, writing: DraftingContext, number: int, statement: int
    ) -> Response[Any]:
        participant = writing.require_member()
        recommendation = await services.get_recommendation(db_session, writing.assembly, number)
        await minority.unsign(
            db_session, writing.assembly, writing.process, recommendation, statement, participant
        )
        return Redirect(f"{writing.base}/{number}#statement-{statement}", status_code=303)


async def _amend_page(
    db: AsyncSession,
    ctx: DraftingContext,
    recommendation: Any,
    *,
    values: dict[str, Any],
    errors: dict[str, Any] | None = None,
    changed: Any = None,
    status_code: int = 200,
) -> Template:
    clauses = await services.live_clauses(db, recommendation)
    choices = [
        (forms.clause_choice(c.id, c.version), _("Clause %(n)s: %(text)s", n=i, text=c.text[:90]))
        for i, c in enumerate(clauses, start=1)
    ]
    preview = None
    if changed is not None and values.get("kind") == "replace":
        preview = amendment_diff("replace", changed.text, values.get("text", ""))
    return page(
        "recommendations/amend.html",
        status_code=status_code,
        **common(
            ctx,
            recommendation=recommendation,
            clauses=clauses,
            clause_choices=choices,
            kind_choices=list(amending.KIND_LABELS.items()),
            values=values,
            errors=errors or {},
            changed=changed,
            preview=preview,
        ),
    )
