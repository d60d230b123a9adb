"""A tiny server-side SVG renderer: stacked columns per day, paired horizontal
bars, and an hour × weekday heat map.

The pictures are plain SVG in the page, readable without JavaScript: each has
``role="img"``, a ``<title>`` and ``<desc>`` (named by ``aria-labelledby``),
labelled axes, and a ``<title>`` on every bar or cell so hovering shows the
number. The numbers themselves are always also in the table beside the chart.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Colour-blind-safe (Okabe–Ito) series colours.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"]
FONT = 'font-family="system-ui, sans-serif" font-size="11" fill="#1d2733"'
_ids = itertools.count(1)


def _svg(width: int, height: int, title: str, desc: str, body: list[str]) -> SafeString:
    n = next(_ids)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="chart-t{n} chart-d{n}" style="max-width:{width}px">'
        f'<title id="chart-t{n}">{escape(title)}</title><desc id="chart-d{n}">{escape(desc)}</desc>'
    )
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308 - every text part is escaped above


def nice_step(value: float) -> float:
    """A round step at or above value: 1, 2 or 5 × 10ⁿ."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def axis(value: float, ticks: int = 4) -> tuple[float, float]:
    """(axis maximum, step): about ``ticks`` round steps covering value, whole numbers for counts."""
    step = max(nice_step(value / ticks), 1)
    return step * max(math.ceil(value / step), 1), step


def _legend(series: Sequence[str], x: int, y: int) -> list[str]:
    parts = []
    for i, name in enumerate(series):
        cx = x + i * 130
        parts.append(
            f'<rect x="{cx}" y="{y - 9}" width="10" height="10" fill="{PALETTE[i % len(PALETTE)]}"/>'
        )
        parts.append(f'<text x="{cx + 14}" y="{y}" {FONT}>{escape(name)}</text>')
    return parts


def stacked_columns(
    *,
    days: Sequence[date],
    series: dict[str, Sequence[int]],
    title: str,
    y_label: str,
    width: int = 760,
    height: int = 240,
) -> SafeString:
    """One column per day, stacked by series (e.g. new leads per day by type)."""
    left, right, top, bottom = 46, 10, 28, 38
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(values[i] for values in series.values()) for i in range(len(days))]
    y_max, y_step = axis(max(totals, default=0))
    slot = plot_w / max(len(days), 1)
    bar_w = max(slot * 0.75, 1)
    body = _legend(list(series), left, 14)
    for k in range(round(y_max / y_step) + 1):  # y grid and ticks
        value = y_step * k
        y = top + plot_h - plot_h * value / y_max
        body.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e7eb"/>')
        label = f"{value:g}"
        body.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" {FONT}>{label}</text>')
    body.append(
        f'<text transform="translate(11 {top + plot_h / 2:.0f}) rotate(-90)" text-anchor="middle" '
        f"{FONT}>{escape(y_label)}</text>"
    )
    label_every = max(1, round(len(days) / 12))
    for i, day in enumerate(days):
        x = left + i * slot + (slot - bar_w) / 2
        y = top + plot_h
        parts = []
        for s, (name, values) in enumerate(series.items()):
            v = values[i]
            if not v:
                continue
            h = plot_h * v / y_max
            y -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[s % len(PALETTE)]}"><title>{day:%a %b %d}: {v} {escape(name)}</title></rect>'
            )
        body.extend(parts)
        if i % label_every == 0:
            body.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 14}" text-anchor="middle" {FONT}>'
                f"{day:%b %d}</text>"
            )
    body.append(
        f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#8a96a3"/>'
    )
    body.append(f'<text x="{left + plot_w / 2:.0f}" y="{height - 4}" text-anchor="middle" {FONT}>Day</text>')
    desc = f"{len(days)} days; highest day {max(totals, default=0)}; total {sum(totals)}."
    return _svg(width, height, title, desc, body)


def paired_bars(
    *,
    labels: Sequence[str],
    series: dict[str, Sequence[float | int | Decimal]],
    title: str,
    x_label: str,
    width: int = 760,
    bar_h: int = 11,
) -> SafeString:
    """Horizontal bars, one group per label with one bar per series (campaign comparison)."""
    left, right, top = 190, 50, 30
    group_h = bar_h * len(series) + 8
    plot_h = max(group_h * len(labels), group_h)
    height = top + plot_h + 34
    plot_w = width - left - right
    x_max, x_step = axis(float(max((max(v, default=0) for v in series.values()), default=0)))
    body = _legend(list(series), left, 14)
    for k in range(round(x_max / x_step) + 1):
        x = left + plot_w * x_step * k / x_max
        body.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + plot_h}" stroke="#e3e7eb"/>')
        body.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 13}" text-anchor="middle" {FONT}>{x_step * k:g}</text>'
        )
    for g, label in enumerate(labels):
        y0 = top + g * group_h + 4
        short = label if len(label) <= 28 else label[:27] + "…"
        body.append(
            f'<text x="{left - 6}" y="{y0 + group_h / 2:.1f}" text-anchor="end" {FONT}>{escape(short)}</text>'
        )
        for s, (name, values) in enumerate(series.items()):
            v = float(values[g])
            w = plot_w * v / x_max
            body.append(
                f'<rect x="{left}" y="{y0 + s * bar_h}" width="{w:.1f}" height="{bar_h - 1}" '
                f'fill="{PALETTE[s % len(PALETTE)]}">'
                f"<title>{escape(label)}: {v:g} {escape(name)}</title></rect>"
            )
    body.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" stroke="#8a96a3"/>')
    body.append(
        f'<text x="{left + plot_w / 2:.0f}" y="{height - 4}" text-anchor="middle" {FONT}>'
        f"{escape(x_label)}</text>"
    )
    desc = f"{len(labels)} groups compared on {', '.join(series)}."
    return _svg(width, height, title, desc, body)


WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def heatmap(*, grid: Sequence[Sequence[int]], title: str, width: int = 760) -> SafeString:
    """Seven weekday rows (Monday first) × 24 hour columns, darker = more."""
    left, top, right = 40, 22, 10
    cell_w = (width - left - right) / 24
    cell_h = 20
    height = top + cell_h * 7 + 40
    peak = max((max(row, default=0) for row in grid), default=0)
    body = []
    for hour in range(0, 24, 2):
        body.append(
            f'<text x="{left + hour * cell_w + cell_w / 2:.1f}" y="{top - 6}" text-anchor="middle" '
            f"{FONT}>{hour:02d}</text>"
        )
    for d, row in enumerate(grid):
        y = top + d * cell_h
        body.append(f'<text x="{left - 6}" y="{y + 14}" text-anchor="end" {FONT}>{WEEKDAYS[d]}</text>')
        for hour, n in enumerate(row):
            shade = 0 if not peak else n / peak
            # From near-white to a deep blue, so zero is visibly empty.
            r, g_, b = (
                int(247 - (247 - 8) * shade),
                int(251 - (251 - 69) * shade),
                int(255 - (255 - 148) * shade),
            )
            body.append(
                f'<rect x="{left + hour * cell_w:.1f}" y="{y}" width="{cell_w - 1:.1f}" '
                f'height="{cell_h - 1}" fill="rgb({r},{g_},{b})">'
                f"<title>{WEEKDAYS[d]} {hour:02d}:00–{hour:02d}:59: {n}</title></rect>"
            )
    body.append(
        f'<text x="{left + (width - left - right) / 2:.0f}" y="{top + cell_h * 7 + 16}" text-anchor="middle" '
        f"{FONT}>Hour of day (local time)</text>"
    )
    body.append(
        f'<text x="{left}" y="{height - 6}" {FONT}>'
        f"Lightest = 0, darkest = {peak} calls in one hour slot</text>"
    )
    desc = f"Abandoned calls by weekday and hour; busiest slot has {peak}."
    return _svg(width, height, title, desc, body)
