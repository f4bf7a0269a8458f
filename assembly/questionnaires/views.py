"""What the questionnaire pages show, in the reader's language: fields for answering and the
research page's figures. Pure: no web or database code."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from assembly.exports.privacy import DEFAULT_K
from assembly.i18n import _l
from assembly.i18n import gettext as _
from assembly.questionnaires import analysis
from assembly.questionnaires.items import (
    CHOICE_KINDS,
    DONT_KNOW,
    Item,
    choices_of,
    is_shown,
    sub_keys,
    text_in,
)
from assembly.summaries import charts

WAVE_LABELS: dict[str, Any] = {
    "pre": _l("At joining (before)"),
    "meeting": _l("After a meeting"),
    "topic": _l("After a topic phase"),
    "post": _l("At the end (after)"),
    "followup": _l("Follow-up"),
}


def wave_label(wave: str) -> str:
    return str(WAVE_LABELS.get(wave, wave))


@dataclass
class Field:
    name: str
    kind: str
    label: str
    required: bool
    options: list[tuple[str, str]] = field(default_factory=list)
    hint: str = ""
    shown: bool = True


def fields(items: Sequence[Item], answers: Mapping[str, Any], locale: str) -> list[Field]:
    """One field per answer key; items hidden by skip logic are marked, still in the page so a
    form without JavaScript can be answered in one go (they are ignored unless shown)."""
    out = []
    for item in items:
        text = text_in(item.get("text"), locale)
        options = [(str(c["value"]), text_in(c.get("label"), locale)) for c in choices_of(item)]
        if item.get("dont_know"):
            options.append((str(DONT_KNOW), _("Don't know")))
        hint = ""
        rule = item.get("show_if")
        if rule:
            hint = _(
                "Answer only if your answer above was: %(answer)s",
                answer=_shown_answer(items, rule, locale),
            )
        if item["kind"] == "number":
            hint = _(
                "A number from %(low)s to %(high)s.",
                low=item.get("min", "…"),
                high=item.get("max", "…"),
            )
        rows = {f"{item['key']}_{r['key']}": r for r in item.get("rows") or []}
        for key in sub_keys(item):
            label = text
            if key in rows:
                label = f"{text} {text_in(rows[key].get('text'), locale)}"
            out.append(
                Field(
                    key,
                    "radios" if item["kind"] in ("single", "likert", "grid") else item["kind"],
                    label,
                    bool(item.get("required")),
                    options if item["kind"] in CHOICE_KINDS else [],
                    hint,
                    is_shown(item, answers),
                )
            )
    return out


def _shown_answer(items: Sequence[Item], rule: Mapping[str, Any], locale: str) -> str:
    for item in items:
        if item["key"] == rule.get("item"):
            for choice in choices_of(item):
                if choice["value"] == rule.get("equals"):
                    return text_in(choice.get("label"), locale)
    return str(rule.get("equals"))


def form_values(answers: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Stored answers as form values (single values) and selections (multiple choice)."""
    values: dict[str, str] = {}
    selected: dict[str, list[str]] = {}
    for key, value in answers.items():
        if isinstance(value, list):
            selected[key] = [str(v) for v in value]
        else:
            values[key] = str(value)
    return values, selected


@dataclass
class ItemFigures:
    key: str
    text: str
    chart: Markup | None
    table: charts.ChartTable | None
    change: analysis.Change | None = None


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def change_row(label: str, change: analysis.Change) -> list[str]:
    if change.withheld:
        return [
            label,
            str(change.pairs) if change.pairs >= DEFAULT_K else "",
            _("Withheld"),
            "",
            "",
            "",
        ]
    ci = f"{_fmt(change.ci_low)} – {_fmt(change.ci_high)}"
    return [
        label,
        str(change.pairs),
        f"{_fmt(change.mean_before)} → {_fmt(change.mean_after)}",
        _fmt(change.shift),
        ci,
        "" if change.p_value is None else f"{change.p_value:.3g}",
    ]


def item_figures(
    items: Sequence[Item], answers: analysis.Answers, locale: str, k: int = DEFAULT_K
) -> list[ItemFigures]:
    out = []
    for item in items:
        if item["kind"] not in CHOICE_KINDS:
            continue
        text = text_in(item.get("text"), locale)
        for key in sub_keys(item):
            counts = analysis.distribution(item, key, answers, locale, k)
            rows = [
                charts.BarRow(
                    c.label or _("Don't know"),
                    float(c.count or 0),
                    note="" if c.count is not None else _("fewer than %(k)s", k=k),
                )
                for c in counts
            ]
            svg = charts.bar_chart(text, _("Answers to: %(question)s", question=text), rows)
            table = charts.bar_table(
                rows, label_header=_("Answer"), series=(_("People"), ""), note_header=_("Note")
            )
            out.append(ItemFigures(key, text, svg, table))
    return out
