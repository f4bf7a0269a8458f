"""The opinion-groups section of a topic summary: how participants cluster by their reactions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assembly.i18n import _l
from assembly.i18n import gettext as _
from assembly.summaries import charts
from assembly.summaries.blocks import (
    ChartBlock,
    Heading,
    ListBlock,
    Paragraph,
    Section,
    TableBlock,
    Titles,
    fmt_number,
    fmt_percent,
    join_words,
    quoted,
)

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
    "small_groups": _l(
        "No division of the participants gave every group enough members to report, so no "
        "opinion groups were formed."
    ),
}


def _by_group(items: list[Mapping[str, Any]], title: Titles) -> ListBlock:
    """Proposals with each group's agree share: "“X”: group A 90% agree, group B 20% agree"."""
    return ListBlock(
        [
            _(
                "%(name)s: %(shares)s",
                name=quoted(title(item["proposal_id"])),
                shares=", ".join(
                    _("group %(label)s %(share)s agree", label=label, share=fmt_percent(share))
                    for label, share in sorted(item["shares"].items())
                ),
            )
            for item in items
        ]
    )


def share_of(count: int, seen: int) -> str:
    return fmt_percent(count / seen if seen else None)


def _group_description(group: Mapping[str, Any], title: Titles) -> str:
    agreed = [
        f"{quoted(title(r['proposal_id']))} ({share_of(r['agree'], r['seen'])})"
        for r in group["representative"]
        if r["direction"] == "agree"
    ]
    disagreed = [
        f"{quoted(title(r['proposal_id']))} ({share_of(r['disagree'], r['seen'])})"
        for r in group["representative"]
        if r["direction"] == "disagree"
    ]
    size = fmt_number(group["size"])
    if agreed and disagreed:
        return _(
            "Group %(label)s (%(size)s participants) agreed more than the others with "
            "%(agreed)s, and disagreed more with %(disagreed)s.",
            label=group["label"],
            size=size,
            agreed=join_words(agreed),
            disagreed=join_words(disagreed),
        )
    if agreed:
        return _(
            "Group %(label)s (%(size)s participants) agreed more than the others with %(agreed)s.",
            label=group["label"],
            size=size,
            agreed=join_words(agreed),
        )
    if disagreed:
        return _(
            "Group %(label)s (%(size)s participants) disagreed more than the others with "
            "%(disagreed)s.",
            label=group["label"],
            size=size,
            disagreed=join_words(disagreed),
        )
    return _(
        "Group %(label)s (%(size)s participants): no proposal sets it clearly apart.",
        label=group["label"],
        size=size,
    )


def opinion_section(data: Mapping[str, Any] | None, title: Titles) -> Section:
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
                    k=fmt_number(data["k"]),
                    clustered=fmt_number(data["participants_clustered"]),
                    total=fmt_number(data["participants_total"]),
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
                legend.format(label=g["label"], size=fmt_number(g["size"])),
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
                shown=fmt_number(len(points)),
                total=fmt_number(data["points_total"]),
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
            percent_format=fmt_percent,
        )
        for cells in table.rows:
            cells[1] = fmt_number(int(cells[1]))
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
        blocks.append(Heading(_("Where the groups agreed")))
        blocks.append(
            Paragraph(
                _(
                    "Group-informed consensus, as Polis computes it: the proposals every "
                    "opinion group leans towards, the one most agreed on across the groups first."
                ),
                muted=True,
            )
        )
        across = data.get("group_consensus", [])
        if across:
            blocks.append(_by_group(across, title))
        else:
            blocks.append(Paragraph(_("No proposal won over every group."), muted=True))
    consensus = data.get("consensus", [])
    blocks.append(Heading(_("Where people agreed")))
    blocks.append(
        Paragraph(
            _(
                "Majority consensus over everyone who reacted, as Polis computes it; a majority "
                "can hide a group that disagrees, so each says whether every group leans the "
                "same way."
            ),
            muted=True,
        )
    )
    if consensus:
        items = []
        for c in consensus:
            count = c["agree"] if c["direction"] == "agree" else c["disagree"]
            text = (
                _(
                    "%(name)s: %(share)s of %(seen)s who reacted agreed",
                    name=quoted(title(c["proposal_id"])),
                    share=share_of(count, c["seen"]),
                    seen=fmt_number(c["seen"]),
                )
                if c["direction"] == "agree"
                else _(
                    "%(name)s: %(share)s of %(seen)s who reacted disagreed",
                    name=quoted(title(c["proposal_id"])),
                    share=share_of(count, c["seen"]),
                    seen=fmt_number(c["seen"]),
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
    if data.get("groups"):
        blocks.append(
            Paragraph(
                _(
                    "Divisive proposals: one opinion group leans towards them and another away, "
                    "the most divided first."
                ),
                muted=True,
            )
        )
    if divisive:
        blocks.append(_by_group(divisive, title))
    else:
        blocks.append(Paragraph(_("No proposal divided the groups clearly."), muted=True))
    return section


# --------------------------------------------------------------------------- arguments
