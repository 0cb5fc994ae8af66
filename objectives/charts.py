"""Server-side SVG charts: no JavaScript, no CDN, nothing for the CSP to block.

Each builder turns plain numbers into coordinates, then writes the SVG with small
string builders that escape every label. (Django templates did the same job about ten
times slower, which mattered: a dashboard draws a dozen charts per request.)
Colours are SVG presentation attributes, never `style=""`, so the strict CSP holds.
Each chart is a <figure> with a titled, described `role="img"` SVG and the same numbers
as a table under a <details>, so screen readers and keyboard users get the data too.
"""

import datetime as dt
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape
from typing import TYPE_CHECKING

from django.utils.safestring import SafeString, mark_safe

from objectives.figures import period_after, progress_of

if TYPE_CHECKING:
    from objectives.models import Objective

# Okabe-Ito, readable for the common colour-vision deficiencies, then two darker extras.
PALETTE = [
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#8C7B00",
    "#000000",
    "#6A3D9A",
    "#7F7F7F",
]
EXPECTED_COLOUR = "#4f5b55"
WIDTH = 640
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP = 64, 28, 16
MAX_X_LABELS = 8

Number = float | int | Decimal
_ids = itertools.count(1)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Number | None]
    dashed: bool = False
    colour: str = ""


def format_value(value: Number | None, style: str = "number") -> str:
    """Short labels for axes and tooltips: 0.42 -> 42% (percent), 12500 -> 12.5k."""
    if value is None:
        return "–"
    number = float(value)
    if style == "percent":
        return f"{number * 100:.0f}%"
    size = abs(number)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if size >= limit:
            return f"{number / limit:.1f}".rstrip("0").rstrip(".") + suffix
    if number == int(number):
        return f"{int(number)}"
    return f"{number:.1f}"


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering low..high (1, 2, 2.5 or 5 times a power of ten apart)."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _chart_id() -> str:
    return f"chart-{next(_ids)}"


def _colour(series: Series, index: int) -> str:
    return series.colour or PALETTE[index % len(PALETTE)]


def _x_labels(labels: Sequence[str], xs: Sequence[float]) -> list[dict]:
    every = max(1, math.ceil(len(labels) / MAX_X_LABELS))
    return [
        {"x": round(x, 1), "label": label}
        for i, (x, label) in enumerate(zip(xs, labels, strict=True))
        if (len(labels) - 1 - i) % every == 0
    ]


def _table(labels: Sequence[str], series: Sequence[Series], style: str) -> dict:
    return {
        "columns": [s.name for s in series],
        "rows": [
            {"label": label, "cells": [format_value(s.values[i], style) for s in series]}
            for i, label in enumerate(labels)
        ],
    }


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _n(number: float | int) -> str:
    return f"{number:g}"


GRID, AXIS, INK = "#d6ded9", "#4f5b55", "#1c2420"


def _open_svg(context: dict) -> list[str]:
    cid = context["id"]
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {context["width"]} '
        f'{_n(context["height"])}" width="100%" role="img" aria-label="{_e(context["title"])}" '
        f'aria-describedby="{cid}-desc" font-family="system-ui, sans-serif" font-size="12">',
        f'<title id="{cid}-title">{_e(context["title"])}</title>',
        f'<desc id="{cid}-desc">{_e(context["description"])}</desc>',
    ]


def _figure(context: dict, svg: list[str], first_column: str) -> SafeString:
    table = context["table"]
    head = "".join(f'<th scope="col">{_e(c)}</th>' for c in table["columns"])
    body = "".join(
        f'<tr><th scope="row">{_e(row["label"])}</th>'
        + "".join(f"<td>{_e(cell)}</td>" for cell in row["cells"])
        + "</tr>"
        for row in table["rows"]
    )
    html = (
        f'<figure class="chart" id="{context["id"]}">'
        f'<figcaption class="chart-title">{_e(context["title"])}</figcaption>'
        + "".join(svg)
        + '<details class="chart-data"><summary>Show the numbers</summary>'
        f'<div class="table-wrap"><table><thead><tr><th scope="col">{_e(first_column)}</th>'
        f"{head}</tr></thead><tbody>{body}</tbody></table></div></details></figure>"
    )
    return mark_safe(html)  # noqa: S308 - every piece of text above went through escape()


def _y_grid(context: dict) -> list[str]:
    plot = context["plot"]
    out = ['<g class="chart-grid">']
    for tick in context["y_ticks"]:
        out.append(
            f'<line x1="{plot["left"]}" x2="{plot["right"]}" y1="{_n(tick["y"])}" '
            f'y2="{_n(tick["y"])}" stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{plot["left"] - 6}" y="{_n(tick["y"])}" dy="4" text-anchor="end" '
            f'fill="{AXIS}">{_e(tick["label"])}</text>'
        )
    out.append("</g>")
    return out


def _x_axis(context: dict) -> list[str]:
    plot = context["plot"]
    out = [
        f'<line x1="{plot["left"]}" x2="{plot["right"]}" y1="{_n(plot["bottom"])}" '
        f'y2="{_n(plot["bottom"])}" stroke="{AXIS}" stroke-width="1"/><g class="chart-x-axis">'
    ]
    for tick in context["x_ticks"]:
        out.append(
            f'<text x="{_n(tick["x"])}" y="{_n(plot["bottom"] + 18)}" text-anchor="middle" '
            f'fill="{AXIS}">{_e(tick["label"])}</text>'
        )
    out.append("</g>")
    return out


def _render_line(context: dict) -> SafeString:
    plot = context["plot"]
    svg = _open_svg(context) + _y_grid(context) + _x_axis(context)
    if context["y_label"]:
        svg.append(
            f'<text x="14" y="{plot["top"]}" transform="rotate(-90 14 {plot["top"]})" '
            f'text-anchor="end" fill="{AXIS}">{_e(context["y_label"])}</text>'
        )
    for line in context["lines"]:
        svg.append('<g class="chart-series">')
        dash = ' stroke-dasharray="6 4"' if line["dashed"] else ""
        if len(line["points"]) > 1:
            svg.append(
                f'<polyline points="{line["path"]}" fill="none" stroke="{line["colour"]}" '
                f'stroke-width="{2 if line["dashed"] else 2.5}"{dash}/>'
            )
        radius = 2 if line["dashed"] else 3.5
        for point in line["points"]:
            svg.append(
                f'<circle cx="{_n(point["x"])}" cy="{_n(point["y"])}" r="{radius}" '
                f'fill="{line["colour"]}"><title>{_e(point["tip"])}</title></circle>'
            )
        svg.append("</g>")
    svg.append('<g class="chart-legend">')
    for item in context["legend"]:
        dash = ' stroke-dasharray="4 3"' if item["dashed"] else ""
        y = _n(item["text_y"] - 4)
        svg.append(
            f'<line x1="{_n(item["x"])}" x2="{_n(item["x"] + 14)}" y1="{y}" y2="{y}" '
            f'stroke="{item["colour"]}" stroke-width="3"{dash}/>'
            f'<text x="{_n(item["text_x"])}" y="{_n(item["text_y"])}" fill="{INK}">'
            f"{_e(item['name'])}</text>"
        )
    svg.append("</g>")
    if context["empty"]:
        svg.append(
            f'<text x="{plot["left"] + 12}" y="{plot["top"] + 40}" fill="{AXIS}">'
            "No data yet for this period.</text>"
        )
    svg.append("</svg>")
    return _figure(context, svg, "Period")


def _render_bar(context: dict) -> SafeString:
    left, bottom = context["left"], context["bottom"]
    svg = _open_svg(context) + ['<g class="chart-grid">']
    for tick in context["x_ticks"]:
        svg.append(
            f'<line x1="{_n(tick["x"])}" x2="{_n(tick["x"])}" y1="12" y2="{bottom}" '
            f'stroke="{GRID}" stroke-width="1"/><text x="{_n(tick["x"])}" y="{bottom + 16}" '
            f'text-anchor="middle" fill="{AXIS}">{_e(tick["label"])}</text>'
        )
    svg.append("</g>")
    for bar in context["bars"]:
        svg.append(
            f'<g class="chart-bar"><text x="{left - 8}" y="{_n(bar["text_y"])}" '
            f'text-anchor="end" fill="{INK}">{_e(bar["label"])}</text>'
            f'<rect x="{left}" y="{_n(bar["y"])}" width="{_n(bar["width"])}" '
            f'height="{context["bar_h"]}" fill="{context["colour"]}" rx="2">'
            f"<title>{_e(bar['full_label'])}: {_e(bar['value'])}</title></rect>"
            f'<text x="{_n(bar["value_x"])}" y="{_n(bar["text_y"])}" fill="{INK}">'
            f"{_e(bar['value'])}</text></g>"
        )
    svg.append(
        f'<line x1="{left}" x2="{left}" y1="12" y2="{bottom}" stroke="{AXIS}" stroke-width="1"/>'
    )
    if context["empty"]:
        svg.append(f'<text x="{left}" y="30" fill="{AXIS}">Nothing recorded yet.</text>')
    svg.append("</svg>")
    return _figure(context, svg, context.get("label_heading", "Group"))


def _render_stacked(context: dict) -> SafeString:
    plot = context["plot"]
    svg = _open_svg(context) + _y_grid(context)
    for column in context["columns"]:
        svg.append('<g class="chart-column">')
        for segment in column["segments"]:
            svg.append(
                f'<rect x="{_n(column["x"])}" y="{_n(segment["y"])}" width="{context["bar_w"]}" '
                f'height="{_n(segment["height"])}" fill="{segment["colour"]}" stroke="#fff" '
                f'stroke-width="0.5"><title>{_e(segment["tip"])}</title></rect>'
            )
        svg.append("</g>")
    svg += _x_axis(context)
    svg.append('<g class="chart-legend">')
    for item in context["legend"]:
        svg.append(
            f'<rect x="{_n(item["x"])}" y="{_n(item["y"])}" width="12" height="12" '
            f'fill="{item["colour"]}"/><text x="{_n(item["text_x"])}" '
            f'y="{_n(item["text_y"] + 1)}" fill="{INK}">{_e(item["name"])}</text>'
        )
    svg.append("</g>")
    if context["empty"]:
        svg.append(
            f'<text x="{plot["left"] + 12}" y="{_n(plot["top"] + 30)}" fill="{AXIS}">'
            "Nothing logged in these periods.</text>"
        )
    svg.append("</svg>")
    return _figure(context, svg, "Period")


def line_chart(
    *,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    value_style: str = "number",
    y_label: str = "",
    height: int = 260,
) -> SafeString:
    """Lines over a shared x axis (periods). A dashed series is drawn as the expected line."""
    known = [float(v) for s in series for v in s.values if v is not None]
    low = min([0.0, *known])
    high = max([*known, 1.0 if value_style == "percent" else 0.0]) or 1.0
    ticks = nice_ticks(low, high)
    low, high = ticks[0], ticks[-1]
    # Legend rows that wrap add to the chart's height rather than overlap the plot.
    rows = _legend([{"name": s.name} for s in series], MARGIN_LEFT)
    legend_h = rows[-1]["y"] - MARGIN_TOP + 24 if rows else 24
    height += legend_h - 24
    plot_top, plot_bottom = MARGIN_TOP + legend_h, height - 40
    plot_left, plot_right = MARGIN_LEFT, WIDTH - MARGIN_RIGHT
    n = len(labels)

    def x_at(i: int) -> float:
        if n == 1:
            return (plot_left + plot_right) / 2
        return plot_left + i * (plot_right - plot_left) / (n - 1)

    def y_at(value: float) -> float:
        return plot_bottom - (value - low) / (high - low) * (plot_bottom - plot_top)

    lines = []
    for index, s in enumerate(series):
        points = [
            {
                "x": round(x_at(i), 1),
                "y": round(y_at(float(v)), 1),
                "tip": f"{s.name}, {labels[i]}: {format_value(v, value_style)}",
            }
            for i, v in enumerate(s.values)
            if v is not None
        ]
        lines.append(
            {
                "name": s.name,
                "colour": EXPECTED_COLOUR if s.dashed and not s.colour else _colour(s, index),
                "dashed": s.dashed,
                "points": points,
                "path": " ".join(f"{p['x']},{p['y']}" for p in points),
            }
        )
    context = {
        "id": _chart_id(),
        "title": title,
        "description": description,
        "width": WIDTH,
        "height": height,
        "plot": {"left": plot_left, "right": plot_right, "top": plot_top, "bottom": plot_bottom},
        "y_ticks": [{"y": round(y_at(t), 1), "label": format_value(t, value_style)} for t in ticks],
        "x_ticks": _x_labels(labels, [x_at(i) for i in range(n)]),
        "y_label": y_label,
        "lines": lines,
        "legend": _legend(lines, plot_left),
        "table": _table(labels, series, value_style),
        "empty": not known,
    }
    return _render_line(context)


def _legend(items: Sequence[dict], left: float) -> list[dict]:
    """One row of swatches; long names wrap onto further rows of the same height."""
    legend, x, y = [], left, MARGIN_TOP
    for item in items:
        width = 28 + 7 * len(item["name"])
        if x + width > WIDTH - MARGIN_RIGHT and x > left:
            x, y = left, y + 18
        legend.append({**item, "x": x, "y": y, "text_x": x + 20, "text_y": y + 9})
        x += width
    return legend


def bar_chart(
    *,
    title: str,
    description: str,
    labels: Sequence[str],
    values: Sequence[Number],
    value_style: str = "number",
    colour: str = PALETTE[0],
    label_heading: str = "Group",
) -> SafeString:
    """Horizontal bars, one per label, with the value written at the end of each bar."""
    row_h, label_w = 26, 170
    top = MARGIN_TOP
    height = top + row_h * max(len(labels), 1) + 28
    high = max([float(v) for v in values] + [0.0]) or 1.0
    ticks = nice_ticks(0, high, 4)
    high = ticks[-1]
    left, right = label_w, WIDTH - MARGIN_RIGHT - 48

    def x_at(value: float) -> float:
        return left + value / high * (right - left)

    bars = [
        {
            "label": label if len(label) <= 24 else label[:23] + "…",
            "full_label": label,
            "y": top + i * row_h + 4,
            "text_y": top + i * row_h + row_h / 2 + 4,
            "width": round(max(x_at(float(v)) - left, 0), 1),
            "value": format_value(v, value_style),
            "value_x": round(x_at(float(v)) + 4, 1),
        }
        for i, (label, v) in enumerate(zip(labels, values, strict=True))
    ]
    context = {
        "id": _chart_id(),
        "title": title,
        "description": description,
        "width": WIDTH,
        "height": height,
        "left": left,
        "bottom": top + row_h * max(len(labels), 1),
        "bar_h": row_h - 8,
        "colour": colour,
        "bars": bars,
        "x_ticks": [{"x": round(x_at(t), 1), "label": format_value(t, value_style)} for t in ticks],
        "table": _table(labels, [Series(title, values)], value_style),
        "label_heading": label_heading,
        "empty": not labels,
    }
    return _render_bar(context)


def stacked_bar_chart(
    *,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    value_style: str = "number",
    height: int = 300,
) -> SafeString:
    """Vertical bars per period, each split into the series (e.g. activity kinds)."""
    totals = [sum(float(s.values[i] or 0) for s in series) for i in range(len(labels))]
    ticks = nice_ticks(0, max(totals + [0.0]) or 1.0)
    high = ticks[-1]
    coloured = [{"name": s.name, "colour": _colour(s, i)} for i, s in enumerate(series)]
    legend = _legend(coloured, MARGIN_LEFT)
    legend_h = legend[-1]["y"] - MARGIN_TOP + 24 if legend else 0
    plot_top, plot_bottom = MARGIN_TOP + legend_h, height + legend_h - 40
    left, right = MARGIN_LEFT, WIDTH - MARGIN_RIGHT
    slot = (right - left) / max(len(labels), 1)
    bar_w = max(slot * 0.7, 1)

    def y_at(value: float) -> float:
        return plot_bottom - value / high * (plot_bottom - plot_top)

    columns = []
    for i, label in enumerate(labels):
        x = left + i * slot + (slot - bar_w) / 2
        base, segments = 0.0, []
        for item, s in zip(coloured, series, strict=True):
            value = float(s.values[i] or 0)
            if value <= 0:
                continue
            y_top = y_at(base + value)
            segments.append(
                {
                    "y": round(y_top, 1),
                    "height": round(y_at(base) - y_top, 1),
                    "colour": item["colour"],
                    "tip": f"{label}, {s.name}: {format_value(value, value_style)}",
                }
            )
            base += value
        columns.append({"x": round(x, 1), "segments": segments})
    context = {
        "id": _chart_id(),
        "title": title,
        "description": description,
        "width": WIDTH,
        "height": height + legend_h,
        "plot": {"left": left, "right": right, "top": plot_top, "bottom": plot_bottom},
        "bar_w": round(bar_w, 1),
        "columns": columns,
        "y_ticks": [{"y": round(y_at(t), 1), "label": format_value(t, value_style)} for t in ticks],
        "x_ticks": _x_labels(labels, [left + i * slot + slot / 2 for i in range(len(labels))]),
        "legend": legend,
        "table": _table(labels, series, value_style),
        "empty": not any(totals),
    }
    return _render_stacked(context)


def progress_chart(
    objective: "Objective",
    series: dict[int, list[tuple[dt.date, Decimal]]],
    *,
    today: dt.date,
) -> SafeString | None:
    """The objective's chart: each measure's progress at the end of every month of
    `series` (from figures.measure_series) since the objective began, against the expected
    progress as a dashed line. None before the objective starts or without measures."""
    measures = list(objective.measures.all())
    if not measures or today < objective.starts_on:
        return None
    months = [
        month
        for month, _ in series[measures[0].pk]
        if period_after(month, "month") > objective.starts_on
    ]
    skip = len(series[measures[0].pk]) - len(months)
    lines = [
        Series(
            m.name,
            [progress_of(m, value) for _, value in series[m.pk][skip:]],
            colour=PALETTE[i % len(PALETTE)],
        )
        for i, m in enumerate(measures)
    ]
    month_ends = [
        min(period_after(month, "month") - dt.timedelta(days=1), today) for month in months
    ]
    lines.append(
        Series("Expected", [objective.expected_progress(d) for d in month_ends], dashed=True)
    )
    labels = [f"{m:%b %Y}" for m in months]
    return line_chart(
        title=f"{objective.title}: progress by month",
        description=(
            f"Progress of each measure toward its target at the end of every month from "
            f"{labels[0]} to {labels[-1]}, with the expected progress as a dashed line."
        ),
        labels=labels,
        series=lines,
        value_style="percent",
        y_label="Progress",
    )
