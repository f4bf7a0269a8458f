"""The civic lottery in the browser: pools, draws run as jobs, replacements and invitations.

A draw (`SortitionSelection`) moves ``draft`` -> ``queued`` -> ``drawn`` (or ``failed``,
after which its settings can be corrected and the draw started again). The draw itself runs
in the background job ``sortition.draw`` (`run_draw_job`), never inside a request; its panel
and alternates become `PanelMember` rows (``selected`` and ``alternate``), and a replacement
turns a member ``dropped`` and an alternate ``replacement`` (with ``replaces_id``).
``result`` keeps `SelectionResult.to_dict()`; after replacements its ``panel``,
``alternates`` and quota counts are the current ones, while ``record`` keeps the panel as
drawn and lists each replacement. Table plans, which can seat the drawn panel, are in
:mod:`assembly.tables`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.audit.services import record_event
from assembly.csv_cells import escape_row
from assembly.db.models import (
    Assembly,
    BackgroundJob,
    InviteCode,
    PanelMember,
    SortitionSelection,
)
from assembly.errors import NotFound
from assembly.i18n import _, format_number
from assembly.invitations.services import IssuedCode, issue_codes, revoke
from assembly.jobs.runner import JobContext, JobFailed
from assembly.jobs.services import enqueue
from assembly.sortition.forms import (
    DrawSettings,
    FeatureColumn,
    Issue,
    ProblemsError,
    feature_columns,
    grid_field_finder,
    problem_issue,
    problem_issues,
)
from assembly.sortition.inputs import escaped_copy
from assembly.sortition.report import (
    Fairness,
    QuotaLine,
    fairness,
    probability_groups,
    quota_lines,
    rerun_command,
)
from assembly.sortition.selection import (
    Pool,
    Problem,
    Replacement,
    SelectionError,
    SelectionResult,
    draw_panel,
    new_seed,
    parse_pool,
    replace_member,
    validate_inputs,
)
from assembly.summaries.charts import BarRow, ChartTable, bar_chart, bar_table

DRAW_JOB = "sortition.draw"
DRAW_TIMEOUT = 60 * 60.0  # seconds; large pools take minutes, never hours
EDITABLE = ("draft", "failed")
SEATED = ("selected", "replacement")
PLAN_SOURCES = ("participants", "panel")


def _norm(text: object) -> str:
    return str(text).strip().lower()


# =========================================================================== selections


async def list_selections(db: AsyncSession, assembly: Assembly) -> list[SortitionSelection]:
    query = (
        select(SortitionSelection)
        .where(SortitionSelection.assembly_id == assembly.id)
        .order_by(SortitionSelection.id.desc())
    )
    return list((await db.scalars(query)).all())


async def get_selection(
    db: AsyncSession, assembly: Assembly, selection_id: int
) -> SortitionSelection:
    selection = await db.get(SortitionSelection, selection_id)
    if selection is None or selection.assembly_id != assembly.id:
        raise NotFound()
    return selection


def pool_of(selection: SortitionSelection) -> Pool:
    return parse_pool(selection.pool_csv, household_column=selection.household_column or None)


async def create_selection(
    db: AsyncSession,
    assembly: Assembly,
    pool_text: str,
    household_column: str | None,
    actor_id: int | None,
) -> SortitionSelection:
    """A draft draw holding an uploaded pool; raises ProblemsError when the pool is unreadable."""
    try:
        pool = parse_pool(pool_text, household_column=household_column)
    except SelectionError as error:

        def field_for(problem: Problem | Mapping[str, Any]) -> str:
            params = problem.params if isinstance(problem, Problem) else {}
            missing_household = household_column and params.get("column") == household_column
            return "household_column" if missing_household else "pool_file"

        raise ProblemsError(problem_issues(error.problems, field_for)) from error
    columns, _skipped = feature_columns(pool)
    if not columns:
        raise ProblemsError(
            [
                Issue(
                    _(
                        "The pool has no column that can be a feature: besides the id (and the "
                        "household key), a feature column has between 1 and 20 different values."
                    ),
                    "pool_file",
                )
            ]
        )
    selection = SortitionSelection(
        assembly_id=assembly.id,
        status="draft",
        pool_csv=pool_text,
        quotas=[],
        panel_size=0,
        seed=new_seed(),
        algorithm="maximin",
        household_column=pool.household_column or "",
        result=None,
        error="",
    )
    db.add(selection)
    await db.flush()
    await record_event(
        db,
        "sortition.pool_uploaded",
        actor_kind="account",
        actor_id=actor_id,
        assembly_id=assembly.id,
        subject=selection,
        pool_size=len(pool),
        columns=list(pool.columns),
    )
    return selection


def draw_field_finder(
    selection: SortitionSelection,
) -> Callable[[Problem | Mapping[str, Any]], str]:
    """Which form field a draw problem is about (for links from the error summary)."""
    columns, _skipped = feature_columns(pool_of(selection))
    return grid_field_finder(columns)


async def start_draw(
    db: AsyncSession,
    assembly: Assembly,
    selection: SortitionSelection,
    settings: DrawSettings,
    quotas: list[dict[str, Any]],
    actor_id: int | None,
    *,
    quotas_field: str = "",
) -> BackgroundJob:
    """Check every input, then queue the draw; nothing is stored when a check fails."""
    if selection.status not in EDITABLE:
        raise ProblemsError([Issue(_("This draw has already started."))])
    problems = validate_inputs(
        selection.pool_csv,
        quotas,
        settings.panel_size,
        household_column=selection.household_column or None,
    )
    if problems:
        finder = draw_field_finder(selection)
        raise ProblemsError(problem_issues(problems, lambda p: finder(p) or quotas_field))
    # One transition, so that two clicks (or two workers) cannot start two draws.
    moved = await db.execute(
        update(SortitionSelection)
        .where(SortitionSelection.id == selection.id, SortitionSelection.status.in_(EDITABLE))
        .values(status="queued")
        .execution_options(synchronize_session=False)
    )
    if not moved.rowcount:  # type: ignore[attr-defined]
        raise ProblemsError([Issue(_("This draw has already started."))])
    selection.status = "queued"
    selection.quotas = quotas
    selection.panel_size = settings.panel_size
    selection.seed = settings.seed
    selection.algorithm = settings.algorithm
    selection.error = ""
    selection.result = None
    job = await enqueue(db, DRAW_JOB, {"selection_id": selection.id}, assembly.id)
    selection.job_id = job.id
    await record_event(
        db,
        "sortition.draw_started",
        actor_kind="account",
        actor_id=actor_id,
        assembly_id=assembly.id,
        subject=selection,
        job_id=job.id,
        panel_size=settings.panel_size,
        seed=settings.seed,
        algorithm=settings.algorithm,
        quotas=len(quotas),
    )
    return job


async def run_draw_job(context: JobContext) -> dict[str, Any]:
    """The ``sortition.draw`` job: draw the panel in a thread and store the outcome."""
    selection_id = int(context.payload["selection_id"])
    async with context.sessions.for_read() as db:
        selection = await db.get(SortitionSelection, selection_id)
        if selection is None:
            raise JobFailed("The draw no longer exists.")
        if selection.status == "drawn":  # an earlier run finished but was not marked done
            return {"selection_id": selection_id}
        pool_text, quotas = selection.pool_csv, list(selection.quotas or [])
        panel_size, seed = selection.panel_size, selection.seed
        algorithm, household = selection.algorithm, selection.household_column or None
    context.report("Checking the pool and the quotas")
    try:
        result = await context.run_blocking(
            draw_panel,
            pool_text,
            quotas,
            panel_size,
            seed=seed,
            algorithm=algorithm,
            household_column=household,
            progress=context.report,
            timeout=DRAW_TIMEOUT,
        )
    except Exception as error:
        problems = (
            error.problems
            if isinstance(error, SelectionError)
            else [Problem("selection_failed", f"The selection failed: {error}")]
        )
        async with context.session() as db:
            selection = await db.get(SortitionSelection, selection_id)
            if selection is not None and not context.lost:
                await record_failure(db, selection, problems)
                await db.commit()
        if isinstance(error, SelectionError):
            raise JobFailed(str(error)) from error
        raise
    if context.lost:
        raise JobFailed("Another run of this job took over.")
    async with context.session() as db:
        selection = await db.get(SortitionSelection, selection_id)
        if selection is None:
            raise JobFailed("The draw no longer exists.")
        await record_draw(db, selection, result)
        await db.commit()
    return {
        "selection_id": selection_id,
        "panel_size": len(result.panel),
        "min_probability": result.min_probability,
    }


async def record_failure(
    db: AsyncSession, selection: SortitionSelection, problems: Sequence[Problem]
) -> None:
    if selection.status == "drawn":
        return
    selection.status = "failed"
    selection.error = json.dumps([p.to_dict() for p in problems], ensure_ascii=False)
    await record_event(
        db,
        "sortition.draw_failed",
        actor_kind="system",
        assembly_id=selection.assembly_id,
        subject=selection,
        codes=[p.code for p in problems],
    )


def failure_issues(selection: SortitionSelection) -> list[Issue]:
    """Why the last draw failed, translated."""
    if selection.status != "failed" or not selection.error:
        return []
    try:
        stored = json.loads(selection.error)
    except ValueError:
        return [Issue(selection.error)]
    if not isinstance(stored, list):
        return [Issue(selection.error)]
    finder = draw_field_finder(selection)
    return [problem_issue(p, finder(p)) for p in stored if isinstance(p, Mapping)]


def _features_of(pool: Pool, quotas: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    """Each pool member's quota features, with values spelled as in the quotas."""
    spelled = {(_norm(q["feature"]), _norm(q["value"])): str(q["value"]) for q in quotas}
    features = list(dict.fromkeys(str(q["feature"]) for q in quotas))
    columns = {feature: pool.column(feature) for feature in features}
    values: dict[str, dict[str, str]] = {}
    for row in pool.rows:
        person: dict[str, str] = {}
        for feature, column in columns.items():
            raw = row.get(column, "") if column else ""
            person[feature] = spelled.get((_norm(feature), _norm(raw)), raw)
        values[row[pool.id_column]] = person
    return values


async def record_draw(
    db: AsyncSession, selection: SortitionSelection, result: SelectionResult
) -> bool:
    """Store a drawn panel and its alternates; False when the draw was already stored."""
    moved = await db.execute(
        update(SortitionSelection)
        .where(SortitionSelection.id == selection.id, SortitionSelection.status != "drawn")
        .values(status="drawn")
        .execution_options(synchronize_session=False)
    )
    if not moved.rowcount:  # type: ignore[attr-defined]
        return False
    data = result.to_dict()
    selection.status = "drawn"
    selection.result = data
    selection.error = ""
    features = _features_of(pool_of(selection), selection.quotas or [])
    for status, ids in (("selected", result.panel), ("alternate", result.alternates)):
        for position, pool_id in enumerate(ids, start=1):
            db.add(
                PanelMember(
                    selection_id=selection.id,
                    pool_id=pool_id,
                    status=status,
                    position=position,
                    features=features.get(pool_id, {}),
                )
            )
    await db.flush()
    await record_event(
        db,
        "sortition.drawn",
        actor_kind="system",
        assembly_id=selection.assembly_id,
        subject=selection,
        panel_size=len(result.panel),
        pool_size=result.pool_size,
        seed=result.seed,
        algorithm=result.algorithm,
        min_probability=result.min_probability,
    )
    return True


async def job_of(db: AsyncSession, selection: SortitionSelection) -> BackgroundJob | None:
    if selection.job_id is None:
        return None
    return await db.get(BackgroundJob, selection.job_id, populate_existing=True)


def stage_label(stage: str) -> tuple[str, bool]:
    """The job's stage for the page, and whether it is translated (library stages are English)."""
    known = {
        "Checking the pool and the quotas": _("Checking the pool and the quotas"),
        "Starting the solver": _("Starting the solver"),
        "Drawing the panel from the fair distribution": _(
            "Drawing the panel from the fair distribution"
        ),
        "Ordering the alternates": _("Ordering the alternates"),
        "Done": _("Done"),
        "": _("Waiting for a worker to start the draw"),
    }
    if stage in known:
        return known[stage], True
    return stage, False


# =========================================================================== the panel


async def members_of(db: AsyncSession, selection: SortitionSelection) -> list[PanelMember]:
    query = (
        select(PanelMember)
        .where(PanelMember.selection_id == selection.id)
        .order_by(PanelMember.position, PanelMember.id)
    )
    return list((await db.scalars(query)).all())


@dataclass(frozen=True)
class MemberView:
    member: PanelMember
    invite_status: str  # "", unused, used, revoked
    replaces: str  # pool id of the member this one replaces


async def member_views(db: AsyncSession, selection: SortitionSelection) -> list[MemberView]:
    members = await members_of(db, selection)
    codes = [m.invite_code_id for m in members if m.invite_code_id is not None]
    invites: dict[int, InviteCode] = {}
    if codes:
        rows = await db.scalars(select(InviteCode).where(InviteCode.id.in_(codes)))
        invites = {invite.id: invite for invite in rows}
    by_id = {m.id: m for m in members}
    views = []
    for member in members:
        invite = invites.get(member.invite_code_id or 0)
        status = ""
        if invite is not None:
            status = (
                "revoked"
                if invite.revoked_at is not None
                else "used"
                if invite.used_at is not None
                else "unused"
            )
        replaced = by_id.get(member.replaces_id or 0)
        views.append(MemberView(member, status, replaced.pool_id if replaced else ""))
    return views


@dataclass(frozen=True)
class Report:
    fairness: Fairness
    probabilities: list[tuple[str, float, str]]  # pool id, probability, outcome
    quotas: list[QuotaLine]
    chart: Markup
    chart_table: ChartTable
    record: dict[str, Any]
    command: str
    replacements: list[dict[str, Any]]
    features: list[str]


def _percent(value: float) -> str:
    return format_number(value * 100, 1) + " %"


def build_report(selection: SortitionSelection, members: Sequence[PanelMember]) -> Report:
    """The fairness report's figures, chart and record, from a drawn selection."""
    data = selection.result or {}
    result = SelectionResult.from_dict(data)
    figures = fairness(result.probabilities, result.panel_size)
    outcome: dict[str, str] = {m.pool_id: m.status for m in members}
    probabilities = [
        (pool_id, value, outcome.get(pool_id, ""))
        for pool_id, value in result.probabilities.items()
    ]
    seated = [m.features for m in members if m.status in SEATED]
    groups = probability_groups(result.probabilities.values())
    rows = [
        BarRow(
            _("Tenth %(number)s (%(size)s people)", number=group.number, size=group.size),
            group.mean * 100,
        )
        for group in groups
    ]
    rows.append(BarRow(_("Equal chance (panel / pool)"), figures.ideal * 100))

    def number(value: float) -> str:
        return format_number(value, 1)

    chart = bar_chart(
        _("Chance of selection by tenth of the pool"),
        _(
            "The pool sorted from the least to the most likely to be selected and cut into "
            "tenths: each tenth's mean chance of selection, in per cent, and last the equal "
            "chance of %(ideal)s for comparison.",
            ideal=_percent(figures.ideal),
        ),
        rows,
        unit=" %",
        number_format=number,
        chart_id=f"chart-fairness-{selection.id}",
    )
    table = bar_table(
        rows,
        unit=" %",
        label_header=_("Part of the pool"),
        series=(_("Mean chance"), ""),
        number_format=number,
    )
    record = dict(data.get("record") or {})
    command = rerun_command(
        selection.id,
        panel_size=result.panel_size,
        seed=result.seed,
        algorithm=result.algorithm,
        household_column=selection.household_column or None,
    )
    features = list(dict.fromkeys(str(q["feature"]) for q in selection.quotas or []))
    return Report(
        fairness=figures,
        probabilities=probabilities,
        quotas=quota_lines(
            data.get("quota_table") or [], seated, record.get("quota_table_as_drawn")
        ),
        chart=chart,
        chart_table=table,
        record=record,
        command=command,
        replacements=list(record.get("replacements") or []),
        features=features,
    )


def pool_csv(selection: SortitionSelection) -> str:
    """The uploaded pool, cell for cell, escaped so no spreadsheet runs a cell as a formula."""
    return escaped_copy(selection.pool_csv)


def quotas_csv(selection: SortitionSelection) -> str:
    """The draw's quotas as ``feature,value,min,max``, in the order the draw used them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["feature", "value", "min", "max"])
    for quota in selection.quotas or []:
        writer.writerow(escape_row([quota["feature"], quota["value"], quota["min"], quota["max"]]))
    return buffer.getvalue()


def panel_csv(selection: SortitionSelection, members: Sequence[PanelMember]) -> str:
    """The pool's rows of the current panel, then of the alternates, with their status."""
    pool = pool_of(selection)
    rows = {row[pool.id_column]: row for row in pool.rows}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(escape_row(["status", "position", *pool.columns]))
    for member in members:
        row = rows.get(member.pool_id, {})
        writer.writerow(
            escape_row([member.status, member.position, *(row.get(c, "") for c in pool.columns)])
        )
    return buffer.getvalue()


async def replace_panel_member(
    db: AsyncSession,
    assembly: Assembly,
    selection: SortitionSelection,
    member_id: int,
    *,
    allow_partial: bool,
    actor_id: int | None,
) -> Replacement:
    """Mark a member dropped and seat the first alternate who keeps every quota."""
    if selection.status != "drawn" or not selection.result:
        raise ProblemsError([Issue(_("Only a drawn panel can have replacements."))])
    members = await members_of(db, selection)
    dropped = next((m for m in members if m.id == member_id and m.status in SEATED), None)
    if dropped is None:
        raise ProblemsError([Issue(_("Choose a member of the panel."), "member")])
    panel = [m for m in members if m.status in SEATED]
    alternates = sorted(
        (m for m in members if m.status == "alternate"), key=lambda m: (m.position, m.id)
    )
    try:
        replacement = replace_member(
            selection.pool_csv,
            selection.quotas,
            [m.pool_id for m in panel],
            dropped.pool_id,
            [m.pool_id for m in alternates],
            household_column=selection.household_column or None,
            allow_partial=allow_partial,
        )
    except SelectionError as error:
        raise ProblemsError(problem_issues(error.problems, lambda _p: "member")) from error
    chosen = next(m for m in alternates if m.pool_id == replacement.chosen_id)
    dropped.status = "dropped"
    chosen.status = "replacement"
    chosen.replaces_id = dropped.id
    chosen.position = dropped.position
    data = dict(selection.result)
    record = dict(data.get("record") or {})
    # The quota table follows the panel; the record keeps it as drawn.
    record.setdefault("quota_table_as_drawn", [dict(row) for row in data.get("quota_table") or []])
    entry = {**replacement.to_dict(), "number": len(record.get("replacements") or []) + 1}
    for key in ("panel", "alternates"):  # the lists are in data itself; keep the entry short
        entry.pop(key, None)
    record["replacements"] = [*(record.get("replacements") or []), entry]
    data["record"] = record
    data["panel"] = replacement.panel
    data["alternates"] = replacement.alternates
    seated = [m.features for m in members if m.status in SEATED]
    current = {
        (_norm(line.feature), _norm(line.value)): line.selected
        for line in quota_lines(data.get("quota_table") or [], seated)
    }
    data["quota_table"] = [
        {**row, "selected": current.get((_norm(row["feature"]), _norm(row["value"])), 0)}
        for row in data.get("quota_table") or []
    ]
    selection.result = data
    if dropped.invite_code_id is not None:
        invite = await db.get(InviteCode, dropped.invite_code_id)
        if invite is not None:
            await revoke(db, invite, actor_id)
    await record_event(
        db,
        "sortition.replaced",
        actor_kind="account",
        actor_id=actor_id,
        assembly_id=assembly.id,
        subject=selection,
        dropped=dropped.pool_id,
        chosen=chosen.pool_id,
        alternate_position=replacement.position,
        keeps_quotas=replacement.keeps_quotas,
    )
    return replacement


async def issue_panel_invitations(
    db: AsyncSession,
    assembly: Assembly,
    selection: SortitionSelection,
    secret_key: str,
    actor_id: int | None,
    *,
    reissue: bool = False,
) -> list[IssuedCode]:
    """Invite codes for every panel member who has none yet, labelled with their pool id.

    With ``reissue``, new letters for every seated member who has not joined: codes are kept
    only as hashes, so a letter cannot be printed twice; their earlier codes are revoked.
    """
    if selection.status != "drawn":
        raise ProblemsError([Issue(_("Only a drawn panel can be invited."))])
    seated = [m for m in await members_of(db, selection) if m.status in SEATED]
    if reissue:
        members = await _not_joined(db, seated)
        for invite in await _invites_of(db, members):
            await revoke(db, invite, actor_id)
    else:
        members = [m for m in seated if m.invite_code_id is None]
    if not members and reissue:
        raise ProblemsError([Issue(_("Every panel member has joined: no letter is waiting."))])
    if not members:
        raise ProblemsError(
            [
                Issue(
                    _(
                        "Every panel member already has an invite code. Codes are shown only "
                        "once; make new letters for those who have not joined below."
                    )
                )
            ]
        )
    issued = await issue_codes(
        db,
        assembly,
        len(members),
        secret_key,
        labels=[m.pool_id for m in members],
        actor_id=actor_id,
    )
    for member, item in zip(members, issued, strict=True):
        member.invite_code_id = item.invite.id
    await record_event(
        db,
        "sortition.invitations_reissued" if reissue else "sortition.invitations_issued",
        actor_kind="account",
        actor_id=actor_id,
        assembly_id=assembly.id,
        subject=selection,
        count=len(issued),
    )
    return issued


async def _invites_of(db: AsyncSession, members: Sequence[PanelMember]) -> list[InviteCode]:
    ids = [m.invite_code_id for m in members if m.invite_code_id is not None]
    if not ids:
        return []
    return list(await db.scalars(select(InviteCode).where(InviteCode.id.in_(ids))))


async def _not_joined(db: AsyncSession, seated: Sequence[PanelMember]) -> list[PanelMember]:
    """Seated members with a code nobody has joined with yet (revoked or waiting)."""
    used = {i.id for i in await _invites_of(db, seated) if i.used_at is not None}
    return [m for m in seated if m.invite_code_id is not None and m.invite_code_id not in used]


async def panel_members_not_joined(db: AsyncSession, selection: SortitionSelection) -> int:
    seated = [m for m in await members_of(db, selection) if m.status in SEATED]
    return len(await _not_joined(db, seated))


async def latest_drawn_selection(db: AsyncSession, assembly: Assembly) -> SortitionSelection | None:
    return await db.scalar(
        select(SortitionSelection)
        .where(SortitionSelection.assembly_id == assembly.id, SortitionSelection.status == "drawn")
        .order_by(SortitionSelection.id.desc())
        .limit(1)
    )


def feature_columns_of(selection: SortitionSelection) -> tuple[list[FeatureColumn], list[Any]]:
    columns, skipped = feature_columns(pool_of(selection))
    return columns, skipped
