import re
import xml.etree.ElementTree as ET
from decimal import Decimal

from objectives.charts import (
    Series,
    bar_chart,
    format_value,
    line_chart,
    nice_ticks,
    stacked_bar_chart,
)

SVG = "{http://www.w3.org/2000/svg}"
LABELS = ["Jan 2026", "Feb 2026", "Mar 2026"]


def _svg(html: str) -> ET.Element:
    figure = ET.fromstring(str(html))  # the whole figure is well-formed XML
    svg = figure.find(f"{SVG}svg")
    assert svg is not None
    return svg


def _texts(svg: ET.Element) -> list[str]:
    return [t.text or "" for t in svg.iter(f"{SVG}text")]


def _line() -> str:
    return line_chart(
        title="Reach: progress by month",
        description="Progress of each measure with the expected line.",
        labels=LABELS,
        series=[
            Series("People reached", [0.1, 0.2, 0.35]),
            Series("Expected", [0.1, 0.2, 0.3], dashed=True),
        ],
        value_style="percent",
        y_label="Progress",
    )


def test_line_chart_is_well_formed_svg_with_title_and_description():
    svg = _svg(_line())
    assert svg.get("role") == "img"
    assert svg.get("aria-label") == "Reach: progress by month"
    assert svg.find(f"{SVG}title").text == "Reach: progress by month"
    assert "expected line" in svg.find(f"{SVG}desc").text


def test_line_chart_labels_both_axes_and_the_legend():
    texts = _texts(_svg(_line()))
    assert {"Jan 2026", "Mar 2026"} <= set(texts)
    assert "0%" in texts and "40%" in texts
    assert {"People reached", "Expected", "Progress"} <= set(texts)


def test_line_chart_draws_the_expected_line_dashed():
    svg = _svg(_line())
    lines = list(svg.iter(f"{SVG}polyline"))
    assert len(lines) == 2
    assert lines[1].get("stroke-dasharray")
    assert not lines[0].get("stroke-dasharray")


def test_a_legend_that_wraps_pushes_the_plot_down_instead_of_overlapping_it():
    names = ["Activities led", "Activities joined", "Referrals given", "Referrals received"]
    svg = _svg(
        line_chart(
            title="My contribution by month",
            description="Four series with long names.",
            labels=LABELS,
            series=[Series(name, [1, 2, 3]) for name in names],
        )
    )
    legend_bottom = max(
        float(t.get("y")) for t in svg.find(f"{SVG}g[@class='chart-legend']").iter(f"{SVG}text")
    )
    top_tick = min(
        float(t.get("y1")) for t in svg.find(f"{SVG}g[@class='chart-grid']").iter(f"{SVG}line")
    )
    assert legend_bottom + 6 < top_tick
    assert float(svg.get("viewBox").split()[3]) > 260


def test_line_chart_leaves_gaps_for_missing_values():
    html = line_chart(title="t", description="d", labels=LABELS, series=[Series("a", [None, 1, 2])])
    assert len(list(_svg(html).iter(f"{SVG}circle"))) == 2


def test_chart_has_no_inline_style_attributes():
    html = str(_line()) + bar_chart(title="b", description="d", labels=["x"], values=[1])
    assert "style=" not in html


def test_chart_escapes_labels():
    html = bar_chart(title="<b>Groups</b>", description="d", labels=["A & <B>"], values=[3])
    svg = _svg(html)
    assert "<b>" not in html
    assert "A & <B>" in _texts(svg)


def test_bar_chart_has_one_bar_per_label_with_its_value():
    html = bar_chart(
        title="Contribution", description="d", labels=["North", "South"], values=[Decimal(1500), 20]
    )
    svg = _svg(html)
    rects = list(svg.iter(f"{SVG}rect"))
    assert len(rects) == 2
    assert {"North", "South", "1.5k", "20"} <= set(_texts(svg))


def test_stacked_bar_chart_stacks_series_and_has_a_legend():
    html = stacked_bar_chart(
        title="Activities by kind",
        description="d",
        labels=LABELS,
        series=[Series("Meeting hosted", [1, 2, 0]), Series("Course taught", [3, 0, 1])],
    )
    svg = _svg(html)
    segments = [r for r in svg.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert len(segments) == 4  # zero values draw nothing
    assert {"Meeting hosted", "Course taught"} <= set(_texts(svg))


def test_empty_chart_says_so():
    html = stacked_bar_chart(title="t", description="d", labels=LABELS, series=[])
    assert "Nothing logged" in html
    _svg(html)


def test_chart_offers_the_numbers_as_a_table():
    html = str(_line())
    assert "<table>" in html and '<th scope="row">Feb 2026</th>' in html
    assert re.search(r"<td>35%</td>", html)


def test_chart_ids_are_unique_per_chart():
    first, second = _svg(_line()), _svg(_line())
    assert first.find(f"{SVG}title").get("id") != second.find(f"{SVG}title").get("id")


def test_format_value():
    assert format_value(0.425, "percent") == "42%"
    assert format_value(12500) == "12.5k"
    assert format_value(3_000_000) == "3M"
    assert format_value(7) == "7"
    assert format_value(None) == "–"


def test_nice_ticks_cover_the_range_with_round_steps():
    assert nice_ticks(0, 1) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    ticks = nice_ticks(0, 93)
    assert ticks[0] == 0 and ticks[-1] >= 93 and ticks[1] == 20
