"""A key process as a swimlane diagram: server-side SVG, one lane per party.

The lanes stand side by side (funder, provider, beneficiary) and time runs
down the page: each step is a numbered box in the lane of the party
responsible for it; each interface is an arrow from the informing party's
lane to the informed party's, drawn below the step it belongs to and
labelled with what is passed on (above the arrow) and when (below it,
introduced by “When:”). Interfaces without a step follow the last step.

Like ``dialoq.measures.charts``: pure markup, no script, no style attributes
(the content security policy forbids them), every text escaped, an image
with a title and a description (``role="img"``, ``aria-labelledby``), and
meaning never carried by colour alone (numbers, labels and arrowheads carry
it). The page shows the same steps and interfaces as tables beside it.
"""

import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from dialoq.catalog.models import ProcessParty
from dialoq.measures.charts import FONT, GRID, INK, MUTED, SERIES, ChartText

LANES = tuple(ProcessParty.values)
LANE_WIDTH = 240
MARGIN = 12
HEADER_HEIGHT = 36
LINE_HEIGHT = 15
ROW_GAP = 14
CHAR_WIDTH = 6.4  # average width of a character at 12 px
FONT_SIZE = 12
LANE_FILLS = ("#f3f6fa", "#ffffff")
HEADER_FILL = "#e3eaf2"  # INK on it: 14:1
BOX_FILL = "#ffffff"
MAX_TITLE_LINES = 3
MAX_SUBJECT_LINES = 3
MAX_TRIGGER_LINES = 2


@dataclass(frozen=True)
class LaneStep:
    """A step: its number in the process, title and responsible party."""

    number: int
    key: str
    title: str
    responsible: str


@dataclass(frozen=True)
class LaneInterface:
    """An interface: who informs whom about what, when, at which step."""

    step_key: str
    from_party: str
    to_party: str
    subject: str
    trigger: str
    form: str = ""


def _wrap(text: str, width: float, max_lines: int) -> list[str]:
    """Return the text in lines fitting the width, cut with “…” after max_lines."""
    characters = max(int(width / CHAR_WIDTH), 8)
    lines = textwrap.wrap(" ".join(text.split()), characters) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        lines[-1] = (
            last[: characters - 1].rstrip() if len(last) >= characters else last
        ) + "…"
    return lines


def _text_lines(lines, x, y, *, anchor="middle", colour=INK, weight="") -> str:
    weight_attribute = f' font-weight="{weight}"' if weight else ""
    return "".join(
        f'<text x="{x:.1f}" y="{y + index * LINE_HEIGHT:.1f}" text-anchor="{anchor}" '
        f'fill="{colour}"{weight_attribute}>{escape(line)}</text>'
        for index, line in enumerate(lines)
    )


def _lane_centre(party: str) -> float:
    return MARGIN + (LANES.index(party) + 0.5) * LANE_WIDTH


def _rows(steps: Sequence[LaneStep], interfaces: Sequence[LaneInterface]):
    """Return the rows top to bottom: ("step", step) and ("interface", item)."""
    step_keys = {step.key for step in steps}
    rows = []
    for step in steps:
        rows.append(("step", step))
        rows += [("interface", i) for i in interfaces if i.step_key == step.key]
    rows += [("interface", i) for i in interfaces if i.step_key not in step_keys]
    return rows


def _step_part(step: LaneStep, top: float, labels: dict) -> tuple[str, float]:
    """Return a step's box and its height."""
    box_width = LANE_WIDTH - 32
    lines = _wrap(f"{step.number}. {step.title}", box_width - 16, MAX_TITLE_LINES)
    height = 14 + LINE_HEIGHT * len(lines)
    left = _lane_centre(step.responsible) - box_width / 2
    tooltip = _("Step %(number)s: %(title)s (responsible: %(party)s)") % {
        "number": step.number,
        "title": step.title,
        "party": labels[step.responsible],
    }
    part = (
        f"<g><title>{escape(tooltip)}</title>"
        f'<rect x="{left:.1f}" y="{top:.1f}" width="{box_width}" height="{height}" '
        f'rx="4" fill="{BOX_FILL}" stroke="{SERIES}" stroke-width="1.5"/>'
        + _text_lines(lines, _lane_centre(step.responsible), top + 19)
        + "</g>"
    )
    return part, height


def _interface_part(
    item: LaneInterface, top: float, marker: str, labels: dict
) -> tuple[str, float]:
    """Return an interface's arrow with its labels, and its height."""
    start, end = _lane_centre(item.from_party), _lane_centre(item.to_party)
    if start == end:  # within one party's lane: an arrow across the lane
        start, end = start - LANE_WIDTH / 2 + 20, start + LANE_WIDTH / 2 - 20
    span = max(abs(end - start), LANE_WIDTH - 40)
    middle = (start + end) / 2
    subject = _wrap(item.subject, span - 12, MAX_SUBJECT_LINES)
    trigger = _wrap(
        _("When: %(trigger)s") % {"trigger": item.trigger},
        span - 12,
        MAX_TRIGGER_LINES,
    )
    arrow_y = top + LINE_HEIGHT * len(subject) + 4
    direction = 1 if end > start else -1
    tooltip = _("From %(from)s to %(to)s: %(subject)s. When: %(trigger)s.") % {
        "from": labels[item.from_party],
        "to": labels[item.to_party],
        "subject": item.subject,
        "trigger": item.trigger,
    }
    if item.form:
        tooltip += " " + _("Form: %(form)s.") % {"form": item.form}
    part = (
        f"<g><title>{escape(tooltip)}</title>"
        + _text_lines(subject, middle, top + 8, weight="600")
        + f'<line x1="{start + 6 * direction:.1f}" y1="{arrow_y:.1f}" '
        f'x2="{end - 8 * direction:.1f}" y2="{arrow_y:.1f}" stroke="{SERIES}" '
        f'stroke-width="2" marker-end="url(#{marker})"/>'
        f'<circle cx="{start:.1f}" cy="{arrow_y:.1f}" r="4" fill="{SERIES}"/>'
        + _text_lines(trigger, middle, arrow_y + 17, colour=MUTED)
        + "</g>"
    )
    height = arrow_y - top + 8 + LINE_HEIGHT * len(trigger)
    return part, height


def swimlane_svg(
    steps: Sequence[LaneStep],
    interfaces: Sequence[LaneInterface],
    *,
    text: ChartText,
) -> SafeString:
    """Return the swimlane diagram of the steps and interfaces as SVG markup."""
    labels = {party.value: str(party.label) for party in ProcessParty}
    chart_id = re.sub(r"[^A-Za-z0-9_-]", "-", text.id)
    marker = f"{chart_id}-arrowhead"
    width = 2 * MARGIN + len(LANES) * LANE_WIDTH
    body, y = [], MARGIN + HEADER_HEIGHT + ROW_GAP
    for kind, item in _rows(steps, interfaces):
        if kind == "step":
            part, height = _step_part(item, y, labels)
        else:
            part, height = _interface_part(item, y, marker, labels)
        body.append(part)
        y += height + ROW_GAP
    height = y + MARGIN
    lanes = []
    for index, party in enumerate(LANES):
        left = MARGIN + index * LANE_WIDTH
        lanes.append(
            f'<rect x="{left}" y="{MARGIN}" width="{LANE_WIDTH}" '
            f'height="{height - 2 * MARGIN:.0f}" fill="{LANE_FILLS[index % 2]}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<rect x="{left}" y="{MARGIN}" width="{LANE_WIDTH}" '
            f'height="{HEADER_HEIGHT}" fill="{HEADER_FILL}" stroke="{GRID}" '
            f'stroke-width="1"/>'
            + _text_lines(
                [labels[party]],
                left + LANE_WIDTH / 2,
                MARGIN + HEADER_HEIGHT / 2 + 5,
                weight="700",
            )
        )
    opening = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="swimlane" role="img" '
        f'width="{width}" height="{height:.0f}" viewBox="0 0 {width} {height:.0f}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-family="{FONT}" font-size="{FONT_SIZE}">'
        f'<title id="{chart_id}-title">{escape(text.title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(text.description)}</desc>'
        f'<defs><marker id="{marker}" viewBox="0 0 10 10" refX="2" refY="5" '
        f'markerWidth="7" markerHeight="7" orient="auto">'
        f'<path d="M0 0L10 5L0 10z" fill="{SERIES}"/></marker></defs>'
    )
    return mark_safe(  # noqa: S308 - every text above is escaped
        "".join([opening, *lanes, *body, "</svg>"])
    )


def key_process_swimlane(version) -> SafeString:
    """Return the swimlane diagram of a key process version."""
    steps = list(version.steps.order_by("order"))
    keys = {step.pk: step.key for step in steps}
    lane_steps = [
        LaneStep(number, step.key, step.title, step.responsible)
        for number, step in enumerate(steps, start=1)
    ]
    lane_interfaces = [
        LaneInterface(
            keys.get(item.step_id, ""),
            item.from_party,
            item.to_party,
            item.subject,
            item.trigger,
            item.get_form_display(),
        )
        for item in version.interfaces.order_by("order")
    ]
    labels = [str(party.label) for party in ProcessParty]
    description = _(
        "Swimlane diagram with one lane each for %(lanes)s: %(steps)s steps, "
        "each in the lane of the party responsible for it, in their order from "
        "top to bottom, and %(interfaces)s interfaces as arrows from the informing "
        "to the informed party. The tables beside the diagram list the same steps "
        "and interfaces."
    ) % {
        "lanes": ", ".join(labels),
        "steps": len(lane_steps),
        "interfaces": len(lane_interfaces),
    }
    text = ChartText(
        id=f"swimlane-{version.process.key}-{version.version}",
        title=_("Key process “%(title)s”, version %(version)s")
        % {"title": version.display_title, "version": version.version},
        description=description,
    )
    return swimlane_svg(lane_steps, lane_interfaces, text=text)
