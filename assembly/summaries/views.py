"""A summary as a reader sees it: sections of blocks, in the current language.

The cached summary (plain data from :mod:`assembly.summaries.services`) is turned here into
sections of simple blocks (paragraphs, key figures, tables, charts, lists, quotations, practice
links). The HTML page and the PDF both render these same blocks, so they show the same sections
with the same numbers. Build a view inside the request, with the assembly's language set as the
current locale: every label is translated and every number formatted when the view is built.

Each section says whether it was computed from the data or written by people; charts carry their
values in a table as well.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

from babel.numbers import format_percent
from markupsafe import Markup

from assembly.ballots.results import CHOICE_LABELS, METHOD_LABELS
from assembly.catalogue.data import is_norwegian, kind_label
from assembly.i18n import _l, current_locale, format_datetime, format_number
from assembly.i18n import gettext as _
from assembly.summaries import charts
from assembly.voting.registry import DEFAULT_GRADES

__all__ = [
    "Block",
    "ChartBlock",
    "Figures",
    "Heading",
    "LinkBlock",
    "ListBlock",
    "Paragraph",
    "PracticeBlock",
    "PracticeItem",
    "QuoteBlock",
    "Section",
    "SummaryView",
    "TableBlock",
    "TextBlock",
    "assembly_view",
    "topic_view",
]

Source = Literal["computed", "written"]

SOURCE_LABELS: dict[str, Any] = {
    "computed": _l("Computed from the assembly's data"),
    "written": _l("Written by people"),
}

GRADE_LABELS: dict[str, Any] = {
    "Reject": _l("Reject"),
    "Poor": _l("Poor"),
    "Acceptable": _l("Acceptable"),
    "Good": _l("Good"),
    "Very good": _l("Very good"),
    "Excellent": _l("Excellent"),
}
assert set(GRADE_LABELS) == set(DEFAULT_GRADES)

METHOD_EXPLANATIONS: dict[str, Any] = {
    "approval": _l("Each ballot approved any number of proposals; the most approved wins."),
    "score": _l("Each ballot gave every proposal a score; the highest total wins."),
    "majority_judgment": _l(
        "Each ballot graded every proposal; the proposal with the best median grade wins."
    ),
    "borda": _l("Each ballot ranked the proposals; places give points and most points win."),
    "schulze": _l(
        "Each ballot ranked the proposals. Every pair was compared head to head; the winner "
        "beats every other proposal directly or through a chain of stronger majorities."
    ),
    "ranked_pairs": _l(
        "Each ballot ranked the proposals. Head-to-head majorities were locked in from the "
        "strongest down, skipping any that would make a cycle."
    ),
    "irv": _l(
        "Each ballot ranked the proposals. Round by round the proposal with the fewest votes "
        "was eliminated and its ballots moved to their next choice, until one had a majority."
    ),
    "stv": _l(
        "Each ballot ranked the proposals. Proposals reaching the quota were elected; surplus "
        "votes and the votes of eliminated proposals moved to the next choices."
    ),
    "dot": _l("Each ballot spread a budget of points; the most points win."),
    "quadratic": _l(
        "Each ballot bought votes for or against proposals, n votes costing n squared "
        "credits; the highest net votes win."
    ),
    "yes_no_abstain": _l(
        "Each ballot said yes, no or abstain to every proposal; a proposal is adopted when "
        "its share of yes reaches the threshold."
    ),
    "consent": _l(
        "Each ballot gave its stance on every proposal; a proposal is adopted when nobody "
        "blocks it and support reaches the threshold."
    ),
    "budget": _l(
        "Each ballot approved projects; the budget was shared out among the approved "
        "projects, as far as it went."
    ),
}

REASON_TEXTS: dict[str, Any] = {
    "no_reactions": _l("No reactions were made, so no opinion groups were formed."),
    "too_few_proposals": _l(
        "Fewer than two proposals received reactions, so opinions cannot be told apart and no "
        "opinion groups were formed."
    ),
    "too_few_participants": _l(
        "Too few participants reacted to enough proposals to form opinion groups."
    ),
    "no_variation": _l(
        "Everyone who reacted did so in the same way, so there are no differences to form "
        "opinion groups from."
    ),
}

STATUS_TEXTS: dict[str, Any] = {
    "within": _l("within the target"),
    "below": _l("below the target"),
    "above": _l("above the target"),
}


# --------------------------------------------------------------------------- blocks


@dataclass
class Paragraph:
    text: str
    muted: bool = False
    kind: str = "paragraph"


@dataclass
class TextBlock:
    """Text people wrote, shown with its line breaks; ``label`` says who wrote it."""

    text: str
    label: str = ""
    kind: str = "text"


@dataclass
class Heading:
    text: str
    kind: str = "heading"


@dataclass
class Figures:
    """Key figures as label and value pairs."""

    items: list[tuple[str, str]]
    caption: str = ""
    kind: str = "figures"


@dataclass
class TableBlock:
    caption: str
    header: list[str]
    rows: list[list[str]]
    numeric: list[bool] = field(default_factory=list)
    """Per column: right-aligned numbers."""
    kind: str = "table"

    def is_numeric(self, column: int) -> bool:
        return column < len(self.numeric) and self.numeric[column]


@dataclass
class ChartBlock:
    """An accessible SVG chart, the drawing data for the PDF, and the values as a table."""

    chart: str
    """"bar", "rounds", "grades" or "scatter"."""
    title: str
    description: str
    svg: Markup
    table: TableBlock
    data: dict[str, Any]
    kind: str = "chart"


@dataclass
class ListBlock:
    items: list[str]
    ordered: bool = False
    kind: str = "list"


@dataclass
class QuoteBlock:
    text: str
    attribution: str
    kind: str = "quote"


@dataclass
class LinkBlock:
    label: str
    url: str
    kind: str = "link"


@dataclass
class PracticeItem:
    title: str
    url: str
    kind_label: str
    place: str
    reason: str
    scores: str | None


@dataclass
class PracticeBlock:
    items: list[PracticeItem]
    kind: str = "practices"


Block = (
    Paragraph
    | TextBlock
    | Heading
    | Figures
    | TableBlock
    | ChartBlock
    | ListBlock
    | QuoteBlock
    | PracticeBlock
    | LinkBlock
)


@dataclass
class Section:
    id: str
    title: str
    source: Source
    blocks: list[Block]
    note: str = ""

    @property
    def source_label(self) -> str:
        return str(SOURCE_LABELS[self.source])


@dataclass
class SummaryView:
    title: str
    eyebrow: str
    meta: list[str]
    sections: list[Section]
    language: str
    links: list[tuple[str, str]] = field(default_factory=list)
    notice: str = ""
    published: bool = False


# --------------------------------------------------------------------------- formatting


def _nb() -> bool:
    return is_norwegian(current_locale.get())


def _n(value: Any, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    number = float(value)
    if not math.isfinite(number):
        return "–"
    return format_number(number, 0 if number.is_integer() else digits)


def _pct(share: float | None) -> str:
    if share is None:
        return "–"
    pattern = "#,##0.0%" if 0 < abs(share) < 0.1 else "#,##0%"
    return format_percent(share, format=pattern, locale=current_locale.get())


def _quoted(text: str) -> str:
    return f"«{text}»" if _nb() else f"“{text}”"


def _join(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return _("%(items)s and %(last)s", items=", ".join(items[:-1]), last=items[-1])


def _fraction(value: Any) -> float | None:
    try:
        return float(Fraction(str(value)))
    except (ValueError, ZeroDivisionError):
        return None


class _Titles:
    def __init__(self, proposals: Mapping[str, Any]) -> None:
        self.proposals = proposals

    def __call__(self, option: Any) -> str:
        entry = self.proposals.get(str(option)) or {}
        return str(entry.get("title") or f"#{option}")


def _chart_number(value: float) -> str:
    return _n(value)


# --------------------------------------------------------------------------- participation


def _participation_section(p: Mapping[str, Any], rep: Mapping[str, Any] | None) -> Section:
    figures = [
        (
            _("Participants in the assembly"),
            _(
                "%(total)s (%(online)s online, %(paper)s on paper)",
                total=_n(p["participants"]),
                online=_n(p["online"]),
                paper=_n(p["paper"]),
            ),
        ),
        (_("Took part in this topic"), _n(p["active"])),
        (
            _("Proposals"),
            _n(p["proposals"])
            + (
                " "
                + _(
                    "(%(hidden)s hidden, %(merged)s merged)",
                    hidden=_n(p["proposals_hidden"]),
                    merged=_n(p["proposals_merged"]),
                )
                if p["proposals_hidden"] or p["proposals_merged"]
                else ""
            ),
        ),
        (
            _("Arguments"),
            _(
                "%(total)s (%(pro)s for, %(con)s against)",
                total=_n(p["arguments"]),
                pro=_n(p["arguments_pro"]),
                con=_n(p["arguments_con"]),
            ),
        ),
        (
            _("Reactions"),
            _(
                "%(total)s from %(people)s participants (%(agree)s agree, %(disagree)s "
                "disagree, %(passes)s pass)",
                total=_n(p["reactions"]),
                people=_n(p["reacting"]),
                agree=_n(p["agree"]),
                disagree=_n(p["disagree"]),
                passes=_n(p["pass"]),
            ),
        ),
        (
            _("Ballots"),
            _(
                "%(total)s (%(online)s online, %(paper)s on paper)",
                total=_n(p["ballots"]),
                online=_n(p["ballots_online"]),
                paper=_n(p["ballots_paper"]),
            )
            + (
                " " + _("%(count)s set aside", count=_n(p["ballots_set_aside"]))
                if p.get("ballots_set_aside")
                else ""
            ),
        ),
        (_("Invited"), _n(p["invited"]) if p["invited"] else _("not recorded")),
        (_("Turnout (ballots per invited person)"), _pct(p.get("turnout"))),
    ]
    blocks: list[Block] = [Figures(figures, caption=_("Participation in figures"))]
    funnel = [
        (_("Invited"), p["invited"]),
        (_("Joined the assembly"), p["participants"]),
        (_("Took part in this topic"), p["active"]),
        (_("Voted"), p["ballots"]),
    ]
    if not p["invited"]:
        funnel = funnel[1:]
    blocks.append(
        _bar_block(
            _("From invitation to ballot"),
            _("How many people were invited, joined, took part in this topic and voted."),
            [charts.BarRow(label, float(value)) for label, value in funnel],
            label_header=_("Step"),
            value_header=_("People"),
        )
    )
    blocks += _representativeness_blocks(rep)
    return Section("participation", _("Participation"), "computed", blocks)


def _representativeness_blocks(rep: Mapping[str, Any] | None) -> list[Block]:
    blocks: list[Block] = [Heading(_("Who took part"))]
    if not rep:
        blocks.append(
            Paragraph(_("No demographic answers or sortition quotas were recorded."), muted=True)
        )
        return blocks
    blocks.append(
        Paragraph(
            _(
                "%(answered)s of %(total)s participants answered the questions about themselves.",
                answered=_n(rep.get("answered", 0)),
                total=_n(rep.get("participants", 0)),
            )
        )
    )
    if rep.get("has_targets"):
        blocks.append(
            Paragraph(
                _(
                    "Targets are the quotas of the panel drawn by lot (panel size "
                    "%(size)s): a quota's minimum and maximum as shares of the panel.",
                    size=_n(rep.get("panel_size")),
                )
            )
        )
    panel = rep.get("panel")
    if panel:
        blocks.append(
            Paragraph(
                _(
                    "%(joined)s of the %(members)s panel members joined with their invite code.",
                    joined=_n(panel.get("joined", 0)),
                    members=_n(panel.get("members", 0)),
                )
            )
        )
    for feature in rep.get("features", []):
        header = [_("Answer"), _("Participants"), _("Share")]
        numeric = [False, True, True]
        targets = any(row.get("target_min") is not None for row in feature["rows"])
        if targets:
            header += [_("Target share"), _("Panel"), _("Compared with the target")]
            numeric += [True, True, False]
        rows = []
        for row in feature["rows"]:
            cells = [
                row["label"],
                _n(row.get("count")) if row.get("count") is not None else "–",
                _pct(row.get("share")),
            ]
            if targets:
                low, high = row.get("target_min"), row.get("target_max")
                cells += [
                    f"{_pct(low)}–{_pct(high)}" if low is not None and high is not None else "–",
                    _n(row.get("panel")) if row.get("panel") is not None else "–",
                    str(STATUS_TEXTS[row["status"]]) if row.get("status") else "–",
                ]
            rows.append(cells)
        blocks.append(TableBlock(str(feature["label"]), header, rows, numeric))
    return blocks


# --------------------------------------------------------------------------- charts


def _bar_block(
    title: str,
    description: str,
    rows: list[charts.BarRow],
    *,
    label_header: str,
    value_header: str,
    second_header: str = "",
    unit: str = "",
    note_header: str = "",
) -> ChartBlock:
    series = (value_header, second_header)
    svg = charts.bar_chart(
        title,
        description,
        rows,
        unit=unit,
        series=series if second_header else ("", ""),
        number_format=_chart_number,
    )
    table = charts.bar_table(
        rows,
        unit=unit,
        label_header=label_header,
        series=series,
        note_header=note_header or _("Note"),
        number_format=_chart_number,
    )
    return ChartBlock(
        "bar",
        title,
        description,
        svg,
        TableBlock(title, table.header, table.rows, [False] + [True] * (len(table.header) - 1)),
        {
            "rows": rows,
            "unit": unit,
            "series": series if second_header else ("", ""),
            "number_format": _chart_number,
        },
    )


def _rounds_block(
    title: str,
    description: str,
    rows: list[charts.RoundRow],
    *,
    round_label: str,
    threshold: float | None = None,
    threshold_label: str = "",
    headers: tuple[str, str, str, str],
) -> ChartBlock:
    svg = charts.round_chart(
        title,
        description,
        rows,
        round_label=round_label,
        threshold=threshold,
        threshold_label=threshold_label,
        number_format=_chart_number,
    )
    table = charts.round_table(rows, headers=headers, number_format=_chart_number)
    return ChartBlock(
        "rounds",
        title,
        description,
        svg,
        TableBlock(title, table.header, table.rows, [True, False, True, False]),
        {
            "rows": rows,
            "round_label": round_label,
            "threshold": threshold,
            "threshold_label": threshold_label,
            "number_format": _chart_number,
        },
    )


# --------------------------------------------------------------------------- results


def _winners_sentence(result: Mapping[str, Any], title: _Titles) -> str:
    winners = [_quoted(title(w)) for w in result.get("winners", [])]
    kind = result.get("winner_kind", "seats")
    if not winners:
        if kind == "adopted":
            return _("No proposal was adopted.")
        if kind == "funded":
            return _("No project was funded.")
        return _("No proposal was chosen.")
    if kind == "adopted":
        return _("Adopted: %(names)s.", names=_join(winners))
    if kind == "funded":
        return _("Funded: %(names)s.", names=_join(winners))
    return _("Chosen: %(names)s.", names=_join(winners))


def _result_section(result: Mapping[str, Any] | None, title: _Titles) -> Section:
    section = Section("results", _("Results"), "computed", [])
    blocks = section.blocks
    if result is None:
        blocks.append(Paragraph(_("There were no proposals to vote on."), muted=True))
        return section
    if result.get("error"):
        blocks.append(
            Paragraph(
                _(
                    "The ballots could not be counted with the topic's voting set-up. "
                    "The facilitators can check the method and its parameters."
                )
            )
        )
        return section
    method = result["method"]
    blocks.append(
        Paragraph(
            _("Method: %(method)s.", method=str(METHOD_LABELS.get(method, method)))
            + " "
            + str(METHOD_EXPLANATIONS.get(method, ""))
        )
    )
    if not result.get("ballots"):
        blocks.append(Paragraph(_("No ballots were cast.")))
        return section
    counted = _("%(ballots)s ballots were counted.", ballots=_n(result["ballots"]))
    if result.get("blank"):
        counted += " " + _("%(blank)s of them were blank.", blank=_n(result["blank"]))
    blocks.append(Paragraph(counted))
    blocks.append(Paragraph(_winners_sentence(result, title)))
    if result.get("lotteries"):
        blocks.append(
            Paragraph(
                _(
                    "Some ties were decided by the method's seeded lottery (seed %(seed)s).",
                    seed=str(result.get("tie_break_seed")),
                ),
                muted=True,
            )
        )
    shown = list(result.get("shown", []))
    if len(shown) < int(result.get("options_total", 0)):
        blocks.append(
            Paragraph(
                _(
                    "The charts show the %(shown)s best-placed of %(total)s proposals; the "
                    "full count is on the topic's page.",
                    shown=_n(len(shown)),
                    total=_n(result["options_total"]),
                ),
                muted=True,
            )
        )
    builder = _RESULT_BUILDERS.get(method)
    if builder is not None:
        blocks += builder(result, title)
    return section


def _winner_note(result: Mapping[str, Any], option: str) -> str:
    if option not in result.get("winners", []):
        return ""
    kind = result.get("winner_kind", "seats")
    if kind == "adopted":
        return _("(adopted)")
    if kind == "funded":
        return _("(funded)")
    return _("(chosen)")


def _approval_blocks(result: Mapping[str, Any], title: _Titles) -> list[Block]:
    f = result["figures"]
    rows = [
        charts.BarRow(
            title(o),
            float(f["approvals"].get(o, 0)),
            note=_winner_note(result, o),
        )
        for o in result["shown"]
    ]
    block = _bar_block(
        _("Approvals per proposal"),
        _("How many ballots approved each proposal."),
        rows,
        label_header=_("Proposal"),
        value_header=_("Approvals"),
        note_header=_("Result"),
    )
    block.table.header.insert(2, _("Share of ballots"))
    block.table.numeric.insert(2, True)
    for cells, option in zip(block.table.rows, result["shown"], strict=True):
        cells.insert(2, _pct(f["share"].get(option)))
    return [block]


def _score_blocks(result: Mapping[str, Any], title: _Titles) -> list[Block]:
    options = result["figures"]["options"]
    rows = [
        charts.BarRow(
            title(o),
            float((options.get(o) or {}).get("sum", 0)),
            note=_winner_note(result, o),
        )
        for o in result["shown"]
    ]
    block = _bar_block(
        _("Total score per proposal"),
        _("The sum of the scores each proposal received; an option left out scores the lowest."),
        rows,
        label_header=_("Proposal"),
        value_header=_("Total score"),
        note_header=_("Result"),
    )
    block.table.header[2:2] = [_("Average"), _("Scored by")]
    block.table.numeric[2:2] = [True, True]
    for cells, option in zip(block.table.rows, result["shown"], strict=True):
        entry = options.get(option) or {}
        cells[2:2] = [_n(entry.get("mean")), _n(entry.get("scored_by"))]
    return [block]


def _points_blocks(result: Mapping[str, Any], title: _Titles) -> list[Block]:
    totals = result["figures"]["totals"]
    method = result["method"]
    if method == "quadratic":
        label, description = (
            _("Net votes per proposal"),
            _("Votes for minus votes against; a negative total draws no bar."),
        )
    elif method == "dot":
        label, description = (
            _("Points per proposal"),
            _("The points the ballots gave each proposal."),
        )
    else:
        label, description = (
            _("Borda points per proposal"),
            _("Points by place on each ballot, added up."),
        )
    rows = [
        charts.BarRow(title(o), float(totals.get(o, 0)), note=_winner_note(result, o))
        for o in result["shown"]
    ]
    block = _bar_block(
        label,
        description,
        rows,
        label_header=_("Proposal"),
        value_header=_("Net votes") if method == "quadratic" else _("Points"),
        note_header=_("Result"),
    )
    if method == "quadratic":
        f = result["figures"]
        block.table.header[2:2] = [_("Votes for"), _("Votes against")]
        block.table.numeric[2:2] = [True, True]
        for cells, option in zip(block.table.rows, result["shown"], strict=True):
            cells[2:2] = [_n(f["votes_for"].get(option)), _n(f["votes_against"].get(option))]
    return [block]


def _grades_blocks(result: Mapping[str, Any], title: _Titles) -> list[Block]:
    f = result["figures"]
    grades_worst_first = [str(g) for g in f.get("grades", [])]
    labels = [str(GRADE_LABELS.get(g, g)) for g in reversed(grades_worst_first)]
    rows = []
    for option in result["shown"]:
        entry = f["options"].get(option) or {}
        distribution = entry.get("distribution", {}) or {}
        counts = [float(distribution.get(g, 0)) for g in reversed(grades_worst_first)]
        majority = entry.get("majority_grade")
        median = (
            len(grades_worst_first) - 1 - grades_worst_first.index(majority)
            if majority in grades_worst_first
            else -1
        )
        rows.append(charts.GradeRow(title(option), counts, median))
    chart_title = _("Grade profile per proposal")
    description = _(
        "For each proposal, the share of ballots giving each grade, best grade first; the "
        "dashed line marks the middle ballot, whose grade is the majority grade."
    )
    median_label = _("Majority grade: %(grade)s", grade="{grade}")
    svg = charts.grade_chart(chart_title, description, rows, labels, median_label=median_label)
    table = charts.grade_table(
        rows,
        labels,
        label_header=_("Proposal"),
        median_header=_("Majority grade"),
        percent_format=_pct,
    )
    # The table also gives the counts behind the shares.
    for cells, row in zip(table.rows, rows, strict=True):
        for i, count in enumerate(row.shares):
            cells[i + 1] = f"{cells[i + 1]} ({_n(count)})"
    return [
        ChartBlock(
            "grades",
            chart_title,
            description,
            svg,
            TableBlock(
                chart_title, table.header, table.rows, [False] + [True] * len(labels) + [False]
            ),
            {"rows": rows, "grades": labels, "median_label": median_label},
        )
    ]


def _pairwise_table(
    caption: str, matrix: Mapping[str, Mapping[str, Any]], shown: list[str], title: _Titles
) -> TableBlock:
    header = [_("Proposal")] + [f"#{i}" for i in range(1, len(shown) + 1)]
    rows = []
    for i, row_option in enumerate(shown, start=1):
        cells = [f"#{i} {title(row_option)}"]
        for column_option in shown:
            cells.append(
                "–"
                if column_option == row_option
                else _n((matrix.get(row_option) or {}).get(column_option, 0))
            )
        rows.append(cells)
    return TableBlock(caption, header, rows, [False] + [True] * len(shown))


def _pairwise_blocks(result: Mapping[str, Any], title: _Titles) -> list[Block]:
    f = result["figures"]
    shown = result["shown"]
    blocks: list[Block] = []
    wins = f.get("wins", {})
    blocks.append(
        _bar_block(
            _("Head-to-head wins per proposal"),
            _("Against how many other proposals each proposal won a majority head to head."),
            [
                charts.BarRow(title(o), float(wins.get(o, 0)), note=_winner_note(result, o))
                for o in shown
            ],
            label_header=_("Proposal"),
            value_header=_("Head-to-head wins"),
            note_header=_("Result"),
        )
    )
    blocks.append(
        _pairwise_table(
            _(
                "Pairwise preferences: each cell counts the ballots that put the row's proposal "
                "above the column's (columns numbered as the rows)."
            ),
            f.get("d", {}),
            shown,
            title,
        )
    )
    if result["method"] == "schulze" and f.get("p"):
        blocks.append(
            _pairwise_table(
                _(
                    "Strongest paths: the strength of the strongest chain of majorities from "
                    "the row's proposal to the column's; the row wins over the column when its "
                    "number is larger than the opposite cell."
                ),
                f["p"],
                shown,
                title,
            )
        )
    pairs = f.get("pairs") or []
    if pairs:
        items = []
        for pair in pairs[:CHART_PAIRS]:
            text = _(
                "%(winner)s over %(loser)s, %(for)s to %(against)s",
                winner=_quoted(title(pair.get("winner"))),
                loser=_quoted(title(pair.get("loser"))),
                **{"for": _n(pair.get("for")), "against": _n(pair.get("against"))},
            )
            text += ": " + (
                _("locked in") if pair.get("locked") else _("skipped (it would make a cycle)")
            )
            items.append(text)
        blocks.append(Heading(_("Majorities, strongest first")))
        blocks.append(ListBlock(items, ordered=True))
    return blocks


CHART_PAIRS = 15


def _irv_blocks(result: Mapping[str, Any], title: _Titles) -> list[Block]:
    f = result["figures"]
    rows: list[charts.RoundRow] = []
    for r in f.get("rounds", []):
        counts = r.get("counts", {})
        for option, value in sorted(counts.items(), key=lambda item: -float(item[1] or 0)):
            status, note = "", ""
            if option == r.get("eliminated"):
                status, note = "eliminated", _("eliminated")
            elif option == r.get("winner"):
                status, note = "elected", _("wins")
            rows.append(charts.RoundRow(int(r["round"]), title(option), float(value), note, status))
    blocks: list[Block] = [
        _rounds_block(
            _("Votes per round"),
            _(
                "Each round counts every ballot for its highest-ranked proposal still in the "
                "count; the weakest is eliminated until one has a majority."
            ),
            rows,
            round_label=_("Round {n}"),
            headers=(_("Round"), _("Proposal"), _("Votes"), _("Note")),
        )
    ]
    rounds = [int(r["round"]) for r in f.get("rounds", [])]
    if len(rounds) >= 2 and rounds[1] - rounds[0] > 1:
        blocks.append(
            Paragraph(
                _(
                    "Rounds %(first)s to %(last)s are left out here.",
                    first=str(rounds[0] + 1),
                    last=str(rounds[1] - 1),
                ),
                muted=True,
            )
        )
    return blocks


def _stv_blocks(result: Mapping[str, Any], title: _Titles) -> list[Block]:
    f = result["figures"]
    rows: list[charts.RoundRow] = []
    for s in f.get("stages", []):
        votes = s.get("votes", {})
        elected = set(s.get("elected", []))
        for option, value in sorted(votes.items(), key=lambda item: -float(item[1] or 0)):
            status, note = "", ""
            if option in elected:
                status, note = "elected", _("elected")
            elif option == s.get("excluded"):
                status, note = "eliminated", _("excluded")
            rows.append(charts.RoundRow(int(s["stage"]), title(option), float(value), note, status))
    quota = f.get("quota")
    blocks: list[Block] = [
        Paragraph(
            _(
                "Seats: %(seats)s. Quota: %(quota)s votes (Droop quota).",
                seats=_n(f.get("seats")),
                quota=_n(quota),
            )
        ),
        _rounds_block(
            _("Votes per stage"),
            _(
                "Each stage shows the votes of the proposals still in the count; the dashed "
                "line is the quota a proposal needs to be elected."
            ),
            rows,
            round_label=_("Stage {n}"),
            threshold=float(quota) if isinstance(quota, int | float) else None,
            threshold_label=_("Quota %(quota)s", quota=_n(quota)),
            headers=(_("Stage"), _("Proposal"), _("Votes"), _("Note")),
        ),
    ]
    stages = [int(s["stage"]) for s in f.get("stages", [])]
    if len(stages) >= 2 and stages[1] - stages[0] > 1:
        blocks.append(
            Paragraph(
                _(
                    "Stages %(first)s to %(last)s are left out here.",
                    first=str(stages[0] + 1),
                    last=str(stages[1] - 1),
                ),
                muted=True,
            )
        )
    return blocks


def _threshold_text(threshold: Any) -> str:
    value = _fraction(threshold)
    return _pct(value) if value is not None else str(threshold or "–")


def _yes_no_blocks(result: Mapping[str, Any], title: _Titles) -> list[Block]:
    f = result["figures"]
    threshold = _threshold_text(f.get("threshold"))
    rows = []
    table_rows = []
    sentences = []
    for option in result["shown"]:
        entry = f["options"].get(option) or {}
        yes, no, abstain = entry.get("yes", 0), entry.get("no", 0), entry.get("abstain", 0)
        rows.append(
            charts.BarRow(title(option), float(yes), float(no), _winner_note(result, option))
        )
        adopted = _("Yes") if entry.get("adopted") else _("No")
        table_rows.append(
            [title(option), _n(yes), _n(no), _n(abstain), _pct(entry.get("yes_share")), adopted]
        )
        sentence = _(
            "%(name)s: %(yes)s yes of %(answered)s yes or no is %(share)s; the threshold is "
            "%(threshold)s.",
            name=_quoted(title(option)),
            yes=_n(yes),
            answered=_n(yes + no),
            share=_pct(entry.get("yes_share")),
            threshold=threshold,
        )
        if entry.get("quorum_needed"):
            sentence += " " + (
                _("The quorum of %(quorum)s was met.", quorum=_n(entry.get("quorum_needed")))
                if entry.get("quorum_met")
                else _(
                    "The quorum of %(quorum)s was not met.", quorum=_n(entry.get("quorum_needed"))
                )
            )
        sentence += " " + (_("Adopted.") if entry.get("adopted") else _("Not adopted."))
        sentences.append(sentence)
    chart = _bar_block(
        _("Yes and no per proposal"),
        _("Plain bars count yes, hatched bars count no."),
        rows,
        label_header=_("Proposal"),
        value_header=str(CHOICE_LABELS["yes"]),
        second_header=str(CHOICE_LABELS["no"]),
        note_header=_("Result"),
    )
    chart.table = TableBlock(
        _("Yes, no and abstain per proposal"),
        [_("Proposal"), _("Yes"), _("No"), _("Abstain"), _("Yes share"), _("Adopted")],
        table_rows,
        [False, True, True, True, True, False],
    )
    return [chart, Heading(_("The arithmetic")), ListBlock(sentences)]


CONSENT_CHOICES = ("support", "support_with_reservations", "neutral", "concerns", "block")


def _consent_blocks(result: Mapping[str, Any], title: _Titles) -> list[Block]:
    f = result["figures"]
    threshold = _threshold_text(f.get("threshold"))
    rows, table_rows, sentences = [], [], []
    for option in result["shown"]:
        entry = f["options"].get(option) or {}
        distribution = entry.get("distribution", {}) or {}
        share = entry.get("support_share")
        note = _winner_note(result, option)
        if entry.get("blocks"):
            note = (note + " " if note else "") + _("blocked")
        rows.append(charts.BarRow(title(option), float(share or 0) * 100, note=note))
        table_rows.append(
            [
                title(option),
                *(_n(distribution.get(c, 0)) for c in CONSENT_CHOICES),
                _pct(share),
                _("Yes") if entry.get("adopted") else _("No"),
            ]
        )
        sentences.append(
            _(
                "%(name)s: support %(share)s of %(views)s views, %(blocks)s blocks; the "
                "threshold is %(threshold)s and no block.",
                name=_quoted(title(option)),
                share=_pct(share),
                views=_n(entry.get("views", 0)),
                blocks=_n(entry.get("blocks", 0)),
                threshold=threshold,
            )
            + " "
            + (_("Adopted.") if entry.get("adopted") else _("Not adopted."))
        )
    chart = _bar_block(
        _("Support per proposal"),
        _("Support and support with reservations as a share of all views given."),
        rows,
        label_header=_("Proposal"),
        value_header=_("Support (%)"),
        unit="%",
        note_header=_("Result"),
    )
    chart.table = TableBlock(
        _("Stances per proposal"),
        [
            _("Proposal"),
            *(str(CHOICE_LABELS[c]) for c in CONSENT_CHOICES),
            _("Support share"),
            _("Adopted"),
        ],
        table_rows,
        [False] + [True] * (len(CONSENT_CHOICES) + 1) + [False],
    )
    return [chart, Heading(_("The arithmetic")), ListBlock(sentences)]


def _budget_blocks(result: Mapping[str, Any], title: _Titles) -> list[Block]:
    f = result["figures"]
    rule = (
        _("Method of Equal Shares") if f.get("rule") == "mes" else _("Greedy, most approved first")
    )
    blocks: list[Block] = [
        Figures(
            [
                (_("Budget"), _n(f.get("budget"))),
                (_("Spent"), _n(f.get("spent"))),
                (_("Left"), _n(f.get("left"))),
                (_("Rule"), rule),
            ],
            caption=_("The budget"),
        )
    ]
    funded = set(f.get("funded", []))
    rows = [
        charts.BarRow(
            title(o),
            float(f["approvals"].get(o, 0)),
            note=_("(funded)") if o in funded else "",
        )
        for o in result["shown"]
    ]
    chart = _bar_block(
        _("Approvals per project"),
        _("How many ballots approved each project; funded projects are marked."),
        rows,
        label_header=_("Project"),
        value_header=_("Approvals"),
        note_header=_("Result"),
    )
    chart.table = TableBlock(
        _("Projects, costs and approvals"),
        [_("Project"), _("Cost"), _("Approvals"), _("Funded")],
        [
            [
                title(o),
                _n(f["costs"].get(o)),
                _n(f["approvals"].get(o)),
                _("Yes") if o in funded else _("No"),
            ]
            for o in result["shown"]
        ],
        [False, True, True, False],
    )
    blocks.append(chart)
    purchases = f.get("purchases", [])
    if purchases:
        blocks.append(Heading(_("Purchases, in the order they were made")))
        blocks.append(
            ListBlock(
                [
                    _(
                        "%(name)s: cost %(cost)s, %(supporters)s supporters",
                        name=_quoted(title(p.get("project"))),
                        cost=_n(p.get("cost")),
                        supporters=_n(p.get("supporters")),
                    )
                    for p in purchases
                ],
                ordered=True,
            )
        )
    return blocks


_RESULT_BUILDERS: dict[str, Any] = {
    "approval": _approval_blocks,
    "score": _score_blocks,
    "majority_judgment": _grades_blocks,
    "borda": _points_blocks,
    "dot": _points_blocks,
    "quadratic": _points_blocks,
    "schulze": _pairwise_blocks,
    "ranked_pairs": _pairwise_blocks,
    "irv": _irv_blocks,
    "stv": _stv_blocks,
    "yes_no_abstain": _yes_no_blocks,
    "consent": _consent_blocks,
    "budget": _budget_blocks,
}


# --------------------------------------------------------------------------- opinion groups


def _share_of(count: int, seen: int) -> str:
    return _pct(count / seen if seen else None)


def _group_description(group: Mapping[str, Any], title: _Titles) -> str:
    agreed = [
        f"{_quoted(title(r['proposal_id']))} ({_share_of(r['agree'], r['seen'])})"
        for r in group["representative"]
        if r["direction"] == "agree"
    ]
    disagreed = [
        f"{_quoted(title(r['proposal_id']))} ({_share_of(r['disagree'], r['seen'])})"
        for r in group["representative"]
        if r["direction"] == "disagree"
    ]
    size = _n(group["size"])
    if agreed and disagreed:
        return _(
            "Group %(label)s (%(size)s participants) agreed more than the others with "
            "%(agreed)s, and disagreed more with %(disagreed)s.",
            label=group["label"],
            size=size,
            agreed=_join(agreed),
            disagreed=_join(disagreed),
        )
    if agreed:
        return _(
            "Group %(label)s (%(size)s participants) agreed more than the others with %(agreed)s.",
            label=group["label"],
            size=size,
            agreed=_join(agreed),
        )
    if disagreed:
        return _(
            "Group %(label)s (%(size)s participants) disagreed more than the others with "
            "%(disagreed)s.",
            label=group["label"],
            size=size,
            disagreed=_join(disagreed),
        )
    return _(
        "Group %(label)s (%(size)s participants): no proposal sets it clearly apart.",
        label=group["label"],
        size=size,
    )


def _opinion_section(data: Mapping[str, Any] | None, title: _Titles) -> Section:
    section = Section("opinion-groups", _("Opinion groups"), "computed", [])
    blocks = section.blocks
    blocks.append(
        Paragraph(
            _(
                "Participants are placed by their agree, disagree and pass reactions (as Polis "
                "does): those who reacted alike end up close together, and groups are formed "
                "where they cluster."
            ),
            muted=True,
        )
    )
    if not data:
        blocks.append(Paragraph(str(REASON_TEXTS["no_reactions"])))
        return section
    if data.get("reason"):
        blocks.append(Paragraph(str(REASON_TEXTS.get(data["reason"], data["reason"]))))
    else:
        blocks.append(
            Paragraph(
                _(
                    "%(k)s opinion groups among the %(clustered)s participants who reacted to "
                    "enough proposals (of %(total)s who reacted).",
                    k=_n(data["k"]),
                    clustered=_n(data["participants_clustered"]),
                    total=_n(data["participants_total"]),
                )
            )
        )
        groups = data["groups"]
        legend = _("Group {label}: {size} participants")
        scatter_groups = [
            charts.ScatterGroup(
                g["label"],
                g["size"],
                (float(g["centre"][0]), float(g["centre"][1])),
                legend.format(label=g["label"], size=_n(g["size"])),
            )
            for g in groups
        ]
        points = [charts.ScatterPoint(float(x), float(y), group) for x, y, group in data["points"]]
        chart_title = _("Opinion groups")
        description = _(
            "Each mark is a participant; nearby marks reacted alike. Groups differ by shape as "
            "well as colour, and each group's letter is drawn at its centre. The axes have no "
            "unit."
        )
        if data.get("points_total", 0) > len(points):
            description += " " + _(
                "%(shown)s of %(total)s participants are drawn.",
                shown=_n(len(points)),
                total=_n(data["points_total"]),
            )
        ungrouped = max(int(data["participants_total"]) - sum(g["size"] for g in groups), 0)
        svg = charts.scatter_chart(
            chart_title,
            description,
            points,
            scatter_groups,
            ungrouped_label=_("Not grouped"),
            max_points=len(points) or 1,
        )
        table = charts.scatter_table(
            scatter_groups,
            ungrouped=ungrouped,
            headers=(_("Group"), _("Participants"), _("Share")),
            ungrouped_label=_("Not grouped"),
            percent_format=_pct,
        )
        for cells in table.rows:
            cells[1] = _n(int(cells[1]))
        blocks.append(
            ChartBlock(
                "scatter",
                chart_title,
                description,
                svg,
                TableBlock(chart_title, table.header, table.rows, [False, True, True]),
                {"points": points, "groups": scatter_groups, "ungrouped_label": _("Not grouped")},
            )
        )
        blocks.append(Heading(_("What sets each group apart")))
        blocks.append(ListBlock([_group_description(g, title) for g in groups]))
    consensus = data.get("consensus", [])
    blocks.append(Heading(_("Where people agreed")))
    if consensus:
        items = []
        for c in consensus:
            count = c["agree"] if c["direction"] == "agree" else c["disagree"]
            text = (
                _(
                    "%(name)s: %(share)s of %(seen)s who reacted agreed",
                    name=_quoted(title(c["proposal_id"])),
                    share=_share_of(count, c["seen"]),
                    seen=_n(c["seen"]),
                )
                if c["direction"] == "agree"
                else _(
                    "%(name)s: %(share)s of %(seen)s who reacted disagreed",
                    name=_quoted(title(c["proposal_id"])),
                    share=_share_of(count, c["seen"]),
                    seen=_n(c["seen"]),
                )
            )
            if c.get("in_every_group") is True:
                text += " " + _("(in every group)")
            elif c.get("in_every_group") is False:
                text += " " + _("(not in every group)")
            items.append(text)
        blocks.append(ListBlock(items))
    else:
        blocks.append(
            Paragraph(_("No proposal met with broad agreement or disagreement."), muted=True)
        )
    divisive = data.get("divisive", [])
    blocks.append(Heading(_("Where groups split")))
    if divisive:
        blocks.append(
            ListBlock(
                [
                    _(
                        "%(name)s: %(shares)s",
                        name=_quoted(title(d["proposal_id"])),
                        shares=", ".join(
                            _(
                                "group %(label)s %(share)s agree",
                                label=label,
                                share=_pct(share),
                            )
                            for label, share in sorted(d["shares"].items())
                        ),
                    )
                    for d in divisive
                ]
            )
        )
    else:
        blocks.append(Paragraph(_("No proposal divided the groups clearly."), muted=True))
    return section


# --------------------------------------------------------------------------- arguments


def _arguments_section(content: Mapping[str, Any], title: _Titles) -> Section:
    section = Section("arguments", _("Strongest arguments on the chosen proposals"), "computed", [])
    blocks = section.blocks
    blocks.append(
        Paragraph(
            _(
                "Participants wrote these arguments; they were chosen by computation. An "
                "argument's support counts the other participants who, after it was posted, "
                "reacted to the proposal on its side."
            ),
            muted=True,
        )
    )
    entries = content.get("arguments", [])
    if not entries:
        blocks.append(
            Paragraph(_("No proposal was chosen, so no arguments are shown."), muted=True)
        )
        return section
    for entry in entries:
        blocks.append(Heading(_quoted(title(entry["proposal_id"]))))
        for stance, heading, none_text in (
            ("pro", _("For"), _("No argument for it was written.")),
            ("con", _("Against"), _("No argument against it was written.")),
        ):
            items = entry.get(stance, [])
            total = int(entry.get(f"{stance}_total", len(items)))
            if not items:
                blocks.append(Paragraph(f"{heading}: {none_text}"))
            elif total > len(items):
                blocks.append(
                    Paragraph(
                        _(
                            "%(side)s: the strongest %(shown)s of %(total)s arguments",
                            side=heading,
                            shown=_n(len(items)),
                            total=_n(total),
                        )
                    )
                )
            else:
                blocks.append(Paragraph(f"{heading}:"))
            for item in items:
                blocks.append(
                    QuoteBlock(
                        item["body"],
                        _(
                            "%(author)s · support %(support)s",
                            author=item["author"] or _("a participant"),
                            support=_n(item["support"]),
                        ),
                    )
                )
    return section


# --------------------------------------------------------------------------- practices


def _practice_items(matches: Sequence[Mapping[str, Any]], show_scores: bool) -> list[PracticeItem]:
    nb = _nb()
    items = []
    for m in matches:
        try:
            kind = kind_label(m.get("kind", ""), current_locale.get())
        except KeyError:
            kind = ""
        scores = (
            _(
                "Score %(score)s (text %(text)s, area %(area)s)",
                score=_n(m["score"], 3),
                text=_n(m["text_score"], 3),
                area=_n(m["area_score"], 3),
            )
            if show_scores
            else None
        )
        items.append(
            PracticeItem(
                title=m["title_nb"] if nb else m["title_en"],
                url=f"/practices/{m['slug']}",
                kind_label=kind,
                place=m.get("place_nb" if nb else "place_en", "") or "",
                reason=m["reason_nb"] if nb else m["reason_en"],
                scores=scores,
            )
        )
    return items


def _practices_section(
    content: Mapping[str, Any],
    title: _Titles,
    show_scores: bool,
    linked: Sequence[tuple[str, str]],
) -> Section:
    section = Section("practices", _("Related promising practices"), "computed", [])
    blocks = section.blocks
    blocks.append(
        Paragraph(
            _(
                "Practices from the center's catalogue, ranked by the spotlight area they share "
                "with the topic and by the words they share with it (TF-IDF similarity, "
                "computed without any outside service). Each link says why it was chosen."
            ),
            muted=True,
        )
    )
    data = content.get("practices") or {}
    blocks.append(Heading(_("For the topic")))
    topic_items = _practice_items(data.get("topic", []), show_scores)
    blocks.append(
        PracticeBlock(topic_items)
        if topic_items
        else Paragraph(_("No practice in the catalogue is close to this topic."), muted=True)
    )
    for proposal_id, matches in (data.get("proposals") or {}).items():
        blocks.append(Heading(_("For %(name)s", name=_quoted(title(proposal_id)))))
        items = _practice_items(matches, show_scores)
        blocks.append(
            PracticeBlock(items)
            if items
            else Paragraph(_("No practice in the catalogue is close to this proposal."), muted=True)
        )
    if linked:
        blocks.append(Heading(_("Linked by the facilitator")))
        blocks.append(
            PracticeBlock(
                [
                    PracticeItem(name, url, "", "", _("Chosen by the facilitator."), None)
                    for name, url in linked
                ]
            )
        )
    return section


# --------------------------------------------------------------------------- written sections


def _notes_section(notes: str) -> Section:
    blocks: list[Block] = []
    if notes.strip():
        blocks.append(TextBlock(notes, label=_("Written by the facilitator")))
    else:
        blocks.append(Paragraph(_("The facilitator has not written notes."), muted=True))
    return Section("notes", _("The facilitator's notes"), "written", blocks)


def _table_notes_section(notes: Sequence[Mapping[str, Any]], title: _Titles) -> Section | None:
    if not notes:
        return None
    blocks: list[Block] = [
        Paragraph(_("What the tables wrote down about this topic's proposals."), muted=True)
    ]
    for note in notes:
        heading = _("Round %(round)s, table %(table)s", round=note["round"], table=note["table"])
        if note.get("plan"):
            heading = f"{note['plan']}: {heading}"
        blocks.append(Heading(heading))
        blocks.append(
            Paragraph(
                _(
                    "About %(names)s.",
                    names=_join([_quoted(title(p)) for p in note.get("proposal_ids", [])]),
                ),
                muted=True,
            )
        )
        for key, label in (
            ("key_points", _("Key points")),
            ("agreements", _("Agreements")),
            ("dissent", _("Dissent")),
        ):
            if note.get(key):
                blocks.append(TextBlock(note[key], label=label))
    return Section("table-notes", _("Notes from the tables"), "written", blocks)


def _about_section(
    content: Mapping[str, Any], data_version: str, show_scores: bool, time_zone: str
) -> Section:
    computed_at = content.get("computed_at")
    moment = dt.datetime.fromisoformat(computed_at) if computed_at else None
    items = [
        _(
            "Computed on %(time)s from the data at that moment; it is computed again whenever "
            "proposals, arguments, reactions, ballots or notes change.",
            time=format_datetime(moment, time_zone) if moment else "–",
        ),
        _(
            "Opinion groups use a fixed random seed (%(seed)s), so the same reactions always "
            "give the same groups.",
            seed=str((content.get("opinion_groups") or {}).get("seed", "–")),
        ),
    ]
    if show_scores:
        items.append(_("Data version: %(version)s", version=data_version[:16]))
    return Section("about", _("About this summary"), "computed", [ListBlock(items)])


# --------------------------------------------------------------------------- whole views


def topic_view(
    content: Mapping[str, Any],
    *,
    assembly_title: str,
    question: str,
    area_name: str,
    facilitator_notes: str,
    linked_practices: Sequence[tuple[str, str]] = (),
    show_scores: bool = False,
    data_version: str = "",
    published: bool = False,
    links: Sequence[tuple[str, str]] = (),
    time_zone: str = "Europe/Oslo",
) -> SummaryView:
    """The topic summary's sections, translated into the current locale."""
    title = _Titles(content.get("proposals") or {})
    result = content.get("result")
    method = (result or {}).get("method") or (content.get("topic") or {}).get("voting_method", "")
    sections = [
        _notes_section(facilitator_notes),
        _participation_section(content["participation"], content.get("representativeness")),
        _result_section(result, title),
        _arguments_section(content, title),
        _opinion_section(content.get("opinion_groups"), title),
        _practices_section(content, title, show_scores, linked_practices),
    ]
    table_notes = _table_notes_section(content.get("table_notes", []), title)
    if table_notes is not None:
        sections.append(table_notes)
    sections.append(_about_section(content, data_version, show_scores, time_zone))
    meta = [assembly_title, area_name]
    if method:
        meta.append(str(METHOD_LABELS.get(method, method)))
    return SummaryView(
        title=question,
        eyebrow=_("Summary of the topic"),
        meta=[m for m in meta if m],
        sections=sections,
        language=current_locale.get(),
        links=list(links),
        notice="" if published else _("Not published yet: only the facilitators see this summary."),
        published=published,
    )


def assembly_view(
    data: Mapping[str, Any],
    *,
    assembly_title: str,
    place: str,
    topics: Sequence[Mapping[str, Any]],
    show_scores: bool = False,
    links: Sequence[tuple[str, str]] = (),
    notice: str = "",
) -> SummaryView:
    """The assembly summary: overall participation, then each topic in brief.

    ``topics`` gives, per entry of ``data["topics"]``, its ``url``, ``notes`` (the facilitator's
    notes) and ``published`` flag.
    """
    p = data["participation"]
    sections: list[Section] = []
    figures = [
        (
            _("Participants"),
            _(
                "%(total)s (%(online)s online, %(paper)s on paper)",
                total=_n(p["participants"]),
                online=_n(p["online"]),
                paper=_n(p["paper"]),
            ),
        ),
        (_("Invited"), _n(p["invited"]) if p["invited"] else _("not recorded")),
        (_("Joined (share of invited)"), _pct(p.get("joined_share"))),
        (_("Topics in this summary"), _n(p["topics"])),
        (_("Ballots on these topics"), _n(p["ballots"])),
    ]
    participation_blocks: list[Block] = [Figures(figures, caption=_("Participation in figures"))]
    if data["topics"]:
        participation_blocks.append(
            _bar_block(
                _("Who took part in each topic"),
                _("Participants who took part in each topic, and the ballots cast on it."),
                [
                    charts.BarRow(
                        str((entry["content"].get("topic") or {}).get("question", "")),
                        float(entry["content"]["participation"]["active"]),
                        float(entry["content"]["participation"]["ballots"]),
                    )
                    for entry in data["topics"]
                ],
                label_header=_("Topic"),
                value_header=_("Took part"),
                second_header=_("Ballots"),
            )
        )
    participation_blocks += _representativeness_blocks(data.get("representativeness"))
    sections.append(Section("participation", _("Participation"), "computed", participation_blocks))
    for index, (entry, meta) in enumerate(zip(data["topics"], topics, strict=True), start=1):
        content = entry["content"]
        title = _Titles(content.get("proposals") or {})
        result = content.get("result") or {}
        part = content["participation"]
        blocks: list[Block] = [
            Figures(
                [
                    (_("Took part"), _n(part["active"])),
                    (_("Proposals"), _n(part["proposals"])),
                    (_("Reactions"), _n(part["reactions"])),
                    (_("Ballots"), _n(part["ballots"])),
                    (_("Turnout"), _pct(part.get("turnout"))),
                ],
                caption=_("Participation in figures"),
            )
        ]
        if result and not result.get("error"):
            blocks.append(
                Paragraph(
                    _(
                        "Method: %(method)s.",
                        method=str(METHOD_LABELS.get(result["method"], result["method"])),
                    )
                    + " "
                    + _winners_sentence(result, title)
                )
            )
        else:
            blocks.append(Paragraph(_("No result to report."), muted=True))
        groups = content.get("opinion_groups") or {}
        if groups.get("groups"):
            blocks.append(
                Paragraph(
                    _(
                        "%(k)s opinion groups formed among %(clustered)s participants.",
                        k=_n(groups["k"]),
                        clustered=_n(groups["participants_clustered"]),
                    )
                )
            )
        agreed = [c for c in groups.get("consensus", []) if c["direction"] == "agree"][:3]
        if agreed:
            blocks.append(Heading(_("Where people agreed")))
            blocks.append(
                ListBlock(
                    [
                        _(
                            "%(name)s: %(share)s of %(seen)s who reacted agreed",
                            name=_quoted(title(c["proposal_id"])),
                            share=_share_of(c["agree"], c["seen"]),
                            seen=_n(c["seen"]),
                        )
                        for c in agreed
                    ]
                )
            )
        practices = _practice_items((content.get("practices") or {}).get("topic", []), show_scores)
        if practices:
            blocks.append(Heading(_("Related promising practices")))
            blocks.append(PracticeBlock(practices))
        if meta.get("notes"):
            blocks.append(TextBlock(str(meta["notes"]), label=_("Written by the facilitator")))
        if not meta.get("published", True):
            blocks.insert(
                0,
                Paragraph(
                    _("Not published yet: only the facilitators see this topic's summary."),
                    muted=True,
                ),
            )
        blocks.append(LinkBlock(_("The full summary of this topic"), str(meta.get("url", ""))))
        sections.append(
            Section(
                f"topic-{index}",
                str((content.get("topic") or {}).get("question", "")),
                "computed",
                blocks,
            )
        )
    return SummaryView(
        title=assembly_title,
        eyebrow=_("Summary of the assembly"),
        meta=[m for m in [place] if m],
        sections=sections,
        language=current_locale.get(),
        links=list(links),
        notice=notice,
        published=not notice,
    )
