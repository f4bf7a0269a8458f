"""Accessible inline SVG charts for session summaries, and the same values as table rows.

Every chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` named by
``aria-labelledby``, a ``viewBox`` and ``width="100%"`` so that it scales down to a phone, and
text at 13-20 user units in a 440-unit-wide view. Nothing relies on colour alone: series and
grades also differ by fill pattern, opinion groups by marker shape and a drawn label, and every
value is written out. Colours come from the Okabe-Ito palette, which colour-blind readers can
tell apart; the patterns keep the charts readable when printed in greyscale. No JavaScript, no
fonts (text inherits the page's font) and no ``style`` attributes, so a strict
Content-Security-Policy needs no exception. Classes (``chart``, ``chart-bar``, ``bar``...) are
there for the page's stylesheet, e.g. ``svg.chart { max-width: 40rem; height: auto; }``.

Each ``*_chart`` function has a ``*_table`` companion returning a :class:`ChartTable` with the
same values as strings, for the table the summary shows beside each chart. Labels are passed in
already translated; numbers go through ``number_format`` (pass a locale-aware formatter for
Norwegian decimals). The chart functions return :class:`markupsafe.Markup`, a ``str`` that
Jinja2 does not escape again; every label inside is escaped here.

Drawn by hand rather than with a plotting library: matplotlib's SVG has no ARIA roles or
linked title/description, embeds glyph paths or fonts, and is far larger than these charts.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from html import escape
from typing import TYPE_CHECKING, Final, NamedTuple

from markupsafe import Markup

if TYPE_CHECKING:  # charts need no numpy or scikit-learn at run time
    from assembly.summaries.opinion_groups import OpinionGroupsResult

__all__ = [
    "BarRow",
    "ChartTable",
    "GradeRow",
    "RoundRow",
    "ScatterGroup",
    "ScatterPoint",
    "bar_chart",
    "bar_table",
    "grade_chart",
    "grade_table",
    "round_chart",
    "round_table",
    "scatter_chart",
    "scatter_from_opinion_groups",
    "scatter_table",
]

NumberFormat = Callable[[float], str]

WIDTH: Final = 440
"""Width of every chart's view box, in user units."""
LABEL_SIZE: Final = 15
VALUE_SIZE: Final = 14
SMALL_SIZE: Final = 13
TEXT: Final = "#1a1a1a"
MUTED: Final = "#595959"
GRID: Final = "#b0b0b0"
PRIMARY: Final = "#0072B2"
SECOND: Final = "#E69F00"
# Okabe-Ito colours for groups, with a distinct marker shape each.
GROUP_COLOURS: Final = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
GROUP_SHAPES: Final = ("circle", "square", "triangle", "diamond", "plus", "down")
# Grade colours from best (dark blue) to worst (dark orange); worse-than-middle grades are hatched.
GRADE_COLOURS: Final = ("#08306b", "#2171b5", "#6baed6", "#d9d9d9", "#fdae6b", "#e6550d", "#7f2704")
LABEL_CHARS: Final = 52
HALO: Final = 'stroke="#ffffff" stroke-width="3" paint-order="stroke" stroke-linejoin="round"'
"""A white outline behind text drawn over lines or markers."""


# --------------------------------------------------------------------------- input rows


class BarRow(NamedTuple):
    label: str
    value: float
    second: float | None = None
    """A second series' value (for example last round's result), drawn hatched."""
    note: str = ""
    """Short text written after the value, e.g. "winner"."""


class RoundRow(NamedTuple):
    round: int
    label: str
    value: float
    note: str = ""
    """Written after the value, e.g. a translated "eliminated" or "elected"."""
    status: str = ""
    """"elected", "eliminated" or "": elected bars get an outline, eliminated ones a hatch."""


class GradeRow(NamedTuple):
    label: str
    shares: Sequence[float]
    """Share (or count) of each grade, in the order of ``grades``; normalised when drawn."""
    median: int
    """Index of the median grade in ``grades``."""


class ScatterPoint(NamedTuple):
    x: float
    y: float
    group: int | None
    """Index into the groups list, or None for a participant outside every group."""


class ScatterGroup(NamedTuple):
    label: str
    """Short label drawn next to the group's centre, e.g. "A"."""
    size: int
    centre: tuple[float, float]
    legend: str = ""
    """Legend text, e.g. "Group A: 40 participants"; defaults to ``label``."""


class ChartTable(NamedTuple):
    """The values of a chart as plain strings (escaped by the template, not here)."""

    header: list[str]
    rows: list[list[str]]


# --------------------------------------------------------------------------- helpers


def _number(value: float) -> str:
    if math.isfinite(value) and abs(value - round(value)) < 1e-9:
        return str(round(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _percent(share: float) -> str:
    return f"{share * 100:.0f}%"


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _f(value: float) -> str:
    """A coordinate with one decimal, to keep the markup small."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _truncate(text: str, limit: int = LABEL_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _chart_id(kind: str, *parts: object) -> str:
    digest = hashlib.sha256(repr((kind, *parts)).encode()).hexdigest()[:10]
    return f"chart-{kind}-{digest}"


def _markup(parts: list[str]) -> Markup:
    # Safe: every label and number in ``parts`` went through ``_e`` (html.escape).
    return Markup("".join(parts))  # noqa: S704


def _open(chart_id: str, kind: str, title: str, description: str, height: float) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" '
        f'viewBox="0 0 {WIDTH} {_f(height)}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        # Geometry is laid out left to right; ``direction="ltr"`` keeps it so on right-to-left
        # pages (text would otherwise anchor off the left edge), while bidi still orders
        # Arabic words right to left inside each label, and numbers stay whole and readable.
        f'preserveAspectRatio="xMinYMin meet" font-size="{LABEL_SIZE}" fill="{TEXT}" '
        'direction="ltr" unicode-bidi="isolate">',
        f'<title id="{chart_id}-title">{_e(title)}</title>',
        f'<desc id="{chart_id}-desc">{_e(description)}</desc>',
    ]


def _patterns(chart_id: str) -> str:
    """Fill patterns, so that fills differ in greyscale too."""
    return (
        "<defs>"
        f'<pattern id="{chart_id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="{SECOND}"/>'
        f'<rect width="2.5" height="6" fill="{TEXT}"/></pattern>'
        f'<pattern id="{chart_id}-grey-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)">'
        '<rect width="6" height="6" fill="#e0e0e0"/>'
        f'<rect width="2" height="6" fill="{MUTED}"/></pattern>'
        + "".join(
            f'<pattern id="{chart_id}-grade-{i}" width="6" height="6" '
            'patternUnits="userSpaceOnUse" patternTransform="rotate(-45)">'
            f'<rect width="6" height="6" fill="{colour}"/>'
            '<rect width="1.5" height="6" fill="#ffffff"/></pattern>'
            for i, colour in enumerate(GRADE_COLOURS)
        )
        + "</defs>"
    )


def _scale_max(values: Sequence[float], floor: float | None = None) -> float:
    finite = [v for v in values if math.isfinite(v)]
    top = max([0.0, *finite, *([floor] if floor is not None else [])])
    return top if top > 0 else 1.0


def _text_width(text: str, size: float = VALUE_SIZE) -> float:
    """A generous estimate of rendered text width (average glyph about 0.6 em)."""
    return len(text) * size * 0.6


def _bar_area(value_texts: Sequence[str]) -> float:
    """Bar length for the largest value, leaving room after it for the longest value text."""
    reserve = max([0.0, *(_text_width(t) for t in value_texts)]) + 8
    return max(WIDTH - reserve, WIDTH * 0.4)


def _bar_width(value: float, top: float, area: float) -> float:
    if not math.isfinite(value) or value <= 0:
        return 0.0
    return min(value / top, 1.0) * area


# --------------------------------------------------------------------------- bar chart


def bar_chart(
    title: str,
    description: str,
    rows: Sequence[BarRow],
    *,
    unit: str = "",
    series: tuple[str, str] = ("", ""),
    max_value: float | None = None,
    number_format: NumberFormat | None = None,
    chart_id: str | None = None,
) -> Markup:
    """Horizontal bars, one per row, each labelled above and with its value after it.

    Rows with a ``second`` value get a second, hatched bar; ``series`` names both in a legend.
    Negative values draw no bar (the value is still written).
    """
    fmt = number_format or _number
    chart_id = chart_id or _chart_id("bar", title, description, list(rows), unit)
    two = any(row.second is not None for row in rows)
    bar_h = 12.0 if two else 18.0
    row_h = 22 + (bar_h * 2 + 3 if two else bar_h) + 14
    legend_h = 28.0 if two and any(series) else 0.0
    top = max_value or _scale_max([v for r in rows for v in (r.value, r.second or 0.0)])
    height = legend_h + row_h * max(len(rows), 1) + 4
    area = _bar_area(
        [f"{fmt(r.value)}{unit} {r.note}" for r in rows]
        + [f"{fmt(r.second)}{unit}" for r in rows if r.second is not None]
    )
    out = _open(chart_id, "bar", title, description, height)
    out.append(_patterns(chart_id))
    if legend_h:
        out.append(
            f'<g class="legend" font-size="{SMALL_SIZE}">'
            f'<rect x="0" y="4" width="14" height="14" fill="{PRIMARY}"/>'
            f'<text x="20" y="16">{_e(series[0])}</text>'
            f'<rect x="{WIDTH / 2}" y="4" width="14" height="14" fill="url(#{chart_id}-hatch)" '
            f'stroke="{TEXT}" stroke-width="0.5"/>'
            f'<text x="{WIDTH / 2 + 20}" y="16">{_e(series[1])}</text></g>'
        )
    y = legend_h
    for row in rows:
        bars = [(row.value, "bar", f'fill="{PRIMARY}"')]
        if row.second is not None:
            bars.append(
                (
                    row.second,
                    "bar bar-second",
                    f'fill="url(#{chart_id}-hatch)" stroke="{TEXT}" stroke-width="0.5"',
                )
            )
        values_text = " / ".join(f"{fmt(v)}{unit}" for v, _, _ in bars)
        out.append(f'<g class="row"><title>{_e(row.label)}: {_e(values_text)}</title>')
        out.append(f'<text x="0" y="{_f(y + 16)}">{_e(_truncate(row.label))}</text>')
        bar_y = y + 22
        for value, css, fill in bars:
            width = _bar_width(value, top, area)
            if width > 0:
                out.append(
                    f'<rect class="{css}" x="0" y="{_f(bar_y)}" width="{_f(width)}" '
                    f'height="{_f(bar_h)}" {fill}/>'
                )
            text = f"{fmt(value)}{unit}"
            if css == "bar" and row.note:
                text = f"{text} {row.note}"
            out.append(
                f'<text class="value" x="{_f(width + 5)}" y="{_f(bar_y + bar_h - 2)}" '
                f'font-size="{VALUE_SIZE}" {HALO}>{_e(text)}</text>'
            )
            bar_y += bar_h + 3
        out.append("</g>")
        y += row_h
    out.append(f'<line x1="0.5" y1="{_f(legend_h)}" x2="0.5" y2="{_f(y)}" stroke="{GRID}"/>')
    out.append("</svg>")
    return _markup(out)


def bar_table(
    rows: Sequence[BarRow],
    *,
    unit: str = "",
    label_header: str = "Option",
    series: tuple[str, str] = ("Value", "Second value"),
    note_header: str = "",
    number_format: NumberFormat | None = None,
) -> ChartTable:
    """The bar chart's values: label, value, second value (when any), note (when any)."""
    fmt = number_format or _number
    two = any(row.second is not None for row in rows)
    notes = any(row.note for row in rows)
    header = [
        label_header,
        series[0],
        *([series[1]] if two else []),
        *([note_header] if notes else []),
    ]
    body = []
    for row in rows:
        cells = [row.label, f"{fmt(row.value)}{unit}"]
        if two:
            cells.append("" if row.second is None else f"{fmt(row.second)}{unit}")
        if notes:
            cells.append(row.note)
        body.append(cells)
    return ChartTable(header, body)


# --------------------------------------------------------------------------- rounds


def round_chart(
    title: str,
    description: str,
    rows: Sequence[RoundRow],
    *,
    round_label: str = "Round {n}",
    unit: str = "",
    threshold: float | None = None,
    threshold_label: str = "",
    number_format: NumberFormat | None = None,
    chart_id: str | None = None,
) -> Markup:
    """Bars per round (IRV/STV): a heading per round, then one bar per option in that round.

    ``threshold`` (a quota or majority) is drawn as a dashed line in every round, labelled with
    ``threshold_label``. Elected options are outlined, eliminated ones hatched grey; ``note``
    says so in words.
    """
    fmt = number_format or _number
    chart_id = chart_id or _chart_id("rounds", title, description, list(rows), threshold)
    rounds = sorted({row.round for row in rows})
    top = _scale_max([row.value for row in rows], threshold)
    bar_h, row_h, head_h = 16.0, 52.0, 30.0
    height = sum(head_h + row_h * sum(1 for r in rows if r.round == n) for n in rounds) + 6
    area = _bar_area([f"{fmt(r.value)}{unit} {r.note}" for r in rows])
    out = _open(chart_id, "rounds", title, description, max(height, 30))
    out.append(_patterns(chart_id))
    y = 0.0
    for number in rounds:
        members = [row for row in rows if row.round == number]
        section_top = y
        out.append(f'<g class="round" data-round="{number}">')
        out.append(
            f'<text class="round-label" x="0" y="{_f(y + 20)}" font-weight="bold">'
            f"{_e(round_label.format(n=number))}</text>"
        )
        section_end = y + head_h + row_h * len(members)
        if threshold is not None and math.isfinite(threshold):
            x = _bar_width(threshold, top, area) or 0.5
            out.append(
                f'<line class="threshold" x1="{_f(x)}" y1="{_f(section_top + head_h - 4)}" '
                f'x2="{_f(x)}" y2="{_f(section_end - 8)}" stroke="{TEXT}" stroke-width="1.5" '
                'stroke-dasharray="5 3"/>'
            )
            if threshold_label:
                anchor = "end" if x > WIDTH * 0.6 else "start"
                shift = -4 if anchor == "end" else 4
                out.append(
                    f'<text class="threshold-label" x="{_f(x + shift)}" '
                    f'y="{_f(section_top + 20)}" text-anchor="{anchor}" '
                    f'font-size="{SMALL_SIZE}" fill="{MUTED}">{_e(threshold_label)}</text>'
                )
        y += head_h
        for row in members:
            width = _bar_width(row.value, top, area)
            fill = f'fill="{PRIMARY}"'
            if row.status == "eliminated":
                fill = f'fill="url(#{chart_id}-grey-hatch)" stroke="{MUTED}" stroke-width="0.5"'
            elif row.status == "elected":
                fill = f'fill="{PRIMARY}" stroke="{TEXT}" stroke-width="2.5"'
            value_text = f"{fmt(row.value)}{unit}" + (f" {row.note}" if row.note else "")
            css = f"bar bar-{row.status}" if row.status else "bar"
            out.append(
                f'<g class="row"><title>{_e(row.label)}: {_e(value_text)}</title>'
                f'<text x="0" y="{_f(y + 15)}">{_e(_truncate(row.label))}</text>'
            )
            if width > 0:
                out.append(
                    f'<rect class="{css}" x="0" y="{_f(y + 21)}" width="{_f(width)}" '
                    f'height="{_f(bar_h)}" {fill}/>'
                )
            out.append(
                f'<text class="value" x="{_f(width + 5)}" y="{_f(y + 21 + bar_h - 3)}" '
                f'font-size="{VALUE_SIZE}" {HALO}>{_e(value_text)}</text></g>'
            )
            y += row_h
        out.append("</g>")
    out.append("</svg>")
    return _markup(out)


def round_table(
    rows: Sequence[RoundRow],
    *,
    headers: tuple[str, str, str, str] = ("Round", "Option", "Votes", "Note"),
    unit: str = "",
    number_format: NumberFormat | None = None,
) -> ChartTable:
    fmt = number_format or _number
    ordered = sorted(rows, key=lambda row: row.round)  # stable: options keep their order
    return ChartTable(
        list(headers),
        [[str(row.round), row.label, f"{fmt(row.value)}{unit}", row.note] for row in ordered],
    )


# --------------------------------------------------------------------------- grade profile


def _grade_fill(chart_id: str, index: int, count: int) -> str:
    """Colour by rank on a best-to-worst scale; grades below the middle are also hatched."""
    position = round(index * (len(GRADE_COLOURS) - 1) / max(count - 1, 1))
    if index > (count - 1) / 2:
        return f"url(#{chart_id}-grade-{position})"
    return GRADE_COLOURS[position]


def grade_chart(
    title: str,
    description: str,
    rows: Sequence[GradeRow],
    grades: Sequence[str],
    *,
    median_label: str = "Median: {grade}",
    chart_id: str | None = None,
) -> Markup:
    """Majority-judgment grade profiles: per option a bar of grade shares, best grade first.

    A dashed line at 50 % marks where the median falls; the median grade is also written after
    each option's label. The legend names every grade with its fill.
    """
    chart_id = chart_id or _chart_id("grades", title, description, list(rows), list(grades))
    count = len(grades)
    per_line = 3
    legend_lines = math.ceil(count / per_line) if count else 0
    legend_h = legend_lines * 22 + 8
    bar_h, row_h = 20.0, 54.0
    height = legend_h + row_h * max(len(rows), 1) + 6
    out = _open(chart_id, "grades", title, description, height)
    out.append(_patterns(chart_id))
    out.append(f'<g class="legend" font-size="{SMALL_SIZE}">')
    column_w = WIDTH / per_line
    for i, grade in enumerate(grades):
        lx = (i % per_line) * column_w
        ly = (i // per_line) * 22 + 4
        out.append(
            f'<rect class="grade-{i}" x="{_f(lx)}" y="{_f(ly)}" width="14" height="14" '
            f'fill="{_grade_fill(chart_id, i, count)}" stroke="{TEXT}" stroke-width="0.5"/>'
            f'<text x="{_f(lx + 19)}" y="{_f(ly + 12)}">{_e(_truncate(grade, 18))}</text>'
        )
    out.append("</g>")
    y = float(legend_h)
    area = WIDTH - 2
    for row in rows:
        shares = [max(float(s), 0.0) if math.isfinite(s) else 0.0 for s in row.shares][:count]
        total = sum(shares)
        median_grade = grades[row.median] if 0 <= row.median < count else ""
        label = f"{_truncate(row.label, 34)} · {median_label.format(grade=median_grade)}"
        tooltip = ", ".join(
            f"{grade} {_percent(s / total if total else 0.0)}"
            for grade, s in zip(grades, shares, strict=False)
        )
        out.append(f'<g class="row"><title>{_e(row.label)}: {_e(tooltip)}</title>')
        out.append(f'<text x="0" y="{_f(y + 16)}">{_e(label)}</text>')
        x = 1.0
        for i, share in enumerate(shares):
            width = area * share / total if total else 0.0
            if width > 0:
                out.append(
                    f'<rect class="grade-{i}" x="{_f(x)}" y="{_f(y + 23)}" '
                    f'width="{_f(width)}" height="{_f(bar_h)}" '
                    f'fill="{_grade_fill(chart_id, i, count)}" stroke="#ffffff" '
                    'stroke-width="1"/>'
                )
            x += width
        if not total:
            out.append(
                f'<rect x="1" y="{_f(y + 23)}" width="{_f(area)}" height="{_f(bar_h)}" '
                f'fill="none" stroke="{GRID}"/>'
            )
        out.append("</g>")
        y += row_h
    mid = 1 + area / 2
    out.append(
        f'<line class="median-line" x1="{_f(mid)}" y1="{_f(legend_h + 18)}" x2="{_f(mid)}" '
        f'y2="{_f(y - 4)}" stroke="{TEXT}" stroke-width="2" stroke-dasharray="4 3"/>'
    )
    out.append("</svg>")
    return _markup(out)


def grade_table(
    rows: Sequence[GradeRow],
    grades: Sequence[str],
    *,
    label_header: str = "Option",
    median_header: str = "Median grade",
    percent_format: NumberFormat | None = None,
) -> ChartTable:
    """Per option: the share of each grade and the median grade."""
    pct = percent_format or _percent
    body = []
    for row in rows:
        shares = [float(s) for s in row.shares][: len(grades)]
        total = sum(shares)
        cells = [row.label, *(pct(s / total if total else 0.0) for s in shares)]
        cells += [pct(0.0)] * (len(grades) - len(shares))
        cells.append(grades[row.median] if 0 <= row.median < len(grades) else "")
        body.append(cells)
    return ChartTable([label_header, *grades, median_header], body)


# --------------------------------------------------------------------------- scatter


def _marker(shape: str, x: float, y: float, r: float = 4.0) -> str:
    cx, cy = _f(x), _f(y)
    if shape == "circle":
        return f'<circle cx="{cx}" cy="{cy}" r="{_f(r)}"/>'
    if shape == "square":
        return f'<rect x="{_f(x - r)}" y="{_f(y - r)}" width="{_f(2 * r)}" height="{_f(2 * r)}"/>'
    if shape == "triangle":
        return (
            f'<path d="M{cx} {_f(y - r * 1.2)}L{_f(x + r * 1.1)} {_f(y + r)}H{_f(x - r * 1.1)}Z"/>'
        )
    if shape == "down":
        return (
            f'<path d="M{cx} {_f(y + r * 1.2)}L{_f(x + r * 1.1)} {_f(y - r)}H{_f(x - r * 1.1)}Z"/>'
        )
    if shape == "diamond":
        return (
            f'<path d="M{cx} {_f(y - r * 1.3)}L{_f(x + r * 1.3)} {cy}L{cx} {_f(y + r * 1.3)}'
            f'L{_f(x - r * 1.3)} {cy}Z"/>'
        )
    # plus: a thick cross, drawn as a polygon so it fills like the others
    a, b = r * 1.3, r * 0.45
    return (
        f'<path d="M{_f(x - b)} {_f(y - a)}H{_f(x + b)}V{_f(y - b)}H{_f(x + a)}V{_f(y + b)}'
        f"H{_f(x + b)}V{_f(y + a)}H{_f(x - b)}V{_f(y + b)}H{_f(x - a)}V{_f(y - b)}"
        f'H{_f(x - b)}Z"/>'
    )


def _thin(points: Sequence[ScatterPoint], max_points: int) -> list[ScatterPoint]:
    """An evenly spaced, deterministic subset, so group proportions are kept."""
    if len(points) <= max_points:
        return list(points)
    step = len(points) / max_points
    return [points[int(i * step)] for i in range(max_points)]


def scatter_chart(
    title: str,
    description: str,
    points: Sequence[ScatterPoint],
    groups: Sequence[ScatterGroup],
    *,
    ungrouped_label: str = "Not grouped",
    max_points: int = 2000,
    sampled_note: str = "Showing {shown} of {total} participants.",
    chart_id: str | None = None,
) -> Markup:
    """Opinion groups: one marker per participant, coloured and shaped by group.

    Each group's label is drawn next to its centre and named in the legend with its shape.
    Above ``max_points`` an evenly spaced subset is drawn, and ``sampled_note`` is added to
    the description. The axes have no units: only distances between points mean something.
    """
    chart_id = chart_id or _chart_id("scatter", title, description, len(points), list(groups))
    shown = _thin(points, max_points)
    if len(shown) < len(points):
        description = f"{description} {sampled_note.format(shown=len(shown), total=len(points))}"
    has_ungrouped = any(p.group is None for p in points)
    legend_items = [
        (group.legend or group.label, GROUP_SHAPES[i % len(GROUP_SHAPES)], i)
        for i, group in enumerate(groups)
    ]
    if has_ungrouped:
        legend_items.append((ungrouped_label, "circle", -1))
    plot, pad = float(WIDTH), 22.0
    legend_h = 24.0 * len(legend_items) + 10
    height = plot + legend_h
    out = _open(chart_id, "scatter", title, description, height)
    xs = [p.x for p in points] + [g.centre[0] for g in groups]
    ys = [p.y for p in points] + [g.centre[1] for g in groups]
    finite = [(x, y) for x, y in zip(xs, ys, strict=True) if math.isfinite(x) and math.isfinite(y)]
    span = max(
        [1e-9, *(abs(v) for x, y in finite for v in (x, y))]
    )  # symmetric around 0, equal scale on both axes

    def to_x(x: float) -> float:
        return plot / 2 + x / span * (plot / 2 - pad)

    def to_y(y: float) -> float:
        return plot / 2 - y / span * (plot / 2 - pad)

    out.append(
        f'<rect class="frame" x="0.5" y="0.5" width="{_f(plot - 1)}" height="{_f(plot - 1)}" '
        f'fill="none" stroke="{GRID}"/>'
        f'<line x1="{_f(plot / 2)}" y1="1" x2="{_f(plot / 2)}" y2="{_f(plot - 1)}" '
        f'stroke="{GRID}" stroke-dasharray="2 4"/>'
        f'<line x1="1" y1="{_f(plot / 2)}" x2="{_f(plot - 1)}" y2="{_f(plot / 2)}" '
        f'stroke="{GRID}" stroke-dasharray="2 4"/>'
    )
    if has_ungrouped:
        out.append(
            f'<g class="points ungrouped" fill="none" stroke="{MUTED}" stroke-width="1">'
            + "".join(
                _marker("circle", to_x(p.x), to_y(p.y), 2.5)
                for p in shown
                if p.group is None and math.isfinite(p.x) and math.isfinite(p.y)
            )
            + "</g>"
        )
    for i, _group in enumerate(groups):
        shape = GROUP_SHAPES[i % len(GROUP_SHAPES)]
        colour = GROUP_COLOURS[i % len(GROUP_COLOURS)]
        out.append(
            f'<g class="points group-{i}" fill="{colour}" fill-opacity="0.8" stroke="#ffffff" '
            'stroke-width="0.6">'
            + "".join(
                _marker(shape, to_x(p.x), to_y(p.y))
                for p in shown
                if p.group == i and math.isfinite(p.x) and math.isfinite(p.y)
            )
            + "</g>"
        )
    for i, group in enumerate(groups):
        cx, cy = to_x(group.centre[0]), to_y(group.centre[1])
        cx = min(max(cx, 16.0), plot - 40)
        cy = min(max(cy, 24.0), plot - 8)
        out.append(
            f'<text class="group-label group-{i}" x="{_f(cx + 9)}" y="{_f(cy - 7)}" '
            f'font-size="20" font-weight="bold" stroke="#ffffff" stroke-width="4" '
            f'paint-order="stroke" stroke-linejoin="round">{_e(group.label)}</text>'
            f'<circle class="centre" cx="{_f(cx)}" cy="{_f(cy)}" r="3" fill="{TEXT}"/>'
        )
    y = plot + 14
    out.append(f'<g class="legend" font-size="{SMALL_SIZE + 1}">')
    for text, shape, index in legend_items:
        if index < 0:
            marker = (
                f'<g fill="none" stroke="{MUTED}" stroke-width="1">'
                f"{_marker('circle', 8, y + 7, 3)}</g>"
            )
        else:
            colour = GROUP_COLOURS[index % len(GROUP_COLOURS)]
            marker = f'<g fill="{colour}">{_marker(shape, 8, y + 7, 5)}</g>'
        out.append(f'{marker}<text x="22" y="{_f(y + 12)}">{_e(_truncate(text, 48))}</text>')
        y += 24
    out.append("</g></svg>")
    return _markup(out)


def scatter_table(
    groups: Sequence[ScatterGroup],
    *,
    ungrouped: int = 0,
    headers: tuple[str, str, str] = ("Group", "Participants", "Share"),
    ungrouped_label: str = "Not grouped",
    percent_format: NumberFormat | None = None,
) -> ChartTable:
    """Per group: label, size and share of all participants (plus those not grouped)."""
    pct = percent_format or _percent
    total = sum(g.size for g in groups) + ungrouped
    rows = [
        [g.legend or g.label, str(g.size), pct(g.size / total if total else 0.0)] for g in groups
    ]
    if ungrouped:
        rows.append([ungrouped_label, str(ungrouped), pct(ungrouped / total)])
    return ChartTable(list(headers), rows)


def scatter_from_opinion_groups(
    result: OpinionGroupsResult, *, legend: str = "{label}: {size}"
) -> tuple[list[ScatterPoint], list[ScatterGroup]]:
    """Points and groups of an opinion-groups result, ready for :func:`scatter_chart`.

    ``legend`` is formatted with ``label`` and ``size`` (pass a translated template).
    """
    points = [ScatterPoint(x, y, group) for _, x, y, group in result.points]
    groups = [
        ScatterGroup(g.label, g.size, g.centre, legend.format(label=g.label, size=g.size))
        for g in result.groups
    ]
    return points, groups
