"""A summary as a PDF handout, drawn with reportlab from the same view as the HTML page.

Every section and block of :class:`~assembly.summaries.views.SummaryView` becomes the matching
flowable: paragraphs, key-figure tables, tables, lists, quotations and practice links, and each
chart becomes a reportlab drawing followed by the same table of values as on the page. Drawings
do not rely on colour alone either: values are written beside the bars, grade segments carry
their grade's number, opinion groups differ by marker shape and are labelled, and eliminated
options are drawn with a dashed outline.

The PDF embeds DejaVu Sans (:mod:`assembly.summaries.fonts`), so its text stays searchable
and prints every letter the page shows; characters the font lacks, such as emoji, are written
out by name.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Circle, Drawing, Line, Polygon, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, StyleSheet1, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    ListFlowable,
    ListItem,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

from assembly.i18n import gettext as _
from assembly.i18n import text_direction
from assembly.summaries import charts
from assembly.summaries.fonts import FONT, FONT_BOLD, FONT_ITALIC, drawable, register_fonts
from assembly.summaries.views import (
    Block,
    ChartBlock,
    Figures,
    Heading,
    LinkBlock,
    ListBlock,
    PracticeBlock,
    QuoteBlock,
    SummaryView,
    TableBlock,
    TextBlock,
)
from assembly.summaries.views import Paragraph as TextParagraph

__all__ = ["render_pdf"]

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
WIDTH = PAGE_WIDTH - 2 * MARGIN
MAX_DRAWING_HEIGHT = 560.0
INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#555555")
GRID = colors.HexColor("#b0b0b0")
PRIMARY = colors.HexColor("#0072B2")
SECOND = colors.HexColor("#E69F00")
GROUP_COLOURS = [colors.HexColor(c) for c in charts.GROUP_COLOURS]
PDF_POINTS = 800


def _plain(text: object) -> str:
    """Text the embedded font can draw, other characters written out by name."""
    return drawable(text)


def _markup(text: object) -> str:
    """Plain text escaped for reportlab's paragraph mark-up."""
    return escape(_plain(text))


def _styles(language: str = "en") -> StyleSheet1:
    sheet = _base_styles()
    rtl = text_direction(language) == "rtl"
    for style in sheet.byName.values():
        if not isinstance(style, ParagraphStyle):
            continue
        # HarfBuzz joins Arabic letters into their connected forms (DejaVu Sans has them).
        # Latin and Cyrillic need no shaping, and unshaped text keeps "fi" copyable as two
        # letters rather than a ligature.
        style.shaping = 1 if rtl else 0
        if rtl and style.alignment != TA_RIGHT:
            style.alignment = TA_RIGHT
    return sheet


def _base_styles() -> StyleSheet1:
    register_fonts()
    sheet = getSampleStyleSheet()
    base = sheet["BodyText"]
    base.fontName = FONT
    base.fontSize = 10
    base.leading = 13.5
    sheet.add(ParagraphStyle("Muted", parent=base, textColor=MUTED, fontSize=9, leading=12))
    sheet.add(ParagraphStyle("Cell", parent=base, fontSize=8.5, leading=10.5))
    sheet.add(ParagraphStyle("CellNum", parent=sheet["Cell"], alignment=TA_RIGHT))
    sheet.add(ParagraphStyle("SmallCell", parent=base, fontSize=7, leading=8.5))
    sheet.add(ParagraphStyle("SmallNum", parent=sheet["SmallCell"], alignment=TA_RIGHT))
    sheet.add(
        ParagraphStyle(
            "Quote",
            parent=base,
            leftIndent=14,
            borderPadding=(2, 0, 2, 6),
            fontName=FONT_ITALIC,
        )
    )
    sheet.add(ParagraphStyle("Eyebrow", parent=sheet["Muted"], fontSize=9))
    sheet["Title"].fontName = FONT_BOLD
    sheet["Title"].alignment = 0
    sheet["Title"].fontSize = 18
    sheet["Title"].leading = 22
    sheet["Heading2"].fontName = FONT_BOLD
    sheet["Heading3"].fontName = FONT_BOLD
    sheet["Heading3"].fontSize = 11
    return sheet


def _fit_words(text: str, width: float, size: float) -> str:
    """As many whole words of the text as fit the width, with an ellipsis if any were left."""
    if stringWidth(text, FONT, size) <= width:
        return text
    words = text.split()
    while words and stringWidth(" ".join(words) + " …", FONT, size) > width:
        words.pop()
    return " ".join(words) + " …" if words else "…"


# --------------------------------------------------------------------------- drawings


def _text(x: float, y: float, text: str, size: float = 8, **kw: Any) -> String:
    return String(x, y, _plain(text), fontName=FONT, fontSize=size, fillColor=INK, **kw)


def _bar_drawings(data: dict[str, Any]) -> list[Drawing]:
    rows: Sequence[charts.BarRow] = data["rows"]
    fmt = data.get("number_format") or str
    unit = data.get("unit", "")
    series = data.get("series", ("", ""))
    two = any(r.second is not None for r in rows)
    bar_h = 7.0 if two else 10.0
    row_h = 12 + (2 * bar_h + 2 if two else bar_h) + 6
    values = [v for r in rows for v in (r.value, r.second or 0.0)]
    top = max([1e-9, *(v for v in values if math.isfinite(v))])
    area = WIDTH * 0.72
    per_drawing = max(int(MAX_DRAWING_HEIGHT // row_h), 1)
    drawings = []
    for start in range(0, max(len(rows), 1), per_drawing):
        chunk = rows[start : start + per_drawing]
        legend = 14.0 if two and any(series) and start == 0 else 0.0
        height = legend + row_h * len(chunk) + 4
        d = Drawing(WIDTH, height)
        y = height - legend
        if legend:
            d.add(Rect(0, height - 10, 8, 8, fillColor=PRIMARY, strokeColor=None))
            d.add(_text(12, height - 9, series[0]))
            d.add(
                Rect(
                    WIDTH / 2,
                    height - 10,
                    8,
                    8,
                    fillColor=SECOND,
                    strokeColor=INK,
                    strokeDashArray=[2, 1],
                )
            )
            d.add(_text(WIDTH / 2 + 12, height - 9, series[1]))
        for row in chunk:
            y -= 11
            d.add(_text(0, y, charts._truncate(row.label, 90)))
            bars: list[tuple[float, Any, list[int] | None]] = [(row.value, PRIMARY, None)]
            if row.second is not None:
                bars.append((row.second, SECOND, [2, 1]))
            for index, (value, colour, dash) in enumerate(bars):
                y -= bar_h + (2 if index else 1)
                width = max(min(value / top, 1.0), 0.0) * area if math.isfinite(value) else 0.0
                if width > 0:
                    d.add(
                        Rect(
                            0,
                            y,
                            width,
                            bar_h,
                            fillColor=colour,
                            strokeColor=INK if dash else None,
                            strokeWidth=0.4,
                            strokeDashArray=dash,
                        )
                    )
                label = f"{fmt(value)}{unit}"
                if index == 0 and row.note:
                    label += f" {row.note}"
                d.add(_text(width + 3, y + 1.5, label))
            y -= 6
        drawings.append(d)
    return drawings


def _round_drawings(data: dict[str, Any]) -> list[Drawing]:
    rows: Sequence[charts.RoundRow] = data["rows"]
    fmt = data.get("number_format") or str
    threshold = data.get("threshold")
    top = max([1e-9, *(r.value for r in rows), *([threshold] if threshold else [])])
    area = WIDTH * 0.72
    drawings = []
    for number in sorted({r.round for r in rows}):
        members = [r for r in rows if r.round == number]
        row_h = 22.0
        height = 16 + row_h * len(members) + 4
        d = Drawing(WIDTH, height)
        d.add(
            String(
                0,
                height - 11,
                _plain(data["round_label"].format(n=number)),
                fontName=FONT_BOLD,
                fontSize=9,
                fillColor=INK,
            )
        )
        if threshold:
            x = threshold / top * area
            d.add(Line(x, 2, x, height - 16, strokeColor=INK, strokeDashArray=[3, 2]))
            if data.get("threshold_label"):
                d.add(_text(x + 3, height - 11, data["threshold_label"], 7))
        y = height - 16
        for row in members:
            y -= 10
            d.add(_text(0, y, charts._truncate(row.label, 90)))
            y -= 10
            width = max(min(row.value / top, 1.0), 0.0) * area
            if width > 0:
                if row.status == "eliminated":
                    d.add(
                        Rect(
                            0,
                            y,
                            width,
                            8,
                            fillColor=colors.HexColor("#dddddd"),
                            strokeColor=MUTED,
                            strokeDashArray=[2, 1],
                            strokeWidth=0.6,
                        )
                    )
                elif row.status == "elected":
                    d.add(Rect(0, y, width, 8, fillColor=PRIMARY, strokeColor=INK, strokeWidth=1.5))
                else:
                    d.add(Rect(0, y, width, 8, fillColor=PRIMARY, strokeColor=None))
            label = fmt(row.value) + (f" {row.note}" if row.note else "")
            d.add(_text(width + 3, y + 1, label))
            y -= 2
        drawings.append(d)
    return drawings


def _grade_drawings(data: dict[str, Any]) -> list[Drawing]:
    rows: Sequence[charts.GradeRow] = data["rows"]
    grades: list[str] = data["grades"]
    count = len(grades)
    shades = [
        colors.Color(
            0.1 + 0.8 * i / max(count - 1, 1),
            0.2 + 0.7 * i / max(count - 1, 1),
            0.45 + 0.5 * i / max(count - 1, 1),
        )
        for i in range(count)
    ]
    legend_lines = math.ceil(count / 3)
    row_h = 26.0
    height = legend_lines * 12 + 6 + row_h * len(rows)
    d = Drawing(WIDTH, height)
    y = height
    for i, grade in enumerate(grades):
        x = (i % 3) * WIDTH / 3
        line_y = height - 10 - (i // 3) * 12
        d.add(Rect(x, line_y, 8, 8, fillColor=shades[i], strokeColor=INK, strokeWidth=0.3))
        d.add(_text(x + 11, line_y + 1, f"{i + 1} {grade}"))
    y = height - legend_lines * 12 - 6
    for row in rows:
        shares = [max(float(s), 0.0) for s in row.shares][:count]
        total = sum(shares)
        median = grades[row.median] if 0 <= row.median < count else ""
        y -= 10
        d.add(
            _text(
                0,
                y,
                f"{charts._truncate(row.label, 60)} · " + data["median_label"].format(grade=median),
            )
        )
        y -= 12
        x = 0.0
        for i, share in enumerate(shares):
            width = WIDTH * share / total if total else 0.0
            if width > 0:
                d.add(
                    Rect(
                        x,
                        y,
                        width,
                        10,
                        fillColor=shades[i],
                        strokeColor=colors.white,
                        strokeWidth=0.5,
                    )
                )
                if width > 9:
                    d.add(
                        String(
                            x + width / 2,
                            y + 2.5,
                            str(i + 1),
                            fontName=FONT,
                            fontSize=6.5,
                            textAnchor="middle",
                            fillColor=colors.white if i < count / 2 else INK,
                        )
                    )
            x += width
        d.add(Line(WIDTH / 2, y - 1, WIDTH / 2, y + 11, strokeColor=INK, strokeDashArray=[2, 1]))
        y -= 4
    return [d]


def _marker(shape: str, x: float, y: float, r: float, colour: Any) -> Any:
    if shape == "circle":
        return Circle(x, y, r, fillColor=colour, strokeColor=None)
    if shape == "square":
        return Rect(x - r, y - r, 2 * r, 2 * r, fillColor=colour, strokeColor=None)
    if shape == "triangle":
        return Polygon(
            [x, y + r * 1.2, x + r * 1.1, y - r, x - r * 1.1, y - r],
            fillColor=colour,
            strokeColor=None,
        )
    if shape == "down":
        return Polygon(
            [x, y - r * 1.2, x + r * 1.1, y + r, x - r * 1.1, y + r],
            fillColor=colour,
            strokeColor=None,
        )
    if shape == "diamond":
        return Polygon(
            [x, y + r * 1.3, x + r * 1.3, y, x, y - r * 1.3, x - r * 1.3, y],
            fillColor=colour,
            strokeColor=None,
        )
    a, b = r * 1.3, r * 0.45
    return Polygon(
        [
            x - b,
            y + a,
            x + b,
            y + a,
            x + b,
            y + b,
            x + a,
            y + b,
            x + a,
            y - b,
            x + b,
            y - b,
            x + b,
            y - a,
            x - b,
            y - a,
            x - b,
            y - b,
            x - a,
            y - b,
            x - a,
            y + b,
            x - b,
            y + b,
        ],
        fillColor=colour,
        strokeColor=None,
    )


def _scatter_drawings(data: dict[str, Any]) -> list[Drawing]:
    points: Sequence[charts.ScatterPoint] = data["points"]
    groups: Sequence[charts.ScatterGroup] = data["groups"]
    if len(points) > PDF_POINTS:
        step = len(points) / PDF_POINTS
        points = [points[int(i * step)] for i in range(PDF_POINTS)]
    plot = min(WIDTH, 300.0)
    legend_h = 12.0 * (len(groups) + 1) + 4
    d = Drawing(WIDTH, plot + legend_h)
    values = [abs(v) for p in points for v in (p.x, p.y) if math.isfinite(v)]
    values += [abs(v) for g in groups for v in g.centre]
    span = max([1e-9, *values])
    pad = 10.0

    def place(x: float, y: float) -> tuple[float, float]:
        return (
            plot / 2 + x / span * (plot / 2 - pad),
            legend_h + plot / 2 + y / span * (plot / 2 - pad),
        )

    d.add(Rect(0, legend_h, plot, plot, fillColor=None, strokeColor=GRID))
    for point in points:
        if not (math.isfinite(point.x) and math.isfinite(point.y)):
            continue
        x, y = place(point.x, point.y)
        if point.group is None:
            d.add(Circle(x, y, 1.4, fillColor=None, strokeColor=MUTED, strokeWidth=0.4))
        else:
            shape = charts.GROUP_SHAPES[point.group % len(charts.GROUP_SHAPES)]
            d.add(_marker(shape, x, y, 2.0, GROUP_COLOURS[point.group % len(GROUP_COLOURS)]))
    for group in groups:
        x, y = place(*group.centre)
        d.add(
            String(
                x + 5,
                y + 4,
                _plain(group.label),
                fontName=FONT_BOLD,
                fontSize=12,
                fillColor=INK,
                strokeColor=colors.white,
                strokeWidth=0.3,
            )
        )
    y = legend_h - 10
    for index, group in enumerate(groups):
        shape = charts.GROUP_SHAPES[index % len(charts.GROUP_SHAPES)]
        d.add(_marker(shape, 4, y + 3, 3.0, GROUP_COLOURS[index % len(GROUP_COLOURS)]))
        d.add(_text(12, y, group.legend or group.label))
        y -= 12
    if any(p.group is None for p in points):
        d.add(Circle(4, y + 3, 2.0, fillColor=None, strokeColor=MUTED, strokeWidth=0.5))
        d.add(_text(12, y, data.get("ungrouped_label", "")))
    return [d]


_DRAWERS = {
    "bar": _bar_drawings,
    "rounds": _round_drawings,
    "grades": _grade_drawings,
    "scatter": _scatter_drawings,
}


# --------------------------------------------------------------------------- blocks


def _table(block: TableBlock, styles: StyleSheet1) -> list[Flowable]:
    columns = (
        max(len(block.header), *(len(r) for r in block.rows)) if block.rows else len(block.header)
    )
    small = columns > 6
    cell = styles["SmallCell" if small else "Cell"]
    num = styles["SmallNum" if small else "CellNum"]
    first = WIDTH * (0.34 if columns > 3 else 0.5)
    rest = (WIDTH - first) / max(columns - 1, 1)
    widths = [first] + [rest] * (columns - 1) if columns > 1 else [WIDTH]

    def style(column: int) -> ParagraphStyle:
        return num if column and block.is_numeric(column) else cell

    data = [[Paragraph(f"<b>{_markup(h)}</b>", style(i)) for i, h in enumerate(block.header)]]
    data += [[Paragraph(_markup(v), style(i)) for i, v in enumerate(row)] for row in block.rows]
    table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f5")),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, GRID),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    caption = (
        Paragraph(f"<i>{_markup(block.caption)}</i>", styles["Muted"]) if block.caption else None
    )
    return [*([caption] if caption else []), table, Spacer(1, 6)]


def _text_paragraphs(text: str, style: ParagraphStyle) -> list[Flowable]:
    blocks = [b.strip() for b in text.replace("\r\n", "\n").split("\n\n") if b.strip()]
    return [Paragraph("<br/>".join(_markup(line) for line in b.split("\n")), style) for b in blocks]


def _block(block: Block, styles: StyleSheet1, base_url: str = "") -> list[Flowable]:
    if isinstance(block, TextParagraph):
        return [Paragraph(_markup(block.text), styles["Muted" if block.muted else "BodyText"])]
    if isinstance(block, TextBlock):
        label = (
            [Paragraph(f"<b>{_markup(block.label)}</b>", styles["BodyText"])] if block.label else []
        )
        return [*label, *_text_paragraphs(block.text, styles["BodyText"])]
    if isinstance(block, Heading):
        return [CondPageBreak(60), Paragraph(_markup(block.text), styles["Heading3"])]
    if isinstance(block, Figures):
        return _table(TableBlock(block.caption, ["", ""], [list(i) for i in block.items]), styles)[
            1:
        ]
    if isinstance(block, TableBlock):
        return _table(block, styles)
    if isinstance(block, ChartBlock):
        drawings = _DRAWERS[block.chart](block.data)
        head = [
            Paragraph(f"<b>{_markup(block.title)}</b>", styles["BodyText"]),
            Paragraph(_markup(block.description), styles["Muted"]),
        ]
        return [
            KeepTogether([*head, drawings[0]]),
            *drawings[1:],
            Spacer(1, 4),
            *_table(block.table, styles),
        ]
    if isinstance(block, ListBlock):
        items = [ListItem(Paragraph(_markup(item), styles["BodyText"])) for item in block.items]
        return [
            ListFlowable(
                items,
                bulletType="1" if block.ordered else "bullet",
                start=None if block.ordered else "•",
                leftIndent=14,
                bulletFontName=FONT,
                bulletFontSize=8,
            )
        ]
    if isinstance(block, QuoteBlock):
        return [
            *_text_paragraphs(block.text, styles["Quote"]),
            Paragraph(f"– {_markup(block.attribution)}", styles["Muted"]),
            Spacer(1, 4),
        ]
    if isinstance(block, LinkBlock):
        return [Paragraph(_markup(f"{block.label}: {base_url}{block.url}"), styles["Muted"])]
    if isinstance(block, PracticeBlock):
        flow: list[Flowable] = []
        for item in block.items:
            meta = " · ".join(x for x in (item.kind_label, item.place) if x)
            flow.append(
                Paragraph(
                    f"<b>{_markup(item.title)}</b>" + (f" ({_markup(meta)})" if meta else ""),
                    styles["BodyText"],
                )
            )
            flow.append(Paragraph(_markup(item.reason), styles["BodyText"]))
            if item.scores:
                flow.append(Paragraph(_markup(item.scores), styles["Muted"]))
            flow.append(Paragraph(_markup(f"{base_url}{item.url}"), styles["Muted"]))
            flow.append(Spacer(1, 4))
        return flow
    return []


def render_pdf(view: SummaryView, *, base_url: str = "") -> bytes:
    """The summary as PDF bytes (A4), with the same sections and numbers as the page."""
    styles = _styles(view.language)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=_plain(view.title),
        author="Assembly",
        subject=_plain(view.eyebrow),
        lang=view.language,
        # The canvas starts in the embedded font, so the file names no font it does not embed.
        initialFontName=FONT,
    )
    story: list[Flowable] = [
        Paragraph(_markup(view.eyebrow), styles["Eyebrow"]),
        Paragraph(_markup(view.title), styles["Title"]),
    ]
    if view.meta:
        story.append(Paragraph(_markup(" · ".join(view.meta)), styles["Muted"]))
    if view.notice:
        story.append(Paragraph(f"<b>{_markup(view.notice)}</b>", styles["BodyText"]))
    for label, url in view.links:
        story.append(Paragraph(_markup(f"{label}: {base_url}{url}"), styles["Muted"]))
    story.append(Spacer(1, 8))
    for section in view.sections:
        story.append(CondPageBreak(90))
        story.append(Paragraph(_markup(section.title), styles["Heading2"]))
        story.append(Paragraph(f"<i>{_markup(section.source_label)}</i>", styles["Muted"]))
        for block in section.blocks:
            story.extend(_block(block, styles, base_url))

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.setFillColor(MUTED)
        number = _plain(_("Page %(n)s", n=doc.page))
        room = WIDTH - stringWidth(number, FONT, 8) - 12
        canvas.drawString(MARGIN, 10 * mm, _fit_words(_plain(view.title), room, 8))
        canvas.drawRightString(PAGE_WIDTH - MARGIN, 10 * mm, number)
        canvas.restoreState()

    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
