"""Small inline SVG charts for reports: a bar chart and a line chart, each with a data table beside it.

    bar_chart(series, *, title, unit="", width=640, height=240) -> str
    line_chart(points, *, title, unit="", width=640, height=240) -> str

`series` / `points` are [(label, value), ...] in display order. The result is a <figure> holding an SVG
(role="img", with <title> and <desc> that screen readers announce) and a <table> of the same numbers,
so the figures survive without pictures, in a PDF's text and for anyone who cannot see the chart. Every
label and title is escaped, so the markup is safe to `mark_safe` (it is returned already marked safe).
Colours and fonts are presentation attributes, not CSS, so WeasyPrint and browsers draw it alike.

Output is deterministic for the same input (ids are derived from the content), so a report rendered twice
from the same figures is byte-identical. Part of the ground layer: it imports nothing of the platform.
"""
from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BAR_COLOUR = "#1d70b8"
LINE_COLOUR = "#1d70b8"
AXIS_COLOUR = "#505a5f"
GRID_COLOUR = "#d8dadb"
TEXT_COLOUR = "#0b0c0c"
FONT = "Helvetica, Arial, 'DejaVu Sans', sans-serif"

# Space for the value axis on the left and the category labels underneath.
_LEFT, _RIGHT, _TOP, _BOTTOM = 56, 12, 28, 44  # the bottom holds two lines of labels


def format_number(value: float) -> str:
    """12,345 for whole numbers, up to three significant decimals otherwise (0.0417, 3.5)."""
    if isinstance(value, bool):
        value = int(value)
    if float(value).is_integer():
        return f"{int(value):,}"
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 1:
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{value:.3g}"


def _with_unit(value: float, unit: str) -> str:
    return f"{format_number(value)} {unit}".strip()


def _nice_ceiling(value: float, *, counts: bool = False) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^n at or above `value` (a round top for the value axis).

    For counts the axis labels (0, half the top, the top) must be whole numbers: no "0.5 alerts".
    """
    if value <= 0:
        return 2.0 if counts else 1.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10, 20):
        top = step * 10 ** exponent
        if top >= value - 1e-12 and not (counts and not (top / 2).is_integer()):
            return float(top)
    return float(10 ** (exponent + 1))  # unreachable: 20 × 10^n is always enough


def _counts(rows: list[tuple[str, float]]) -> bool:
    return all(value.is_integer() for _, value in rows)


def _clean(series: Sequence[tuple[str, float]]) -> list[tuple[str, float]]:
    rows = []
    for label, value in series:
        number = float(value)
        if math.isnan(number) or math.isinf(number):
            raise ValueError(f"chart value for {label!r} is not a finite number: {value!r}")
        rows.append((str(label), number))
    return rows


def _chart_id(kind: str, title: str, rows: list[tuple[str, float]], width: int, height: int) -> str:
    digest = hashlib.sha256(repr((kind, title, rows, width, height)).encode()).hexdigest()[:10]
    return f"chart-{digest}"


def _describe(rows: list[tuple[str, float]], unit: str) -> str:
    if not rows:
        return "No data for this period."
    high_label, high = max(rows, key=lambda row: row[1])
    low_label, low = min(rows, key=lambda row: row[1])
    total = sum(value for _, value in rows)
    if len(rows) == 1:
        return f"One value: {_with_unit(rows[0][1], unit)} ({rows[0][0]})."
    return (f"{len(rows)} values from {rows[0][0]} to {rows[-1][0]}. Highest {_with_unit(high, unit)} "
            f"({high_label}); lowest {_with_unit(low, unit)} ({low_label}); total {_with_unit(total, unit)}.")


def _label_every(count: int, plot_width: float) -> int:
    """Show every n-th category label so that labels (about 60 px each) do not overlap."""
    fits = max(1, int(plot_width // 60))
    return max(1, math.ceil(count / fits))


def _axis(top: float, plot_w: float, plot_h: float, unit: str) -> list[str]:
    parts = []
    for share in (0.0, 0.5, 1.0):
        y = _TOP + plot_h * (1 - share)
        parts.append(f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{_LEFT + plot_w:.1f}" y2="{y:.1f}" '
                     f'stroke="{GRID_COLOUR if share else AXIS_COLOUR}" stroke-width="1"/>')
        parts.append(f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
                     f'fill="{TEXT_COLOUR}">{escape(format_number(top * share))}</text>')
    if unit:
        parts.append(f'<text x="4" y="12" font-size="11" fill="{AXIS_COLOUR}">{escape(unit)}</text>')
    return parts


_CHAR_PX = 6.2  # average width of a character at font-size 11 in the chart's sans-serif fonts


def _label_lines(label: str, room: float) -> list[str]:
    """A category label in at most two lines that fit `room` pixels, broken between words ("North" / "Wessex");
    a word longer than a line is shortened only when nothing else fits."""
    per_line = max(4, int(room // _CHAR_PX))
    if len(label) <= per_line:
        return [label]
    lines, current = [], ""
    for word in label.split():
        candidate = f"{current} {word}".strip()
        if len(candidate) <= per_line or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    lines.append(current)
    if len(lines) > 2:
        lines = [lines[0], " ".join(lines[1:])]
    return [line if len(line) <= per_line else line[:per_line - 1] + "…" for line in lines]


def _category_label(label: str, x: float, y: float, room: float = 80.0) -> str:
    lines = _label_lines(label, room)
    spans = "".join(f'<tspan x="{x:.1f}" dy="{0 if i == 0 else 12}">{escape(line)}</tspan>'
                    for i, line in enumerate(lines))
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" font-size="11" '
            f'fill="{TEXT_COLOUR}">{spans}</text>')


def _table(chart_id: str, title: str, unit: str, rows: list[tuple[str, float]], label_header: str) -> str:
    value_header = f"Value ({unit})" if unit else "Value"
    body = "".join(f'<tr><th scope="row">{escape(label)}</th><td class="number">{escape(format_number(value))}</td></tr>'
                   for label, value in rows) or '<tr><td colspan="2">No data for this period.</td></tr>'
    return (f'<table class="chart-data" id="{chart_id}-data"><caption>{escape(title)}</caption>'
            f'<thead><tr><th scope="col">{escape(label_header)}</th><th scope="col">{escape(value_header)}</th></tr>'
            f'</thead><tbody>{body}</tbody></table>')


def _figure(kind: str, title: str, unit: str, rows: list[tuple[str, float]], width: int, height: int,
            drawing: list[str], table: bool, label_header: str) -> SafeString:
    chart_id = _chart_id(kind, title, rows, width, height)
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
           f'font-family="{escape(FONT)}">'
           f'<title id="{chart_id}-title">{escape(title)}</title>'
           f'<desc id="{chart_id}-desc">{escape(_describe(rows, unit))}</desc>'
           + "".join(drawing) + "</svg>")
    caption = f'<figcaption>{escape(title)}</figcaption>'
    data = _table(chart_id, title, unit, rows, label_header) if table else ""
    return mark_safe(f'<figure class="chart-figure" id="{chart_id}">{caption}{svg}{data}</figure>')


def _empty(width: int, height: int) -> list[str]:
    return [f'<text x="{width / 2:.1f}" y="{height / 2:.1f}" text-anchor="middle" font-size="14" '
            f'fill="{AXIS_COLOUR}">No data for this period</text>']


def bar_chart(series: list[tuple[str, float]], *, title: str, unit: str = "", width: int = 640, height: int = 240,
              table: bool = True, label_header: str = "Period") -> str:
    """Vertical bars, one per (label, value), values from zero (negative values are not drawn below zero)."""
    rows = _clean(series)
    plot_w, plot_h = width - _LEFT - _RIGHT, height - _TOP - _BOTTOM
    if not rows:
        return _figure("bar", title, unit, rows, width, height, _empty(width, height), table, label_header)
    top = _nice_ceiling(max(value for _, value in rows), counts=_counts(rows))
    drawing = _axis(top, plot_w, plot_h, unit)
    slot = plot_w / len(rows)
    bar_w = max(1.0, slot * 0.7)
    every = _label_every(len(rows), plot_w)
    for index, (label, value) in enumerate(rows):
        bar_h = plot_h * max(0.0, value) / top
        x = _LEFT + index * slot + (slot - bar_w) / 2
        y = _TOP + plot_h - bar_h
        drawing.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{bar_h:.1f}" fill="{BAR_COLOUR}">'
                       f'<title>{escape(label)}: {escape(_with_unit(value, unit))}</title></rect>')
        if bar_w >= 24:
            drawing.append(f'<text x="{x + bar_w / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" font-size="11" '
                           f'fill="{TEXT_COLOUR}">{escape(format_number(value))}</text>')
        if index % every == 0:
            drawing.append(_category_label(label, x + bar_w / 2, _TOP + plot_h + 16, room=slot * every - 4))
    return _figure("bar", title, unit, rows, width, height, drawing, table, label_header)


def line_chart(points: list[tuple[str, float]], *, title: str, unit: str = "", width: int = 640, height: int = 240,
               table: bool = True, label_header: str = "Period") -> str:
    """A line through (label, value) points evenly spaced left to right, with a marker at each point."""
    rows = _clean(points)
    plot_w, plot_h = width - _LEFT - _RIGHT, height - _TOP - _BOTTOM
    if not rows:
        return _figure("line", title, unit, rows, width, height, _empty(width, height), table, label_header)
    top = _nice_ceiling(max(value for _, value in rows), counts=_counts(rows))
    drawing = _axis(top, plot_w, plot_h, unit)
    # Points sit at the centres of equal slots (as bars do), so the first and last labels are never clipped.
    slot = plot_w / len(rows)
    every = _label_every(len(rows), plot_w)
    coordinates = []
    for index, (_, value) in enumerate(rows):
        x = _LEFT + (index + 0.5) * slot
        y = _TOP + plot_h - plot_h * max(0.0, value) / top
        coordinates.append((x, y))
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coordinates)
    drawing.append(f'<polyline points="{path}" fill="none" stroke="{LINE_COLOUR}" stroke-width="2"/>')
    for index, ((label, value), (x, y)) in enumerate(zip(rows, coordinates)):
        drawing.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{LINE_COLOUR}">'
                       f'<title>{escape(label)}: {escape(_with_unit(value, unit))}</title></circle>')
        if index % every == 0:
            drawing.append(_category_label(label, x, _TOP + plot_h + 16, room=slot * every - 4))
    return _figure("line", title, unit, rows, width, height, drawing, table, label_header)
