"""The PDF of a quality dialogue: evidence pack and minutes, printed by WeasyPrint.

One HTML print template (``dialogues/print.html``) with ``@page`` rules: A4,
"page X of Y" at the foot, the confidentiality marking at the head of every
page, the pack's SVG charts inline, German dates and numbers. The PDF is
made on request from the frozen pack and the stored minutes; until both
sides have approved the minutes it is marked as a draft.
"""

import logging

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from . import services


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def page_counter() -> str:
    """Return CSS ``content`` reading "Seite 3 von 7" in the current language."""
    marker_page, marker_pages = "\x00page\x00", "\x00pages\x00"
    text = _css_string(
        _("Page %(page)s of %(pages)s") % {"page": marker_page, "pages": marker_pages}
    )
    return text.replace(marker_page, '" counter(page) "').replace(
        marker_pages, '" counter(pages) "'
    )


def confidentiality_marking() -> str:
    return _("Confidential – for the contracting partners only")


def print_html(dialogue) -> str:
    """Return the print HTML of the dialogue in German."""
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "dialogue": dialogue,
            "pack": dialogue.pack,
            "content": dialogue.pack.content,
            "intact": dialogue.pack.intact,
            "marking": confidentiality_marking(),
            "marking_css": _css_string(confidentiality_marking()),
            "page_counter": page_counter(),
            "final": dialogue.is_locked,
            "minutes_intact": services.minutes_intact(dialogue),
            "participants": dialogue.participants.select_related("user"),
            "agenda": dialogue.agenda_items.all(),
            "results": _results(dialogue),
            "actions": dialogue.agreed_actions.select_related(
                "owner", "owner_organisation"
            ),
            "reviewed": dialogue.reviewed_actions.select_related("owner"),
            "approvals": dialogue.approvals.select_related("user", "organisation"),
        }
        return render_to_string("dialogues/print.html", context)


def _results(dialogue) -> list[dict]:
    statements = {s.result_key: s for s in dialogue.statements.all()}
    assessments = {a.result_key: a for a in dialogue.assessments.all()}
    return [
        {
            "line": line,
            "statement": statements.get(line["key"]),
            "assessment": assessments.get(line["key"]),
        }
        for line in dialogue.pack.conspicuous_lines()
    ]


def render_pdf(dialogue) -> bytes:
    """Return the dialogue's evidence pack and minutes as PDF bytes."""
    from weasyprint import HTML

    # WeasyPrint reports every layout step at INFO; keep the log for problems.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    return HTML(
        string=print_html(dialogue), base_url=settings.DIALOQ_BASE_URL
    ).write_pdf()
