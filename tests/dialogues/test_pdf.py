"""The PDF of evidence pack and minutes: German, charts, page numbers, marking."""

import io
import re

from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from dialoq.dialogues import pdf
from tests.dialogues.factories import approved_dialogue


def test_pdf_renders_with_the_expected_text(world, people, verified_client_for):
    dialogue = approved_dialogue(world, people)
    response = verified_client_for(people.qm_provider).get(
        reverse("dialogues:pdf", args=[dialogue.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    pages = [page.extract_text() for page in reader.pages]
    text = re.sub(r"\s+", " ", " ".join(pages))
    with translation.override("de"):
        marking = pdf.confidentiality_marking()
        last_page = _("Page %(page)s of %(pages)s") % {
            "page": len(pages),
            "pages": len(pages),
        }
    assert len(pages) >= 2
    assert all(marking in re.sub(r"\s+", " ", page) for page in pages)
    assert last_page in text
    assert "Jugendamt Testkreis" in text and "Träger A" in text
    assert "Beendigung gemäß Hilfeplan" in text
    assert "40,0 %" in text  # 8 of 20, in German notation
    assert "01.11.2025 – 31.10.2026" in text  # the period, German dates
    assert "Ursachen besprochen." in text
    assert "Personalengpass belegt." in text
    assert "Vertretungsregelung einführen" in text
    assert "Träger B" not in text  # peers are never named


def test_print_html_embeds_the_charts_inline(world, people):
    dialogue = approved_dialogue(world, people)
    html = pdf.print_html(dialogue)
    assert html.count("<svg") == 2
    assert "@page" in html and "counter(pages)" in html


def _(text):
    from django.utils.translation import gettext

    return gettext(text)
