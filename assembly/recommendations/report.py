"""The assembly's final report: what the HTML page and the PDF both show.

The report is made of the summaries' blocks (``assembly.summaries.views``), so the page renders
them with the summary templates and the PDF with the summaries' reportlab drawing: the two
never differ. Build it inside the assembly's language. It holds the remit; who took part and how
they were selected, with representativeness (every count from 1 to k - 1 withheld, with
secondary suppression, by the research export's own rule); the process in figures; every
recommendation with its clauses, its support as the voting engine counted it, its minority
statements and the practices it draws on; and the way to the research data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.catalogue.data import kind_label
from assembly.db.models import (
    Amendment,
    Argument,
    Assembly,
    DraftingProcess,
    Participant,
    Proposal,
    Reaction,
    SortitionSelection,
    TableNote,
    TablePlan,
    Topic,
)
from assembly.exports.privacy import DEFAULT_K
from assembly.i18n import current_locale, format_number
from assembly.i18n import gettext as _
from assembly.recommendations.motions import Verdict
from assembly.recommendations.pages import RecommendationView, recommendation_views
from assembly.recommendations.services import list_recommendations
from assembly.summaries.representativeness import withhold_small_counts
from assembly.summaries.sources import representativeness_data
from assembly.summaries.views import (
    Figures,
    Heading,
    LinkBlock,
    ListBlock,
    Paragraph,
    PracticeBlock,
    PracticeItem,
    QuoteBlock,
    Section,
    SummaryView,
    TableBlock,
    TextBlock,
)


def _n(value: int | float) -> str:
    return format_number(value, 0 if float(value).is_integer() else 1)


def _pct(share: float | None) -> str:
    if share is None:
        return "–"
    return format_number(round(share * 100, 1), 0 if (share * 100).is_integer() else 1) + " %"


def threshold_text(threshold: str) -> str:
    from fractions import Fraction

    return _pct(float(Fraction(threshold)))


def verdict_sentence(verdict: Verdict | None) -> str:
    """One line a reader understands: adopted or not, with what support, against what rule."""
    if verdict is None:
        return _("Not voted on yet.")
    rule = (
        _("abstentions counted")
        if verdict.abstentions == "counted"
        else _("abstentions not counted")
    )
    values = {
        "share": _pct(verdict.share),
        "yes": _n(verdict.yes),
        "no": _n(verdict.no),
        "abstain": _n(verdict.abstain),
        "threshold": threshold_text(verdict.threshold),
        "rule": rule,
    }
    if verdict.adopted:
        return _(
            "Adopted with %(share)s support (%(yes)s yes, %(no)s no, %(abstain)s abstained; "
            "%(threshold)s needed, %(rule)s).",
            **values,
        )
    return _(
        "Not adopted: %(share)s support (%(yes)s yes, %(no)s no, %(abstain)s abstained; "
        "%(threshold)s needed, %(rule)s).",
        **values,
    )


async def _count(db: AsyncSession, statement: Any) -> int:
    return int(await db.scalar(statement) or 0)


async def process_figures(
    db: AsyncSession, assembly: Assembly, process: DraftingProcess
) -> dict[str, int]:
    topic_ids = select(Topic.id).where(Topic.assembly_id == assembly.id, Topic.kind == "topic")
    proposal_ids = select(Proposal.id).where(Proposal.topic_id.in_(topic_ids))
    plans = select(TablePlan.id).where(TablePlan.assembly_id == assembly.id)
    recommendations = await list_recommendations(db, assembly)
    ids = [r.id for r in recommendations]
    by_status: dict[str, int] = {}
    if ids:
        rows = await db.execute(
            select(Amendment.status, func.count())
            .where(Amendment.recommendation_id.in_(ids))
            .group_by(Amendment.status)
        )
        by_status = {str(status): int(count) for status, count in rows.tuples()}
    return {
        "meetings": process.meetings or 0,
        "hours": process.meeting_hours or 0,
        "tables": await _count(
            db,
            select(func.coalesce(func.max(TablePlan.table_count), 0)).where(
                TablePlan.id.in_(plans)
            ),
        ),
        "table_notes": await _count(
            db,
            select(func.count()).select_from(TableNote).where(TableNote.table_plan_id.in_(plans)),
        ),
        "topics": await _count(
            db, select(func.count()).select_from(Topic).where(Topic.id.in_(topic_ids))
        ),
        "proposals": await _count(
            db, select(func.count()).select_from(Proposal).where(Proposal.topic_id.in_(topic_ids))
        ),
        "arguments": await _count(
            db,
            select(func.count())
            .select_from(Argument)
            .where(Argument.proposal_id.in_(proposal_ids)),
        ),
        "reactions": await _count(
            db,
            select(func.count())
            .select_from(Reaction)
            .where(Reaction.proposal_id.in_(proposal_ids)),
        ),
        "recommendations": len(recommendations),
        "amendments": sum(by_status.values()),
        "amendments_adopted": by_status.get("adopted", 0),
    }


async def _participants(db: AsyncSession, assembly: Assembly) -> dict[str, int]:
    rows = await db.execute(
        select(Participant.channel, func.count())
        .where(Participant.assembly_id == assembly.id)
        .group_by(Participant.channel)
    )
    found = dict(rows.tuples().all())
    return {"online": found.get("online", 0), "paper": found.get("paper", 0)}


def _representativeness_blocks(rep: Mapping[str, Any] | None, k: int) -> list[Any]:
    """Participants by answer, under the public small-cell rule (``withhold_small_counts``)."""
    rep = withhold_small_counts(rep, k)
    if not rep or not rep.get("features"):
        return [Paragraph(_("No demographic answers were recorded."), muted=True)]
    k = int(rep.get("withheld_k") or k)
    blocks: list[Any] = []
    hidden = _("fewer than %(k)s", k=k)
    for feature in rep["features"]:
        rows = [r for r in feature["rows"] if r.get("count") is not None or r.get("withheld")]
        if not rows:
            continue
        cells = [
            [
                str(row["label"]),
                hidden if row.get("withheld") else _n(row["count"]),
                _pct(row.get("share")),
            ]
            for row in rows
        ]
        total = feature.get("answered")
        cells.append([_("All who answered"), _n(total) if total is not None else hidden, ""])
        blocks.append(
            TableBlock(
                str(feature["label"]),
                [_("Answer"), _("Members"), _("Share")],
                cells,
                [False, True, True],
            )
        )
    blocks.append(
        Paragraph(
            _(
                "Counts from 1 to %(below)s are withheld, so that nobody can be recognised.",
                below=k - 1,
            ),
            muted=True,
        )
    )
    return blocks


async def _selection_text(db: AsyncSession, assembly: Assembly) -> str:
    selection = await db.scalar(
        select(SortitionSelection)
        .where(SortitionSelection.assembly_id == assembly.id, SortitionSelection.status == "drawn")
        .order_by(SortitionSelection.id.desc())
        .limit(1)
    )
    if selection is not None:
        summary = (selection.result or {}).get("summary") or {}
        return _(
            "The members were drawn by a civic lottery: a panel of %(panel)s from a pool of "
            "%(pool)s people who answered the invitation, balanced by quotas (%(algorithm)s).",
            panel=_n(selection.panel_size or 0),
            pool=_n(int(summary.get("pool_size") or 0)),
            algorithm=selection.algorithm,
        )
    if assembly.invited_count:
        return _(
            "The members joined by invitation: %(invited)s people were invited.",
            invited=_n(assembly.invited_count),
        )
    return _("The members joined by invitation.")


def _practice_items(view: RecommendationView) -> list[PracticeItem]:
    locale = current_locale.get()
    items = []
    for practice in view.links.practices:
        try:
            kind = kind_label(practice.kind, locale)
        except KeyError:
            kind = ""
        items.append(
            PracticeItem(
                title=practice.title(locale),
                url=f"/practices/{practice.slug}",
                kind_label=kind,
                place=practice.place or "",
                reason=(practice.description_nb if locale == "nb" else practice.description_en),
                scores=None,
            )
        )
    return items


def _recommendation_blocks(view: RecommendationView, minimum: int) -> list[Any]:
    blocks: list[Any] = [
        Heading(_("Recommendation %(n)s: %(title)s", n=view.number, title=view.title)),
        Paragraph(verdict_sentence(view.verdict)),
        ListBlock([c.text for c in view.clauses], ordered=True),
    ]
    if view.recommendation.rationale:
        blocks.append(TextBlock(view.recommendation.rationale, label=_("Rationale")))
    adopted = [a for a in view.amendments if a.status == "adopted"]
    if adopted:
        blocks.append(
            Paragraph(
                _(
                    "Amended by the members: %(numbers)s.",
                    numbers=", ".join(str(a.number) for a in adopted),
                ),
                muted=True,
            )
        )
    if view.links.proposals:
        blocks.append(
            Paragraph(
                _(
                    "Grows from the proposals: %(titles)s.",
                    titles="; ".join(title for _id, title, _slug in view.links.proposals),
                ),
                muted=True,
            )
        )
    for statement in view.shown_statements(minimum):
        blocks.append(
            QuoteBlock(
                statement.text,
                _(
                    "Minority statement, signed by %(count)s members: %(names)s",
                    count=len(statement.signers),
                    names=", ".join(statement.signers),
                ),
            )
        )
    items = _practice_items(view)
    if items:
        blocks.append(PracticeBlock(items))
    return blocks


async def report_view(
    db: AsyncSession,
    assembly: Assembly,
    process: DraftingProcess,
    *,
    k: int = DEFAULT_K,
    published: bool,
) -> SummaryView:
    """The report's sections, in the current locale (set it to the assembly's language)."""
    views = await recommendation_views(db, assembly, await list_recommendations(db, assembly))
    figures = await process_figures(db, assembly, process)
    people = await _participants(db, assembly)
    remit: list[Any] = [
        TextBlock(process.remit)
        if process.remit
        else Paragraph(_("The remit was not recorded."), muted=True)
    ]
    if process.commissioned_by:
        remit.insert(0, Paragraph(_("Commissioned by %(body)s.", body=process.commissioned_by)))
    who: list[Any] = [
        Figures(
            [
                (_("Members"), _n(people["online"] + people["paper"])),
                (_("Taking part online"), _n(people["online"])),
                (_("Taking part on paper"), _n(people["paper"])),
            ],
            caption=_("Who took part"),
        ),
        Paragraph(await _selection_text(db, assembly)),
        Heading(_("Representativeness")),
        *_representativeness_blocks(await representativeness_data(db, assembly), k),
    ]
    adopted = sum(1 for v in views if v.verdict is not None and v.verdict.adopted)
    process_blocks: list[Any] = [
        Figures(
            [
                (_("Meetings"), _n(figures["meetings"])),
                (_("Hours of meetings"), _n(figures["hours"])),
                (_("Tables"), _n(figures["tables"])),
                (_("Table discussions noted"), _n(figures["table_notes"])),
                (_("Topics"), _n(figures["topics"])),
                (_("Proposals"), _n(figures["proposals"])),
                (_("Arguments"), _n(figures["arguments"])),
                (_("Reactions"), _n(figures["reactions"])),
                (_("Recommendations"), _n(figures["recommendations"])),
                (_("Recommendations adopted"), _n(adopted)),
                (_("Amendments proposed"), _n(figures["amendments"])),
                (_("Amendments adopted"), _n(figures["amendments_adopted"])),
            ],
            caption=_("The process in figures"),
        ),
        Paragraph(
            _(
                "Recommendations needed %(threshold)s support to be adopted (%(rule)s); "
                "amendments needed %(amendment)s.",
                threshold=threshold_text(process.threshold),
                amendment=threshold_text(process.amendment_threshold),
                rule=_("abstentions counted")
                if process.abstentions == "counted"
                else _("abstentions not counted"),
            )
        ),
    ]
    recommendation_blocks: list[Any] = []
    for view in views:
        recommendation_blocks += _recommendation_blocks(view, process.minority_signatures)
    if not views:
        recommendation_blocks.append(Paragraph(_("No recommendations yet."), muted=True))
    data: list[Any] = [
        Paragraph(
            _(
                "Every vote can be recounted from the published ballots. Researchers with "
                "access download the documented, pseudonymised data package, and check every "
                "result with: assembly recount PACKAGE."
            )
        ),
        LinkBlock(_("Research data"), f"/research/{assembly.slug}"),
        LinkBlock(_("Responses and follow-up"), f"/assemblies/{assembly.slug}/tracker"),
    ]
    if process.data_url:
        data.insert(1, LinkBlock(_("Archived data"), process.data_url))
    sections = [
        Section("remit", _("The remit"), "written", remit),
        Section("members", _("Who took part"), "computed", who),
        Section("process", _("The process"), "computed", process_blocks),
        Section("recommendations", _("The recommendations"), "written", recommendation_blocks),
        Section("data", _("The research data"), "computed", data),
    ]
    return SummaryView(
        title=assembly.title,
        eyebrow=_("Final report of the assembly"),
        meta=[m for m in (assembly.place, process.commissioned_by) if m],
        sections=sections,
        language=current_locale.get(),
        links=[(_("Download the report as PDF"), f"/assemblies/{assembly.slug}/report.pdf")],
        notice="" if published else _("Not published yet: only the facilitators see this report."),
        published=published,
    )
