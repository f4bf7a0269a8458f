"""The blocks a summary is made of, and the number and text formatting they share.

The HTML page and the PDF render these same blocks (see :mod:`assembly.summaries.views`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

from babel.numbers import format_percent
from markupsafe import Markup

from assembly.catalogue.data import is_norwegian
from assembly.i18n import _l, current_locale, format_number
from assembly.i18n import gettext as _
from assembly.summaries import charts

Source = Literal["computed", "written"]

SOURCE_LABELS: dict[str, Any] = {
    "computed": _l("Computed from the assembly's data"),
    "written": _l("Written by people"),
}


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


def is_nb() -> bool:
    return is_norwegian(current_locale.get())


def fmt_number(value: Any, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    number = float(value)
    if not math.isfinite(number):
        return "–"
    return format_number(number, 0 if number.is_integer() else digits)


def fmt_percent(share: float | None) -> str:
    if share is None:
        return "–"
    pattern = "#,##0.0%" if 0 < abs(share) < 0.1 else "#,##0%"
    return format_percent(share, format=pattern, locale=current_locale.get())


def quoted(text: str) -> str:
    return f"«{text}»" if is_nb() else f"“{text}”"


def join_words(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return _("%(items)s and %(last)s", items=", ".join(items[:-1]), last=items[-1])


def as_fraction(value: Any) -> float | None:
    try:
        return float(Fraction(str(value)))
    except (ValueError, ZeroDivisionError):
        return None


class Titles:
    def __init__(self, proposals: Mapping[str, Any]) -> None:
        self.proposals = proposals

    def __call__(self, option: Any) -> str:
        entry = self.proposals.get(str(option)) or {}
        return str(entry.get("title") or f"#{option}")


def chart_number(value: float) -> str:
    return fmt_number(value)


# --------------------------------------------------------------------------- charts


def bar_block(
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
        number_format=chart_number,
    )
    table = charts.bar_table(
        rows,
        unit=unit,
        label_header=label_header,
        series=series,
        note_header=note_header or _("Note"),
        number_format=chart_number,
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
            "number_format": chart_number,
        },
    )


def rounds_block(
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
        number_format=chart_number,
    )
    table = charts.round_table(rows, headers=headers, number_format=chart_number)
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
            "number_format": chart_number,
        },
    )
