"""The changes between two versions read as sentences, field by field."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from dialoq.agreements import services
from dialoq.agreements.diff import diff_text, diff_versions
from dialoq.agreements.models import AgreedIndicator, AgreedStaffing
from dialoq.catalog.models import KeyProcess, ProcessStandard
from tests import factories
from tests.agreements.factories import TODAY, make_terms
from tests.catalog.factories import make_indicator

NBSP = "\u00a0"


@pytest.fixture
def versions(agreement, people):
    """Return version 1 and a proposal changing rate, volume, texts and more."""
    old = agreement.versions.get(number=1)
    indicator = make_indicator(
        title="Planmäßige Beendigungen", title_en="Planned endings"
    ).definition
    terms = make_terms(date(2026, 1, 1), amount="61.20", volume="14")
    terms.services[
        0
    ].target_group = "Familien mit Kindern unter 14 Jahren\nim Landkreis Testkreis"
    terms.staffing.append(
        AgreedStaffing(qualification="vocational", full_time_equivalents=Decimal("1"))
    )
    terms.indicators = [AgreedIndicator(indicator=indicator, target=Decimal("0.75"))]
    terms.dialogue_cadence_months = 6
    new = services.do_propose(people.provider_qm, agreement, terms, today=TODAY)
    return old, new


def test_german_diff_reads_as_sentences(versions):
    old, new = versions
    with translation.override("de"):
        text = diff_text(old, new).replace(NBSP, " ")
        rate = translation.gettext("Hourly rate %(name)s") % {"name": "§ 31 SGB VIII"}
    assert f"{rate}: 58,40 € → 61,20 €" in text
    assert "01.01.2025 → 01.01.2026" in text
    assert "12 " in text and "→ 14 " in text
    assert "+ im Landkreis Testkreis" in text
    assert "4,5" not in text  # unchanged staffing is not listed as a change
    assert "75,0 %" in text


def test_english_diff_uses_english_numbers(versions):
    old, new = versions
    with translation.override("en"):
        text = diff_text(old, new).replace(NBSP, " ")
    assert "Hourly rate § 31 SGB VIII: 58.40 € → 61.20 €" in text
    assert "Volume § 31 SGB VIII: 12 places → 14 places" in text
    assert "Staff: Vocational qualification (e.g. Erzieher/in): new 1" in text
    assert "New indicator: Planned endings (target 75.0 %)" in text
    assert "Quality dialogue: every 12 months → every 6 months" in text
    assert "Social work" not in text  # unchanged rows stay out


def test_sections_name_what_was_added_and_removed(agreement, people):
    """A service type that is dropped and one that is added are named as such."""
    old = agreement.versions.get(number=1)
    other = factories.make_service_type(
        "ise", name="Intensive Einzelbetreuung", legal_basis="§ 35 SGB VIII"
    )
    new = services.do_propose(
        people.funder_qm,
        agreement,
        make_terms(date(2026, 1, 1), service_type=other, unit="day", amount="180"),
        today=TODAY,
    )
    with translation.override("en"):
        sections = {s.title: s.changes for s in diff_versions(old, new)}
    services_part = [(c.kind, c.text) for c in sections["Service agreement"]]
    assert ("added", "New service § 35 SGB VIII: 12 places") in services_part
    assert ("removed", "Service § 31 SGB VIII dropped") in services_part
    rates = [(c.kind, c.text.replace(NBSP, " ")) for c in sections["Remuneration"]]
    assert ("removed", "Hourly rate § 31 SGB VIII dropped (was 58.40 €)") in rates
    assert any(
        kind == "added" and text.startswith("Daily rate § 35 SGB VIII new: 180.00 €")
        for kind, text in rates
    )


def test_same_legal_basis_is_told_apart_by_name(agreement, people):
    old = agreement.versions.get(number=1)
    twin = factories.make_service_type(
        "spfh-intensiv", name="SPFH intensiv", legal_basis="§ 31 SGB VIII"
    )
    terms = make_terms(date(2026, 1, 1))
    terms.services.append(
        type(terms.services[0])(
            service_type=twin,
            target_group="Familien in Krisen",
            volume=Decimal("2"),
            volume_unit="places",
        )
    )
    terms.rates.append(
        type(terms.rates[0])(service_type=twin, unit="hour", amount=Decimal("70"))
    )
    new = services.do_propose(people.funder_qm, agreement, terms, today=TODAY)
    with translation.override("en"):
        text = diff_text(old, new)
    assert "New service § 31 SGB VIII SPFH intensiv: 2 places" in text
    assert "Hourly rate § 31 SGB VIII SPFH intensiv new: 70.00" in text


def test_copy_of_a_version_differs_only_in_its_start(agreement, people):
    """A proposal started from the version in force changes only what was edited."""
    old = agreement.versions.get(number=1)
    terms = services.terms_of(old)
    terms.valid_from = date(2026, 1, 1)
    terms.change_note = "Verlängerung ohne Änderungen"
    new = services.do_propose(people.funder_qm, agreement, terms, today=TODAY)
    with translation.override("en"):
        sections = diff_versions(old, new)
    assert [section.title for section in sections] == ["Validity"]
    assert [change.text for change in sections[0].changes] == [
        "Valid from: 01/01/2025 → 01/01/2026"
    ]
    assert diff_versions(old, old) == []


def test_process_standards_and_key_processes_added_and_dropped(agreement, people):
    standard = ProcessStandard.objects.create(key="test-agreement-standard-b")
    process = KeyProcess.objects.create(key="test-agreement-process")
    old = agreement.versions.get(number=1)
    terms = services.terms_of(old)
    terms.valid_from = date(2026, 1, 1)
    terms.change_note = "Prozessstandards aufgenommen"
    terms.process_standards = [standard]
    terms.key_processes = [process]
    new = services.do_propose(people.funder_qm, agreement, terms, today=TODAY)
    assert list(new.process_standards.all()) == [standard]
    with translation.override("en"):
        forward = diff_text(old, new)
        backward = diff_text(new, old)
    assert "New process standard: test-agreement-standard-b" in forward
    assert "New key process: test-agreement-process" in forward
    assert "Process standard dropped: test-agreement-standard-b" in backward
    assert "Key process dropped: test-agreement-process" in backward
