"""Facilitator pages for the civic lottery: pool, quotas, draw, fairness report, replacements
and invitations."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect, Response, Template
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.db.models import Assembly, BackgroundJob, SortitionSelection
from assembly.i18n import _, _l, text_direction
from assembly.invitations.controllers import letter_texts, letters_by_language, with_languages
from assembly.invitations.services import sheets_for
from assembly.languages.letters import answer_rates, letter_language
from assembly.settings import Settings
from assembly.sortition import services
from assembly.sortition.forms import (
    ALGORITHM_LABELS,
    MAX_POOL_BYTES,
    MAX_QUOTAS_BYTES,
    Issue,
    ProblemsError,
    clean_household_column,
    decode_csv_upload,
    grid_values,
    parse_draw_settings,
    parse_quota_grid,
    parse_quotas_file,
)
from assembly.sortition.selection import ALGORITHMS
from assembly.web.auth import Viewer
from assembly.web.forms import read_form
from assembly.web.guards import facilitators_only
from assembly.web.loaders import MANAGED_ASSEMBLY
from assembly.web.templating import page

SELECTION_STATUS_LABELS = {
    "draft": _l("Being set up"),
    "queued": _l("Drawing"),
    "drawn": _l("Drawn"),
    "failed": _l("Failed"),
}
JOB_STATUS_LABELS = {
    "queued": _l("Waiting to start"),
    "running": _l("Running"),
    "done": _l("Finished"),
    "failed": _l("Failed"),
}
MEMBER_STATUS_LABELS = {
    "selected": _l("Selected"),
    "alternate": _l("Alternate"),
    "dropped": _l("Dropped out"),
    "replacement": _l("Replacement"),
}
INVITE_STATUS_LABELS = {
    "": _l("No code yet"),
    "unused": _l("Code not used yet"),
    "used": _l("Joined"),
    "revoked": _l("Code revoked"),
}


def _base(assembly: Assembly) -> str:
    return f"/manage/assemblies/{assembly.slug}/sortition"


async def _uploaded(request: Request[Any, Any, Any], name: str, max_bytes: int) -> bytes | None:
    """The bytes of an uploaded file (at most ``max_bytes`` + 1), or None when none was chosen."""
    value = (await request.form()).get(name)
    if not isinstance(value, UploadFile):
        return None
    try:
        data = await value.read(max_bytes + 1)
    finally:
        await value.close()
    if not data and not value.filename:
        return None
    return data


def _csv_response(text: str, filename: str) -> Response[str]:
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _restartable(selection: SortitionSelection, job: BackgroundJob | None) -> bool:
    """The draw can be set up again: never started, failed, or its job gave up."""
    if selection.status in services.EDITABLE:
        return True
    return selection.status == "queued" and job is not None and job.status == "failed"


def _stopped_issues(selection: SortitionSelection, job: BackgroundJob | None) -> list[Issue]:
    if selection.status == "queued" and job is not None and job.status == "failed":
        return [Issue(_("The draw stopped before it finished."), detail=job.error)]
    return services.failure_issues(selection)


# =========================================================================== pages


async def _index_page(
    db: AsyncSession,
    assembly: Assembly,
    *,
    values: dict[str, str] | None = None,
    issues: list[Issue] | None = None,
    status_code: int = 200,
) -> Template:
    issues = issues or []
    return page(
        "sortition/index.html",
        assembly=assembly,
        base=_base(assembly),
        selections=await services.list_selections(db, assembly),
        status_labels=SELECTION_STATUS_LABELS,
        values=values or {},
        errors={i.field: i.text for i in issues if i.field},
        issues=issues,
        max_kb=MAX_POOL_BYTES // 1024,
        status_code=status_code,
    )


async def _setup_page(
    db: AsyncSession,
    assembly: Assembly,
    selection: SortitionSelection,
    *,
    values: dict[str, str] | None = None,
    issues: list[Issue] | None = None,
    status_code: int = 200,
) -> Template:
    pool = services.pool_of(selection)
    columns, skipped = services.feature_columns_of(selection)
    job = await services.job_of(db, selection)
    if values is None:
        values = {
            "panel_size": str(selection.panel_size or ""),
            "seed": str(selection.seed),
            "algorithm": selection.algorithm if selection.algorithm in ALGORITHMS else "maximin",
            **grid_values(columns, selection.quotas or []),
        }
    shown = issues if issues is not None else _stopped_issues(selection, job)
    return page(
        "sortition/setup.html",
        assembly=assembly,
        base=_base(assembly),
        selection=selection,
        pool=pool,
        columns=columns,
        skipped=skipped,
        values=values,
        errors={i.field: i.text for i in shown if i.field},
        issues=shown,
        stopped=issues is None and bool(shown),
        algorithms=[(name, ALGORITHM_LABELS[name]) for name in ALGORITHMS],
        max_kb=MAX_QUOTAS_BYTES // 1024,
        status_code=status_code,
    )


async def _report_page(
    db: AsyncSession,
    assembly: Assembly,
    selection: SortitionSelection,
    *,
    values: dict[str, str] | None = None,
    issues: list[Issue] | None = None,
    status_code: int = 200,
) -> Template:
    views = await services.member_views(db, selection)
    members = [view.member for view in views]
    report = services.build_report(selection, members)
    issues = issues or []
    return page(
        "sortition/report.html",
        assembly=assembly,
        base=_base(assembly),
        selection=selection,
        report=report,
        panel=[v for v in views if v.member.status in services.SEATED],
        dropped=[v for v in views if v.member.status == "dropped"],
        alternates=[v for v in views if v.member.status == "alternate"],
        uninvited=sum(
            1
            for v in views
            if v.member.status in services.SEATED and v.member.invite_code_id is None
        ),
        not_joined=await services.panel_members_not_joined(db, selection),
        # Answer rates by letter language, for those who were sent a letter.
        answer_rates=answer_rates(
            (
                (v.member.features or {}, v.invite_status == "used")
                for v in views
                if v.member.invite_code_id is not None
            ),
            assembly.language,
        ),
        member_labels=MEMBER_STATUS_LABELS,
        invite_labels=INVITE_STATUS_LABELS,
        values=values or {},
        errors={i.field: i.text for i in issues if i.field},
        issues=issues,
        status_code=status_code,
    )


class SortitionController(Controller):
    path = "/manage/assemblies/{slug:str}/sortition"
    guards = (facilitators_only,)
    dependencies = MANAGED_ASSEMBLY

    @get("/", name="sortition")
    async def index(self, assembly: Assembly, db_session: AsyncSession) -> Template:
        return await _index_page(db_session, assembly)

    @post("/", name="sortition_upload")
    async def upload(
        self,
        assembly: Assembly,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        db_session: AsyncSession,
    ) -> Response[Any]:
        form = await read_form(request)
        values = {"household_column": form.get("household_column")}
        try:
            household = clean_household_column(values["household_column"])
            data = await _uploaded(request, "pool_file", MAX_POOL_BYTES)
            if data is None:
                raise ProblemsError([Issue(_("Choose the pool's CSV file."), "pool_file")])
            text = decode_csv_upload(data, "pool_file", MAX_POOL_BYTES)
            selection = await services.create_selection(
                db_session, assembly, text, household, viewer.require_account().id
            )
        except ProblemsError as exc:
            return await _index_page(
                db_session, assembly, values=values, issues=exc.issues, status_code=400
            )
        return Redirect(f"{_base(assembly)}/{selection.id}/setup", status_code=303)

    @get("/{selection_id:int}", name="sortition_selection")
    async def selection(
        self, assembly: Assembly, selection_id: int, db_session: AsyncSession
    ) -> Redirect:
        selection = await services.get_selection(db_session, assembly, selection_id)
        step = {"drawn": "report", "queued": "progress"}.get(selection.status, "setup")
        return Redirect(f"{_base(assembly)}/{selection.id}/{step}", status_code=303)

    @get("/{selection_id:int}/setup", name="sortition_setup")
    async def setup(
        self, assembly: Assembly, selection_id: int, db_session: AsyncSession
    ) -> Response[Any]:
        selection = await services.get_selection(db_session, assembly, selection_id)
        if not _restartable(selection, await services.job_of(db_session, selection)):
            return Redirect(f"{_base(assembly)}/{selection.id}", status_code=303)
        return await _setup_page(db_session, assembly, selection)

    @post("/{selection_id:int}/setup", name="sortition_draw")
    async def draw(
        self,
        assembly: Assembly,
        selection_id: int,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        db_session: AsyncSession,
    ) -> Response[Any]:
        selection = await services.get_selection(db_session, assembly, selection_id)
        job = await services.job_of(db_session, selection)
        if not _restartable(selection, job):
            return Redirect(f"{_base(assembly)}/{selection.id}", status_code=303)
        form = await read_form(request)
        values = {k: v for k, v in form.values.items() if k != "_csrf_token"}
        columns, _skipped = services.feature_columns_of(selection)
        issues: list[Issue] = []
        settings = quotas = None
        quotas_field = ""
        try:
            settings = parse_draw_settings(values)
        except ProblemsError as exc:
            issues += exc.issues
        try:
            data = await _uploaded(request, "quotas_file", MAX_QUOTAS_BYTES)
            if data is not None:
                quotas_field = "quotas_file"
                quotas = parse_quotas_file(decode_csv_upload(data, "quotas_file", MAX_QUOTAS_BYTES))
                values.update(grid_values(columns, quotas))
            else:
                quotas = parse_quota_grid(values, columns)
        except ProblemsError as exc:
            issues += exc.issues
        try:
            if issues or settings is None or quotas is None:
                raise ProblemsError(issues)
            if selection.status == "queued":  # its job gave up: set it up again
                selection.status = "failed"
            await services.start_draw(
                db_session,
                assembly,
                selection,
                settings,
                quotas,
                viewer.require_account().id,
                quotas_field=quotas_field,
            )
        except ProblemsError as exc:
            return await _setup_page(
                db_session, assembly, selection, values=values, issues=exc.issues, status_code=400
            )
        return Redirect(f"{_base(assembly)}/{selection.id}/progress", status_code=303)

    @get("/{selection_id:int}/progress", name="sortition_progress")
    async def progress(
        self, assembly: Assembly, selection_id: int, db_session: AsyncSession
    ) -> Response[Any]:
        selection = await services.get_selection(db_session, assembly, selection_id)
        if selection.status == "drawn":
            return Redirect(f"{_base(assembly)}/{selection.id}/report", status_code=303)
        job = await services.job_of(db_session, selection)
        if _restartable(selection, job):
            return Redirect(f"{_base(assembly)}/{selection.id}/setup", status_code=303)
        stage, translated = services.stage_label(job.progress if job else "")
        return page(
            "sortition/progress.html",
            assembly=assembly,
            base=_base(assembly),
            selection=selection,
            job=job,
            job_labels=JOB_STATUS_LABELS,
            stage=stage,
            stage_translated=translated,
        )

    @get("/{selection_id:int}/report", name="sortition_report")
    async def report(
        self, assembly: Assembly, selection_id: int, db_session: AsyncSession
    ) -> Response[Any]:
        selection = await services.get_selection(db_session, assembly, selection_id)
        if selection.status != "drawn":
            return Redirect(f"{_base(assembly)}/{selection.id}", status_code=303)
        return await _report_page(db_session, assembly, selection)

    @get("/{selection_id:int}/pool.csv", name="sortition_pool_csv")
    async def pool_csv(
        self, assembly: Assembly, selection_id: int, db_session: AsyncSession
    ) -> Response[str]:
        selection = await services.get_selection(db_session, assembly, selection_id)
        return _csv_response(services.pool_csv(selection), f"pool-{selection.id}.csv")

    @get("/{selection_id:int}/quotas.csv", name="sortition_quotas_csv")
    async def quotas_csv(
        self, assembly: Assembly, selection_id: int, db_session: AsyncSession
    ) -> Response[str]:
        selection = await services.get_selection(db_session, assembly, selection_id)
        return _csv_response(services.quotas_csv(selection), f"quotas-{selection.id}.csv")

    @get("/{selection_id:int}/panel.csv", name="sortition_panel_csv")
    async def panel_csv(
        self, assembly: Assembly, selection_id: int, db_session: AsyncSession
    ) -> Response[Any]:
        selection = await services.get_selection(db_session, assembly, selection_id)
        if selection.status != "drawn":
            return Redirect(f"{_base(assembly)}/{selection.id}", status_code=303)
        members = await services.members_of(db_session, selection)
        return _csv_response(services.panel_csv(selection, members), f"panel-{selection.id}.csv")

    @post("/{selection_id:int}/replace", name="sortition_replace")
    async def replace(
        self,
        assembly: Assembly,
        selection_id: int,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        db_session: AsyncSession,
    ) -> Response[Any]:
        selection = await services.get_selection(db_session, assembly, selection_id)
        form = await read_form(request)
        values = {"member": form.get("member"), "allow_partial": form.get("allow_partial")}
        try:
            member = values["member"]
            if not member.isdigit():
                raise ProblemsError([Issue(_("Choose a member of the panel."), "member")])
            await services.replace_panel_member(
                db_session,
                assembly,
                selection,
                int(member),
                allow_partial=values["allow_partial"] == "1",
                actor_id=viewer.require_account().id,
            )
        except ProblemsError as exc:
            if selection.status != "drawn":
                return Redirect(f"{_base(assembly)}/{selection.id}", status_code=303)
            return await _report_page(
                db_session, assembly, selection, values=values, issues=exc.issues, status_code=400
            )
        return Redirect(f"{_base(assembly)}/{selection.id}/report#replacements", status_code=303)

    @get("/{selection_id:int}/invitations", name="sortition_letters")
    async def letters(
        self, assembly: Assembly, selection_id: int, db_session: AsyncSession
    ) -> Redirect:
        # The letters exist only in the answer to the form that made them (codes are kept as
        # hashes); reopening that address leads to where new letters can be made.
        selection = await services.get_selection(db_session, assembly, selection_id)
        return Redirect(f"{_base(assembly)}/{selection.id}/report#invitations", status_code=303)

    @post("/{selection_id:int}/invitations", name="sortition_invite")
    async def invite(
        self,
        assembly: Assembly,
        selection_id: int,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        db_session: AsyncSession,
        settings: Settings,
    ) -> Response[Any]:
        selection = await services.get_selection(db_session, assembly, selection_id)
        form = await read_form(request)
        reissue = form.get("letters") == "new"
        try:
            if reissue and form.get("confirm") != "yes":
                raise ProblemsError(
                    [
                        Issue(
                            _("Confirm that the earlier codes of these members stop working."),
                            "confirm",
                        )
                    ]
                )
            issued = await services.issue_panel_invitations(
                db_session,
                assembly,
                selection,
                settings.secret_key,
                viewer.require_account().id,
                reissue=reissue,
            )
        except ProblemsError as exc:
            if selection.status != "drawn":
                return Redirect(f"{_base(assembly)}/{selection.id}", status_code=303)
            return await _report_page(
                db_session, assembly, selection, issues=exc.issues, status_code=400
            )
        texts = letter_texts(assembly, None)
        # Each letter in its recipient's language, from the pool's language column if any.
        languages = {
            m.pool_id: letter_language(m.features or {}, assembly.language)
            for m in await services.members_of(db_session, selection)
        }
        letters = page(
            "invitations/issued.html",
            assembly=assembly,
            base=f"/manage/assemblies/{assembly.slug}/invitations",
            sheets=with_languages(
                sheets_for(issued, settings.base_url, texts["qr_alt"]), languages
            ),
            texts_by_language=letters_by_language(assembly, None, languages.values()),
            direction=text_direction,
            expires_at=None,
        )
        letters.headers["Cache-Control"] = "no-store"  # the letters print the codes themselves
        return letters
