"""The results section of a topic summary: a sentence, figures and charts per voting method.

Each method's builder turns the counted result (plain data, see
:mod:`assembly.summaries.results`) into blocks in the current language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assembly.ballots import pairwise
from assembly.ballots.results import CHOICE_LABELS, METHOD_LABELS
from assembly.i18n import _l, format_money
from assembly.i18n import gettext as _
from assembly.summaries import charts
from assembly.summaries.blocks import (
    Block,
    ChartBlock,
    Figures,
    Heading,
    ListBlock,
    Paragraph,
    Section,
    TableBlock,
    Titles,
    as_fraction,
    bar_block,
    fmt_number,
    fmt_percent,
    join_words,
    quoted,
    rounds_block,
)
from assembly.voting.registry import DEFAULT_GRADES

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

# --------------------------------------------------------------------------- results


def winners_sentence(result: Mapping[str, Any], title: Titles) -> str:
    winners = [quoted(title(w)) for w in result.get("winners", [])]
    kind = result.get("winner_kind", "seats")
    if not winners:
        if kind == "adopted":
            return _("No proposal was adopted.")
        if kind == "funded":
            return _("No project was funded.")
        return _("No proposal was chosen.")
    if kind == "adopted":
        return _("Adopted: %(names)s.", names=join_words(winners))
    if kind == "funded":
        return _("Funded: %(names)s.", names=join_words(winners))
    return _("Chosen: %(names)s.", names=join_words(winners))


def result_section(result: Mapping[str, Any] | None, title: Titles) -> Section:
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
    counted = _("%(ballots)s ballots were counted.", ballots=fmt_number(result["ballots"]))
    if result.get("blank"):
        counted += " " + _("%(blank)s of them were blank.", blank=fmt_number(result["blank"]))
    blocks.append(Paragraph(counted))
    blocks.append(Paragraph(winners_sentence(result, title)))
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
                    shown=fmt_number(len(shown)),
                    total=fmt_number(result["options_total"]),
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


def _approval_blocks(result: Mapping[str, Any], title: Titles) -> list[Block]:
    f = result["figures"]
    rows = [
        charts.BarRow(
            title(o),
            float(f["approvals"].get(o, 0)),
            note=_winner_note(result, o),
        )
        for o in result["shown"]
    ]
    block = bar_block(
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
        cells.insert(2, fmt_percent(f["share"].get(option)))
    return [block]


def _score_blocks(result: Mapping[str, Any], title: Titles) -> list[Block]:
    options = result["figures"]["options"]
    rows = [
        charts.BarRow(
            title(o),
            float((options.get(o) or {}).get("sum", 0)),
            note=_winner_note(result, o),
        )
        for o in result["shown"]
    ]
    block = bar_block(
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
        cells[2:2] = [fmt_number(entry.get("mean")), fmt_number(entry.get("scored_by"))]
    return [block]


def _points_blocks(result: Mapping[str, Any], title: Titles) -> list[Block]:
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
    block = bar_block(
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
            cells[2:2] = [
                fmt_number(f["votes_for"].get(option)),
                fmt_number(f["votes_against"].get(option)),
            ]
    return [block]


def _grades_blocks(result: Mapping[str, Any], title: Titles) -> list[Block]:
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
        percent_format=fmt_percent,
    )
    # The table also gives the counts behind the shares.
    for cells, row in zip(table.rows, rows, strict=True):
        for i, count in enumerate(row.shares):
            cells[i + 1] = f"{cells[i + 1]} ({fmt_number(count)})"
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
    caption: str, matrix: Mapping[str, Mapping[str, Any]], shown: list[str], title: Titles
) -> TableBlock:
    header = [_("Proposal")] + [f"#{i}" for i in range(1, len(shown) + 1)]
    rows = []
    for i, row_option in enumerate(shown, start=1):
        cells = [f"#{i} {title(row_option)}"]
        for column_option in shown:
            cells.append(
                "–"
                if column_option == row_option
                else fmt_number((matrix.get(row_option) or {}).get(column_option, 0))
            )
        rows.append(cells)
    return TableBlock(caption, header, rows, [False] + [True] * len(shown))


def _pairwise_blocks(result: Mapping[str, Any], title: Titles) -> list[Block]:
    f = result["figures"]
    shown = result["shown"]
    blocks: list[Block] = []
    ranks_above = f.get("ranks_above", f.get("wins", {}))
    method = result["method"]
    blocks.append(
        bar_block(
            pairwise.decisive_heading(method),
            _("How many other proposals each proposal ranks above, by strongest paths.")
            if method == "schulze"
            else _("How many other proposals each proposal ranks above, by locked majorities."),
            [
                charts.BarRow(title(o), float(ranks_above.get(o, 0)), note=_winner_note(result, o))
                for o in shown
            ],
            label_header=_("Proposal"),
            value_header=_("Ranks above"),
            note_header=_("Result"),
        )
    )
    tiers = [tier for tier in f.get("tiers") or [] if tier]
    if tiers:
        explained = {**f, "tie_break": f.get("tie_break") or {}}
        blocks.append(Heading(_("Why the order is what it is")))
        blocks.append(
            ListBlock(pairwise.order_steps(method, explained, tiers, title), ordered=False)
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
                winner=quoted(title(pair.get("winner"))),
                loser=quoted(title(pair.get("loser"))),
                **{"for": fmt_number(pair.get("for")), "against": fmt_number(pair.get("against"))},
            )
            text += ": " + (
                _("locked in") if pair.get("locked") else _("skipped (it would make a cycle)")
            )
            items.append(text)
        blocks.append(Heading(_("Majorities, strongest first")))
        blocks.append(ListBlock(items, ordered=True))
    return blocks


CHART_PAIRS = 15


def _irv_blocks(result: Mapping[str, Any], title: Titles) -> list[Block]:
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
        rounds_block(
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


def _stv_blocks(result: Mapping[str, Any], title: Titles) -> list[Block]:
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
                seats=fmt_number(f.get("seats")),
                quota=fmt_number(quota),
            )
        ),
        rounds_block(
            _("Votes per stage"),
            _(
                "Each stage shows the votes of the proposals still in the count; the dashed "
                "line is the quota a proposal needs to be elected."
            ),
            rows,
            round_label=_("Stage {n}"),
            threshold=float(quota) if isinstance(quota, int | float) else None,
            threshold_label=_("Quota %(quota)s", quota=fmt_number(quota)),
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
    value = as_fraction(threshold)
    return fmt_percent(value) if value is not None else str(threshold or "–")


def _yes_no_blocks(result: Mapping[str, Any], title: Titles) -> list[Block]:
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
            [
                title(option),
                fmt_number(yes),
                fmt_number(no),
                fmt_number(abstain),
                fmt_percent(entry.get("yes_share")),
                adopted,
            ]
        )
        sentence = _(
            "%(name)s: %(yes)s yes of %(answered)s yes or no is %(share)s; the threshold is "
            "%(threshold)s.",
            name=quoted(title(option)),
            yes=fmt_number(yes),
            answered=fmt_number(yes + no),
            share=fmt_percent(entry.get("yes_share")),
            threshold=threshold,
        )
        if entry.get("quorum_needed"):
            sentence += " " + (
                _(
                    "The quorum of %(quorum)s was met.",
                    quorum=fmt_number(entry.get("quorum_needed")),
                )
                if entry.get("quorum_met")
                else _(
                    "The quorum of %(quorum)s was not met.",
                    quorum=fmt_number(entry.get("quorum_needed")),
                )
            )
        sentence += " " + (_("Adopted.") if entry.get("adopted") else _("Not adopted."))
        sentences.append(sentence)
    chart = bar_block(
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


def _consent_blocks(result: Mapping[str, Any], title: Titles) -> list[Block]:
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
                *(fmt_number(distribution.get(c, 0)) for c in CONSENT_CHOICES),
                fmt_percent(share),
                _("Yes") if entry.get("adopted") else _("No"),
            ]
        )
        sentences.append(
            _(
                "%(name)s: support %(share)s of %(views)s views, %(blocks)s blocks; the "
                "threshold is %(threshold)s and no block.",
                name=quoted(title(option)),
                share=fmt_percent(share),
                views=fmt_number(entry.get("views", 0)),
                blocks=fmt_number(entry.get("blocks", 0)),
                threshold=threshold,
            )
            + " "
            + (_("Adopted.") if entry.get("adopted") else _("Not adopted."))
        )
    chart = bar_block(
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


def _budget_blocks(result: Mapping[str, Any], title: Titles) -> list[Block]:
    f = result["figures"]
    rule = (
        _("Method of Equal Shares") if f.get("rule") == "mes" else _("Greedy, most approved first")
    )
    currency = f.get("currency")

    def amount(value: Any) -> str:
        if currency and isinstance(value, int | float):
            return format_money(value, currency)
        return fmt_number(value)

    blocks: list[Block] = [
        Figures(
            [
                (_("Budget"), amount(f.get("budget"))),
                (_("Spent"), amount(f.get("spent"))),
                (_("Left"), amount(f.get("left"))),
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
    chart = bar_block(
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
                amount(f["costs"].get(o)),
                fmt_number(f["approvals"].get(o)),
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
                        name=quoted(title(p.get("project"))),
                        cost=amount(p.get("cost")),
                        supporters=fmt_number(p.get("supporters")),
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
