"""The radar chart of a self-assessment: both partners' criterion scores as SVG.

Same conventions as ``dialoq.measures.charts``: a pure function from numbers
to escaped SVG text, no JavaScript, no style attributes, an image with a
title and a description; the page gives the same numbers in a table. The two
partners differ by colour, by line pattern (solid, dashed) and by marker
(circle, square), so the chart does not rely on colour alone.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

from dialoq.measures.charts import FONT, FONT_SIZE, GRID, INK, MUTED, ChartText
from dialoq.measures.formatting import format_number

FUNDER_COLOUR = "#0b4f8a"  # 8.3:1 on white
PROVIDER_COLOUR = "#8a3b00"  # 7.3:1 on white
RINGS = (0, 25, 50, 75, 100)
LABEL_CHARACTERS = 20


@dataclass(frozen=True)
class RadarSeries:
    """One partner's scores, one per axis (0–100); None is drawn at the centre."""

    label: str
    values: Sequence[float | None]
    colour: str
    dash: str  # "" for a solid line
    marker: str  # "circle" or "square"


def _point(cx, cy, radius, index, count, value):
    angle = -math.pi / 2 + 2 * math.pi * index / count
    share = max(0.0, min(value or 0.0, 100.0)) / 100
    return cx + radius * share * math.cos(angle), cy + radius * share * math.sin(angle)


def _short(label: str) -> str:
    if len(label) <= LABEL_CHARACTERS:
        return label
    return label[: LABEL_CHARACTERS - 1].rstrip() + "…"


def radar_chart(
    axes: Sequence[str],
    series: Sequence[RadarSeries],
    *,
    text: ChartText,
    width: int = 600,
    height: int = 460,
) -> SafeString:
    """Return a radar chart of the series over the axes (scale 0–100)."""
    count = len(axes)
    if count < 3:
        raise ValueError("A radar chart needs at least three axes.")
    for entry in series:
        if len(entry.values) != count:
            raise ValueError("Each series needs one value per axis.")
    legend_height = 24 * len(series) + 8
    cx, cy = width / 2, (height - legend_height) / 2 + 4
    radius = min(width / 2 - 170, (height - legend_height) / 2 - 36)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{text.id}-title {text.id}-desc" '
        f'font-family="{FONT}" font-size="{FONT_SIZE}">'
        f'<title id="{text.id}-title">{escape(text.title)}</title>'
        f'<desc id="{text.id}-desc">{escape(text.description)}</desc>'
    ]
    for ring in RINGS[1:]:
        corners = [_point(cx, cy, radius, i, count, ring) for i in range(count)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in corners)
        parts.append(
            f'<polygon points="{path}" fill="none" stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{cx + 4:.1f}" y="{cy - radius * ring / 100 - 3:.1f}" '
            f'fill="{MUTED}">{escape(format_number(ring, 0))}</text>'
        )
    for index, label in enumerate(axes):
        x, y = _point(cx, cy, radius, index, count, 100)
        parts.append(
            f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        lx, ly = _point(cx, cy, radius + 14, index, count, 100)
        anchor = "middle" if abs(lx - cx) < 8 else ("start" if lx > cx else "end")
        baseline = (
            ly + 4 if abs(ly - cy) < radius * 0.8 else (ly - 2 if ly < cy else ly + 12)
        )
        parts.append(
            f'<text x="{lx:.1f}" y="{baseline:.1f}" text-anchor="{anchor}" '
            f'fill="{INK}">{escape(_short(label))}</text>'
        )
    for entry in series:
        corners = [
            _point(cx, cy, radius, i, count, value)
            for i, value in enumerate(entry.values)
        ]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in corners)
        dash = f' stroke-dasharray="{entry.dash}"' if entry.dash else ""
        parts.append(
            f'<polygon points="{path}" fill="{entry.colour}" fill-opacity="0.08" '
            f'stroke="{entry.colour}" stroke-width="2.5"{dash}/>'
        )
        for (x, y), axis, value in zip(corners, axes, entry.values, strict=True):
            shown = "–" if value is None else format_number(value, 1)
            tip = (
                f"<title>{escape(entry.label)}, {escape(axis)}: {escape(shown)}</title>"
            )
            parts.append(_marker(entry, x, y, tip))
    top = height - legend_height + 8
    for index, entry in enumerate(series):
        y = top + 24 * index
        dash = f' stroke-dasharray="{entry.dash}"' if entry.dash else ""
        parts.append(
            f'<line x1="24" y1="{y:.1f}" x2="60" y2="{y:.1f}" '
            f'stroke="{entry.colour}" stroke-width="2.5"{dash}/>'
        )
        parts.append(_marker(entry, 42, y, ""))
        parts.append(
            f'<text x="70" y="{y + 4:.1f}" fill="{INK}">{escape(entry.label)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text is escaped)


def _marker(entry: RadarSeries, x: float, y: float, tip: str) -> str:
    if entry.marker == "square":
        return (
            f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" '
            f'fill="{entry.colour}">{tip}</rect>'
        )
    return (
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{entry.colour}">'
        f"{tip}</circle>"
    )
