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
from collections.abc import Mapping, Sequence
from typing import Any

from assembly.ballots.results import METHOD_LABELS
from assembly.catalogue.data import kind_label
from assembly.exports.privacy import DEFAULT_K
from assembly.i18n import _l, current_locale, format_datetime
from assembly.i18n import gettext as _
from assembly.summaries import charts
from assembly.summaries.blocks import (
    Block,
    ChartBlock,
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
    Titles,
    bar_block,
    fmt_number,
    fmt_percent,
    is_nb,
    join_words,
    quoted,
)
from assembly.summaries.opinion_blocks import opinion_section, share_of
from assembly.summaries.representativeness import withhold_small_counts
from assembly.summaries.result_blocks import result_section, winners_sentence

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


STATUS_TEXTS: dict[str, Any] = {
    "within": _l("within the target"),
    "below": _l("below the target"),
    "above": _l("above the target"),
}


# --------------------------------------------------------------------------- blocks

# --------------------------------------------------------------------------- participation


def _participation_section(p: Mapping[str, Any], rep: Mapping[str, Any] | None) -> Section:
    figures = [
        (
            _("Participants in the assembly"),
            _(
                "%(total)s (%(online)s online, %(paper)s on paper)",
                total=fmt_number(p["participants"]),
                online=fmt_number(p["online"]),
                paper=fmt_number(p["paper"]),
            ),
        ),
        (_("Took part in this topic"), fmt_number(p["active"])),
        (
            _("Proposals"),
            fmt_number(p["proposals"])
            + (
                " "
                + _(
                    "(%(hidden)s hidden, %(merged)s merged)",
                    hidden=fmt_number(p["proposals_hidden"]),
                    merged=fmt_number(p["proposals_merged"]),
                )
                if p["proposals_hidden"] or p["proposals_merged"]
                else ""
            ),
        ),
        (
            _("Arguments"),
            _(
                "%(total)s (%(pro)s for, %(con)s against)",
                total=fmt_number(p["arguments"]),
                pro=fmt_number(p["arguments_pro"]),
                con=fmt_number(p["arguments_con"]),
            ),
        ),
        (
            _("Reactions"),
            _(
                "%(total)s from %(people)s participants (%(agree)s agree, %(disagree)s "
                "disagree, %(passes)s pass)",
                total=fmt_number(p["reactions"]),
                people=fmt_number(p["reacting"]),
                agree=fmt_number(p["agree"]),
                disagree=fmt_number(p["disagree"]),
                passes=fmt_number(p["pass"]),
            ),
        ),
        (
            _("Ballots"),
            _(
                "%(total)s (%(online)s online, %(paper)s on paper)",
                total=fmt_number(p["ballots"]),
                online=fmt_number(p["ballots_online"]),
                paper=fmt_number(p["ballots_paper"]),
            )
            + (
                " " + _("%(count)s set aside", count=fmt_number(p["ballots_set_aside"]))
                if p.get("ballots_set_aside")
                else ""
            ),
        ),
        (_("Invited"), fmt_number(p["invited"]) if p["invited"] else _("not recorded")),
        (_("Turnout (ballots per invited person)"), fmt_percent(p.get("turnout"))),
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
        bar_block(
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
    # Summaries stored before the small-cell rule are withheld here, when they are drawn.
    rep = withhold_small_counts(rep)
    if not rep:
        blocks.append(
            Paragraph(_("No demographic answers or sortition quotas were recorded."), muted=True)
        )
        return blocks
    k = int(rep.get("withheld_k") or DEFAULT_K)
    hidden = _("fewer than %(k)s", k=fmt_number(k))

    def count(value: Any, withheld: bool) -> str:
        if withheld:
            return hidden
        return fmt_number(value) if value is not None else "–"

    blocks.append(
        Paragraph(
            _(
                "%(answered)s of %(total)s participants answered the questions about themselves.",
                answered=count(rep.get("answered", 0), bool(rep.get("answered_withheld"))),
                total=fmt_number(rep.get("participants", 0)),
            )
        )
    )
    if rep.get("has_targets"):
        blocks.append(
            Paragraph(
                _(
                    "Targets are the quotas of the panel drawn by lot (panel size "
                    "%(size)s): a quota's minimum and maximum as shares of the panel.",
                    size=fmt_number(rep.get("panel_size")),
                )
            )
        )
    panel = rep.get("panel")
    if panel:
        blocks.append(
            Paragraph(
                _(
                    "%(joined)s of the %(members)s panel members joined with their invite code.",
                    joined=fmt_number(panel.get("joined", 0)),
                    members=fmt_number(panel.get("members", 0)),
                )
            )
        )
    withheld_any = False
    for feature in rep.get("features", []):
        header = [_("Answer"), _("Participants"), _("Share")]
        numeric = [False, True, True]
        targets = any(row.get("target_min") is not None for row in feature["rows"])
        if targets:
            header += [_("Target share"), _("Panel"), _("Compared with the target")]
            numeric += [True, True, False]
        rows = []
        for row in feature["rows"]:
            withheld_any = withheld_any or bool(row.get("withheld") or row.get("panel_withheld"))
            cells = [
                row["label"],
                count(row.get("count"), bool(row.get("withheld"))),
                fmt_percent(row.get("share")),
            ]
            if targets:
                low, high = row.get("target_min"), row.get("target_max")
                cells += [
                    f"{fmt_percent(low)}–{fmt_percent(high)}"
                    if low is not None and high is not None
                    else "–",
                    count(row.get("panel"), bool(row.get("panel_withheld"))),
                    str(STATUS_TEXTS[row["status"]]) if row.get("status") else "–",
                ]
            rows.append(cells)
        blocks.append(TableBlock(str(feature["label"]), header, rows, numeric))
    if withheld_any or rep.get("answered_withheld"):
        blocks.append(
            Paragraph(
                _(
                    "Counts from 1 to %(below)s are withheld, and with them enough others that "
                    "the totals do not give them away, so that nobody can be recognised.",
                    below=fmt_number(k - 1),
                ),
                muted=True,
            )
        )
    return blocks


def _arguments_section(content: Mapping[str, Any], title: Titles) -> Section:
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
        blocks.append(Heading(quoted(title(entry["proposal_id"]))))
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
                            shown=fmt_number(len(items)),
                            total=fmt_number(total),
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
                            support=fmt_number(item["support"]),
                        ),
                    )
                )
    return section


# --------------------------------------------------------------------------- practices


def _practice_items(matches: Sequence[Mapping[str, Any]], show_scores: bool) -> list[PracticeItem]:
    nb = is_nb()
    items = []
    for m in matches:
        try:
            kind = kind_label(m.get("kind", ""), current_locale.get())
        except KeyError:
            kind = ""
        scores = (
            _(
                "Score %(score)s (text %(text)s, area %(area)s)",
                score=fmt_number(m["score"], 3),
                text=fmt_number(m["text_score"], 3),
                area=fmt_number(m["area_score"], 3),
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
    title: Titles,
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
        blocks.append(Heading(_("For %(name)s", name=quoted(title(proposal_id)))))
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


def _table_notes_section(notes: Sequence[Mapping[str, Any]], title: Titles) -> Section | None:
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
                    names=join_words([quoted(title(p)) for p in note.get("proposal_ids", [])]),
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
    title = Titles(content.get("proposals") or {})
    result = content.get("result")
    method = (result or {}).get("method") or (content.get("topic") or {}).get("voting_method", "")
    sections = [
        _notes_section(facilitator_notes),
        _participation_section(content["participation"], content.get("representativeness")),
        result_section(result, title),
        _arguments_section(content, title),
        opinion_section(content.get("opinion_groups"), title),
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
                total=fmt_number(p["participants"]),
                online=fmt_number(p["online"]),
                paper=fmt_number(p["paper"]),
            ),
        ),
        (_("Invited"), fmt_number(p["invited"]) if p["invited"] else _("not recorded")),
        (_("Joined (share of invited)"), fmt_percent(p.get("joined_share"))),
        (_("Topics in this summary"), fmt_number(p["topics"])),
        (_("Ballots on these topics"), fmt_number(p["ballots"])),
    ]
    participation_blocks: list[Block] = [Figures(figures, caption=_("Participation in figures"))]
    if data["topics"]:
        participation_blocks.append(
            bar_block(
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
        title = Titles(content.get("proposals") or {})
        result = content.get("result") or {}
        part = content["participation"]
        blocks: list[Block] = [
            Figures(
                [
                    (_("Took part"), fmt_number(part["active"])),
                    (_("Proposals"), fmt_number(part["proposals"])),
                    (_("Reactions"), fmt_number(part["reactions"])),
                    (_("Ballots"), fmt_number(part["ballots"])),
                    (_("Turnout"), fmt_percent(part.get("turnout"))),
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
                    + winners_sentence(result, title)
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
                        k=fmt_number(groups["k"]),
                        clustered=fmt_number(groups["participants_clustered"]),
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
                            name=quoted(title(c["proposal_id"])),
                            share=share_of(c["agree"], c["seen"]),
                            seen=fmt_number(c["seen"]),
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
