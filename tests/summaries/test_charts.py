"""Accessible SVG charts: well-formed, titled, described, escaped, and matching their tables."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from markupsafe import Markup

from assembly.summaries.charts import (
    BarRow,
    ChartTable,
    GradeRow,
    RoundRow,
    ScatterGroup,
    ScatterPoint,
    bar_chart,
    bar_table,
    grade_chart,
    grade_table,
    round_chart,
    round_table,
    scatter_chart,
    scatter_from_opinion_groups,
    scatter_table,
)
from assembly.summaries.opinion_groups import compute_opinion_groups

SVG = "{http://www.w3.org/2000/svg}"
NASTY = '<script>alert("x")</script> & Co'

GRADES = ["Excellent", "Very good", "Good", "Fair", "Poor", "Reject"]


def all_charts() -> dict[str, str]:
    points = [ScatterPoint(float(i % 7) - 3, float(i % 5) - 2, i % 3) for i in range(60)]
    points.append(ScatterPoint(0.5, 0.5, None))
    groups = [
        ScatterGroup(NASTY, 20, (-1.0, 1.0), f"Group {NASTY}"),
        ScatterGroup("B", 20, (1.0, 0.0)),
        ScatterGroup("C", 20, (0.0, -1.5)),
    ]
    return {
        "bar": bar_chart(
            f"Approval {NASTY}",
            f"Description {NASTY}",
            [BarRow(NASTY, 12, note=NASTY), BarRow("Benches", 30.5), BarRow("Zero", 0)],
            unit=" votes",
        ),
        "bar-two": bar_chart(
            "Two series",
            "Now and before",
            [BarRow("Benches", 12, 9), BarRow(NASTY, 3, None)],
            series=(NASTY, "Before"),
        ),
        "rounds": round_chart(
            "IRV",
            f"Rounds {NASTY}",
            [
                RoundRow(1, NASTY, 40),
                RoundRow(1, "Library", 35),
                RoundRow(1, "Bus", 25, NASTY, "eliminated"),
                RoundRow(2, NASTY, 52, "elected", "elected"),
                RoundRow(2, "Library", 48),
            ],
            threshold=50.5,
            threshold_label=f"Majority {NASTY}",
            round_label="Round {n} " + NASTY,
        ),
        "grades": grade_chart(
            "Majority judgment",
            f"Grades {NASTY}",
            [GradeRow(NASTY, [1, 2, 3, 2, 1, 1], 2), GradeRow("No ballots", [0] * 6, 0)],
            [*GRADES[:-1], NASTY],
            median_label="Median: {grade}",
        ),
        "scatter": scatter_chart(f"Groups {NASTY}", f"Scatter {NASTY}", points, groups),
    }


@pytest.mark.parametrize("kind", list(all_charts()))
def test_chart_is_well_formed_accessible_svg(kind: str) -> None:
    markup = all_charts()[kind]
    assert isinstance(markup, Markup)
    root = ET.fromstring(str(markup))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert re.fullmatch(r"0 0 \d+(\.\d+)? \d+(\.\d+)?", root.get("viewBox") or "")
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title is not None
    assert desc is not None
    assert title.text
    assert desc.text
    # The first two children, linked by aria-labelledby.
    assert list(root)[:2] == [title, desc]
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    # No script, no external references, no inline styles.
    for element in root.iter():
        assert element.tag != f"{SVG}script"
        assert "style" not in element.attrib
        for value in element.attrib.values():
            assert "http" not in value or element is root
    # Readable text sizes (in a 440-unit-wide view).
    sizes = [float(e.get("font-size", "15")) for e in root.iter(f"{SVG}text")]
    assert sizes
    assert min(sizes) >= 13


@pytest.mark.parametrize("kind", list(all_charts()))
def test_labels_are_escaped(kind: str) -> None:
    markup = str(all_charts()[kind])
    assert "<script>" not in markup
    assert "&lt;script&gt;" in markup
    root = ET.fromstring(markup)
    texts = "".join(root.itertext())
    assert "<script>" in texts  # the parsed text is the label itself


def test_ids_are_unique_per_chart_and_stable() -> None:
    charts = all_charts()
    ids = [ET.fromstring(str(c)).find(f"{SVG}title").get("id") for c in charts.values()]  # type: ignore[union-attr]
    assert len(set(ids)) == len(ids)
    assert charts == all_charts()
    custom = bar_chart("T", "D", [BarRow("a", 1)], chart_id="approval")
    assert 'id="approval-title"' in custom
    assert 'aria-labelledby="approval-title approval-desc"' in custom


def test_no_colour_only_encoding_in_the_scatter() -> None:
    root = ET.fromstring(str(all_charts()["scatter"]))
    groups = [g for g in root.iter(f"{SVG}g") if "group-" in (g.get("class") or "")]
    shapes = [{child.tag for child in g} for g in groups]
    assert len({frozenset(s) for s in shapes}) == 3  # circle, square (rect), triangle (path)
    labels = [t for t in root.iter(f"{SVG}text") if "group-label" in (t.get("class") or "")]
    assert [t.text for t in labels] == [NASTY, "B", "C"]
    legend = "".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "Not grouped" in legend


def test_bars_are_proportional_to_values() -> None:
    root = ET.fromstring(str(bar_chart("T", "D", [BarRow("a", 10), BarRow("b", 5)])))
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"]
    widths = [float(r.get("width", "0")) for r in bars]
    assert len(widths) == 2
    assert widths[0] == pytest.approx(2 * widths[1], abs=0.1)


def test_second_series_is_patterned_not_only_coloured() -> None:
    markup = str(all_charts()["bar-two"])
    assert "bar-second" in markup
    assert "url(#" in markup
    assert "<pattern" in markup


def test_scatter_thins_many_points_and_says_so() -> None:
    points = [ScatterPoint(i / 100, (i % 13) / 10, i % 2) for i in range(5000)]
    groups = [ScatterGroup("A", 2500, (0.0, 0.0)), ScatterGroup("B", 2500, (1.0, 1.0))]
    markup = str(scatter_chart("T", "D", points, groups, max_points=500))
    root = ET.fromstring(markup)
    markers = sum(len(list(g)) for g in root.iter(f"{SVG}g") if "points" in (g.get("class") or ""))
    assert markers == 500
    desc = root.find(f"{SVG}desc")
    assert desc is not None
    assert "Showing 500 of 5000 participants." in (desc.text or "")


def test_tables_carry_the_same_values() -> None:
    bars = bar_table(
        [BarRow("Benches", 30.5, 20), BarRow("Bus", 3)], unit=" votes", series=("Now", "Before")
    )
    assert bars == ChartTable(
        ["Option", "Now", "Before"], [["Benches", "30.5 votes", "20 votes"], ["Bus", "3 votes", ""]]
    )
    rounds = round_table(
        [RoundRow(2, "Benches", 52, "elected"), RoundRow(1, "Benches", 40), RoundRow(1, "Bus", 25)]
    )
    assert rounds.header == ["Round", "Option", "Votes", "Note"]
    assert rounds.rows == [
        ["1", "Benches", "40", ""],
        ["1", "Bus", "25", ""],
        ["2", "Benches", "52", "elected"],
    ]
    grades = grade_table([GradeRow("Benches", [1, 1, 2, 0, 0, 0], 2)], GRADES)
    assert grades.header == ["Option", *GRADES, "Median grade"]
    assert grades.rows == [["Benches", "25%", "25%", "50%", "0%", "0%", "0%", "Good"]]
    groups = scatter_table(
        [ScatterGroup("A", 30, (0.0, 0.0), "Group A"), ScatterGroup("B", 10, (1.0, 1.0))],
        ungrouped=10,
    )
    assert groups.rows == [
        ["Group A", "30", "60%"],
        ["B", "10", "20%"],
        ["Not grouped", "10", "20%"],
    ]


def test_number_format_is_used_for_locales() -> None:
    def norwegian(value: float) -> str:
        return f"{value:.1f}".replace(".", ",")

    markup = bar_chart("T", "D", [BarRow("a", 2.5)], number_format=norwegian)
    assert ">2,5<" in markup
    assert bar_table([BarRow("a", 2.5)], number_format=norwegian).rows == [["a", "2,5"]]


def test_empty_inputs_still_give_valid_svg() -> None:
    for markup in (
        bar_chart("T", "D", []),
        round_chart("T", "D", []),
        grade_chart("T", "D", [], []),
        scatter_chart("T", "D", [], []),
    ):
        root = ET.fromstring(str(markup))
        assert root.get("role") == "img"


def test_scatter_from_opinion_groups() -> None:
    reactions = [
        (f"{g}-{i}", f"s{j}", 1 if (j % 3 == g) else -1)
        for g in range(3)
        for i in range(12)
        for j in range(12)
        if (i + j) % 5
    ]
    result = compute_opinion_groups(reactions, [f"s{j}" for j in range(12)])
    points, groups = scatter_from_opinion_groups(result, legend="Group {label}: {size}")
    assert len(points) == 36
    assert [g.legend for g in groups] == [f"Group {g.label}: {g.size}" for g in result.groups]
    root = ET.fromstring(str(scatter_chart("Groups", "Three groups", points, groups)))
    assert root.get("role") == "img"
