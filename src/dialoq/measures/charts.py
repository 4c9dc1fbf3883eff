"""Charts of indicator results as SVG markup: funnel plot, time series, sparkline.

Pure functions from numbers to SVG text: no JavaScript, no external fonts, no
style attributes (the content security policy forbids inline styles), so the
same markup serves the web page and a PDF. Every chart is an image with a
title and a description (``role="img"``, ``aria-labelledby``); every text is
escaped; numbers on the axes come from the indicator's ``ValueFormat`` and so
read in the current language. The pages show the same numbers in a table.
"""

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .formatting import ValueFormat, format_number, step_decimals

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', sans-serif"
INK = "#1b1f24"
MUTED = "#4a5360"
GRID = "#d6dbe2"
SERIES = "#0b4f8a"  # 8.3:1 on white
HIGHLIGHT = "#a4161a"  # 7.4:1 on white
BAND = "#cfe0f1"
REFERENCE = "#dcefe0"
LIMIT_95 = "#4a5360"
LIMIT_998 = "#1b1f24"
FONT_SIZE = 12
CHAR_WIDTH = 6.6  # average width of a character at FONT_SIZE, for the legend
LABELLED_POINTS = 15  # funnel points beyond this count lose their visible label


@dataclass(frozen=True)
class ChartText:
    """The chart's id (unique on the page), title and description."""

    id: str
    title: str
    description: str


@dataclass(frozen=True)
class FunnelPoint:
    """One unit in a funnel plot: its cases (x) and value (y)."""

    cases: float
    value: float
    label: str
    highlighted: bool = False


@dataclass(frozen=True)
class FunnelLimit:
    """Control limits at a number of cases; None where not defined."""

    cases: float
    lower_95: float | None
    upper_95: float | None
    lower_998: float | None
    upper_998: float | None


@dataclass(frozen=True)
class SeriesPoint:
    """One period of a time series; a value of None leaves a gap."""

    label: str
    value: float | None
    lower: float | None = None
    upper: float | None = None


@dataclass(frozen=True)
class Box:
    """The plotting area inside the margins."""

    left: float
    top: float
    right: float
    bottom: float


@dataclass(frozen=True)
class Scale:
    """A linear map from data values to coordinates."""

    low: float
    high: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        if self.high == self.low:
            return (self.start + self.end) / 2
        share = (value - self.low) / (self.high - self.low)
        return self.start + share * (self.end - self.start)


def nice_ticks(low: float, high: float, count: int = 6) -> tuple[list[float], float]:
    """Return round tick values covering low to high, and their step."""
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError("Ticks need finite bounds.")
    if high < low:
        low, high = high, low
    # Equal bounds, or bounds that differ only by rounding noise, get room.
    if high - low <= max(abs(low), abs(high), 1.0) * 1e-9:
        padding = abs(high) * 0.1 or 1.0
        low, high = low - padding, high + padding
    raw_step = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = next(
        factor * magnitude
        for factor in (1, 2, 2.5, 5, 10)
        if factor * magnitude >= raw_step
    )
    first = math.floor(low / step + 1e-9)
    last = math.ceil(high / step - 1e-9)
    ticks = [round(index * step, 12) for index in range(first, last + 1)]
    return ticks, step


def funnel_plot(
    points: Sequence[FunnelPoint],
    limits: Sequence[FunnelLimit],
    *,
    target: float | None,
    text: ChartText,
    value_format: ValueFormat,
    x_label: str,
    y_label: str | None = None,
    target_label: str | None = None,
    width: int = 640,
    height: int = 400,
) -> SafeString:
    """Return a funnel plot: units by cases and value, target and control limits.

    The horizontal line is the funnel's centre, by default named "target";
    name it for what it is (e.g. the overall value of the compared units).
    """
    box = Box(72, 16, width - 24, height - 56)
    limit_values = [
        value
        for limit in limits
        for value in (
            limit.lower_95,
            limit.upper_95,
            limit.lower_998,
            limit.upper_998,
        )
        if value is not None and math.isfinite(value)
    ]
    y_values = [point.value for point in points] + limit_values
    if target is not None:
        y_values.append(target)
    y_ticks, y_step = _value_ticks(y_values, value_format)
    x_values = [point.cases for point in points] + [limit.cases for limit in limits]
    x_ticks, x_step = nice_ticks(0, max([*x_values, 1.0]) * 1.05)
    x = Scale(0, x_ticks[-1], box.left, box.right)
    y = Scale(y_ticks[0], y_ticks[-1], box.bottom, box.top)

    legend = [
        ("line", SERIES, "", target_label or _("target"))
        if target is not None
        else None,
        ("line", LIMIT_95, "6 4", _("95 % limits")) if limit_values else None,
        ("line", LIMIT_998, "2 3", _("99.8 % limits")) if limit_values else None,
        ("point", SERIES, "", _("unit")),
    ]
    if any(point.highlighted for point in points):
        legend.append(("highlight", HIGHLIGHT, "", _("selected unit")))
    legend_items = [item for item in legend if item is not None]
    legend_svg, legend_height = _legend(legend_items, box.left, height, width)
    total_height = height + legend_height

    parts = [_open(text, width, total_height)]
    parts += _grid_and_axes(
        box,
        x,
        y,
        [(tick, format_number(tick, step_decimals(x_step))) for tick in x_ticks],
        [(tick, value_format.tick(tick, y_step)) for tick in y_ticks],
        x_label,
        y_label or value_format.axis_label(),
    )
    for attribute, dash, colour in (
        ("998", "2 3", LIMIT_998),
        ("95", "6 4", LIMIT_95),
    ):
        for side in ("lower", "upper"):
            line = [
                (limit.cases, getattr(limit, f"{side}_{attribute}"))
                for limit in sorted(limits, key=lambda limit: limit.cases)
            ]
            parts += _polylines(line, x, y, colour, dash=dash, width=1.5)
    if target is not None:
        parts.append(
            f'<line x1="{box.left:.1f}" y1="{y(target):.1f}" x2="{box.right:.1f}" '
            f'y2="{y(target):.1f}" stroke="{SERIES}" stroke-width="2"/>'
        )
    show_labels = len(points) <= LABELLED_POINTS
    for point in sorted(points, key=lambda point: point.highlighted):
        parts.append(_funnel_point(point, x, y, value_format, show_labels))
    parts.append(legend_svg)
    return _close(parts)


def time_series(
    points: Sequence[SeriesPoint],
    *,
    target: float | None,
    reference_lower: float | None,
    reference_upper: float | None,
    text: ChartText,
    value_format: ValueFormat,
    y_label: str | None = None,
    width: int = 640,
    height: int = 320,
) -> SafeString:
    """Return a time series: values with their interval band, target and range."""
    box = Box(72, 16, width - 24, height - 48)
    y_values = [
        value
        for point in points
        for value in (point.value, point.lower, point.upper)
        if value is not None
    ]
    y_values += [v for v in (target, reference_lower, reference_upper) if v is not None]
    y_ticks, y_step = _value_ticks(y_values, value_format)
    y = Scale(y_ticks[0], y_ticks[-1], box.bottom, box.top)
    band = (box.right - box.left) / max(len(points), 1)
    positions = [box.left + (index + 0.5) * band for index in range(len(points))]
    every = max(1, math.ceil(len(points) / 8))
    x_labels = [
        (positions[index], point.label)
        for index, point in enumerate(points)
        if (len(points) - 1 - index) % every == 0
    ]

    legend = [
        ("line", SERIES, "", _("value")),
        ("band", BAND, "", _("%(level)s confidence interval") % {"level": "95 %"})
        if any(point.lower is not None for point in points)
        else None,
        ("line", HIGHLIGHT, "6 4", _("target")) if target is not None else None,
        ("band", REFERENCE, "", _("reference range"))
        if reference_lower is not None or reference_upper is not None
        else None,
    ]
    legend_items = [item for item in legend if item is not None]
    legend_svg, legend_height = _legend(legend_items, box.left, height, width)

    parts = [_open(text, width, height + legend_height)]
    if reference_lower is not None or reference_upper is not None:
        top = (
            y(min(reference_upper, y_ticks[-1]))
            if reference_upper is not None
            else box.top
        )
        bottom = (
            y(max(reference_lower, y_ticks[0]))
            if reference_lower is not None
            else box.bottom
        )
        parts.append(
            f'<rect x="{box.left:.1f}" y="{top:.1f}" '
            f'width="{box.right - box.left:.1f}" '
            f'height="{max(bottom - top, 0):.1f}" fill="{REFERENCE}"/>'
        )
    parts += _grid_and_axes(
        box,
        None,
        y,
        [],
        [(tick, value_format.tick(tick, y_step)) for tick in y_ticks],
        "",
        y_label or value_format.axis_label(),
    )
    for position, label in x_labels:
        parts.append(
            f'<text x="{position:.1f}" y="{box.bottom + 18:.1f}" text-anchor="middle" '
            f'fill="{INK}">{escape(label)}</text>'
        )
    parts += _interval_bands(points, positions, y)
    if target is not None:
        parts.append(
            f'<line x1="{box.left:.1f}" y1="{y(target):.1f}" x2="{box.right:.1f}" '
            f'y2="{y(target):.1f}" stroke="{HIGHLIGHT}" stroke-width="2" '
            'stroke-dasharray="6 4"/>'
        )
    line = [
        (position, point.value)
        for position, point in zip(positions, points, strict=True)
    ]
    parts += _polylines(line, None, y, SERIES, width=2.5)
    for position, point in zip(positions, points, strict=True):
        if point.value is None:
            continue
        parts.append(
            f'<circle cx="{position:.1f}" cy="{y(point.value):.1f}" r="3.5" '
            f'fill="{SERIES}"><title>{escape(point.label)}: '
            f"{escape(value_format.value(point.value))}</title></circle>"
        )
    parts.append(legend_svg)
    return _close(parts)


def sparkline(
    values: Sequence[float | None],
    *,
    text: ChartText,
    width: int = 96,
    height: int = 28,
) -> SafeString:
    """Return a small trend line of the values; None leaves a gap."""
    known = [value for value in values if value is not None]
    low, high = (min(known), max(known)) if known else (0.0, 1.0)
    padding = 3.0
    step = (width - 2 * padding) / max(len(values) - 1, 1)
    positions = [padding + index * step for index in range(len(values))]
    y = Scale(low, high, height - padding, padding)
    parts = [_open(text, width, height, font=False)]
    line = list(zip(positions, values, strict=True))
    parts += _polylines(line, None, y, SERIES, width=1.5)
    known_at = [index for index, value in enumerate(values) if value is not None]
    for index in known_at:
        isolated = index - 1 not in known_at and index + 1 not in known_at
        if isolated or index == known_at[-1]:
            radius = 2.5 if index == known_at[-1] else 1.5
            parts.append(
                f'<circle cx="{positions[index]:.1f}" cy="{y(values[index]):.1f}" '
                f'r="{radius}" fill="{SERIES}"/>'
            )
    return _close(parts)


def _open(text: ChartText, width: float, height: float, *, font: bool = True) -> str:
    """Return the opening of an accessible SVG image with its title and description."""
    chart_id = re.sub(r"[^A-Za-z0-9_-]", "-", text.id)
    fonts = f' font-family="{FONT}" font-size="{FONT_SIZE}"' if font else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'width="{width}" height="{height:.0f}" viewBox="0 0 {width} {height:.0f}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc"{fonts}>'
        f'<title id="{chart_id}-title">{escape(text.title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(text.description)}</desc>'
    )


def _close(parts: list[str]) -> SafeString:
    """Return the finished SVG; safe for templates as every text was escaped."""
    return mark_safe("".join([*parts, "</svg>"]))  # noqa: S308


def _value_ticks(values: list[float], value_format: ValueFormat):
    """Return ticks for the value axis; shares stay between 0 and 100 %."""
    finite = [value for value in values if math.isfinite(value)]
    low, high = (min(finite), max(finite)) if finite else (0.0, 1.0)
    ticks, step = nice_ticks(low, high)
    if value_format.unit == "percent" and not value_format.signed:
        ticks = [tick for tick in ticks if -1e-9 <= tick <= 1 + 1e-9]
        if len(ticks) < 2:
            ticks = [0.0, 1.0]
    return ticks, step


def _grid_and_axes(box, x, y, x_ticks, y_ticks, x_label, y_label) -> list[str]:
    """Return grid lines, tick labels, the frame and the axis titles."""
    parts = []
    for value, label in y_ticks:
        position = y(value)
        parts.append(
            f'<line x1="{box.left:.1f}" y1="{position:.1f}" x2="{box.right:.1f}" '
            f'y2="{position:.1f}" stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{box.left - 6:.1f}" y="{position + 4:.1f}" text-anchor="end" '
            f'fill="{INK}">{escape(label)}</text>'
        )
    for value, label in x_ticks:
        position = x(value)
        parts.append(
            f'<line x1="{position:.1f}" y1="{box.bottom:.1f}" x2="{position:.1f}" '
            f'y2="{box.bottom + 5:.1f}" stroke="{MUTED}" stroke-width="1"/>'
            f'<text x="{position:.1f}" y="{box.bottom + 18:.1f}" text-anchor="middle" '
            f'fill="{INK}">{escape(label)}</text>'
        )
    parts.append(
        f'<path d="M{box.left:.1f} {box.top:.1f}V{box.bottom:.1f}H{box.right:.1f}" '
        f'fill="none" stroke="{MUTED}" stroke-width="1"/>'
    )
    if x_label:
        parts.append(
            f'<text x="{(box.left + box.right) / 2:.1f}" y="{box.bottom + 38:.1f}" '
            f'text-anchor="middle" fill="{INK}">{escape(x_label)}</text>'
        )
    middle = (box.top + box.bottom) / 2
    parts.append(
        f'<text x="16" y="{middle:.1f}" text-anchor="middle" fill="{INK}" '
        f'transform="rotate(-90 16 {middle:.1f})">{escape(y_label)}</text>'
    )
    return parts


def _polylines(
    line: Iterable[tuple[float, float | None]],
    x,
    y,
    colour: str,
    *,
    dash: str = "",
    width: float = 2,
) -> list[str]:
    """Return polylines through the points, broken where a value is missing."""
    segments, current = [], []
    for position, value in line:
        if value is None or not math.isfinite(value):
            segments.append(current)
            current = []
            continue
        horizontal = x(position) if x is not None else position
        current.append(f"{horizontal:.1f},{y(value):.1f}")
    segments.append(current)
    dasharray = f' stroke-dasharray="{dash}"' if dash else ""
    return [
        f'<polyline points="{" ".join(segment)}" fill="none" stroke="{colour}" '
        f'stroke-width="{width}"{dasharray}/>'
        for segment in segments
        if len(segment) >= 2
    ]


def _interval_bands(points, positions, y) -> list[str]:
    """Return polygons of the confidence interval, broken where one is missing."""
    bands, current = [], []
    for position, point in zip(positions, points, strict=True):
        if point.value is None or point.lower is None or point.upper is None:
            bands.append(current)
            current = []
            continue
        current.append((position, point.lower, point.upper))
    bands.append(current)
    parts = []
    for band in bands:
        if len(band) < 2:
            continue
        upper = [f"{position:.1f},{y(high):.1f}" for position, _low, high in band]
        lower = [f"{position:.1f},{y(low):.1f}" for position, low, _high in band]
        parts.append(
            f'<polygon points="{" ".join(upper + lower[::-1])}" fill="{BAND}"/>'
        )
    return parts


def _funnel_point(point: FunnelPoint, x, y, value_format, show_label) -> str:
    """Return one unit's marker with its tooltip and, if few, its visible label."""
    cx, cy = x(point.cases), y(point.value)
    tooltip = _("%(label)s: %(value)s, %(cases)s cases") % {
        "label": point.label,
        "value": value_format.value(point.value),
        "cases": format_number(point.cases, 0),
    }
    colour = HIGHLIGHT if point.highlighted else SERIES
    if point.highlighted:
        marker = (
            f'<rect x="{cx - 6:.1f}" y="{cy - 6:.1f}" width="12" height="12" '
            f'fill="{colour}" stroke="#ffffff" stroke-width="1.5" '
            f'transform="rotate(45 {cx:.1f} {cy:.1f})"/>'
        )
    else:
        marker = (
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4.5" fill="{colour}" '
            'stroke="#ffffff" stroke-width="1"/>'
        )
    label = ""
    if show_label or point.highlighted:
        weight = ' font-weight="700"' if point.highlighted else ""
        label = (
            f'<text x="{cx + 9:.1f}" y="{cy + 4:.1f}" fill="{colour}"{weight}>'
            f"{escape(point.label)}</text>"
        )
    return f"<g><title>{escape(tooltip)}</title>{marker}{label}</g>"


def _legend(items, left: float, top: float, width: float) -> tuple[str, float]:
    """Return the legend below the plot, wrapped into rows, and its height."""
    parts, x, row = [], left, 0
    for kind, colour, dash, label in items:
        item_width = 34 + len(label) * CHAR_WIDTH
        if x + item_width > width and x > left:
            x, row = left, row + 1
        y = top + 6 + row * 20
        if kind == "line":
            dasharray = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{x + 24:.1f}" y2="{y:.1f}" '
                f'stroke="{colour}" stroke-width="2"{dasharray}/>'
            )
        elif kind == "band":
            parts.append(
                f'<rect x="{x:.1f}" y="{y - 6:.1f}" width="24" height="12" '
                f'fill="{colour}" stroke="{MUTED}" stroke-width="0.5"/>'
            )
        elif kind == "highlight":
            parts.append(
                f'<rect x="{x + 7:.1f}" y="{y - 5:.1f}" width="10" height="10" '
                f'fill="{colour}" transform="rotate(45 {x + 12:.1f} {y:.1f})"/>'
            )
        else:
            parts.append(
                f'<circle cx="{x + 12:.1f}" cy="{y:.1f}" r="4.5" fill="{colour}"/>'
            )
        parts.append(
            f'<text x="{x + 30:.1f}" y="{y + 4:.1f}" fill="{INK}">'
            f"{escape(label)}</text>"
        )
        x += item_width + 12
    return "".join(parts), (row + 1) * 20 + 8
