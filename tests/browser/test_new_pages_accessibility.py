"""In a real browser: the screens of standards, deviations, complaints, agreements,
dialogues and self-assessment meet WCAG 2.1 AA (axe-core) and show a heading.

One small world per test (the live server needs the transactional database),
one browser for the module; each test visits several pages. A screenshot of
every page is written to the temporary directory for a look by eye.
"""

import tempfile
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from dialoq.accounts.roles import Role
from dialoq.agreements import services as agreement_services
from dialoq.deviations import review, workflow
from dialoq.deviations.models import DeviationStatus, MonitorRun, RunStatus
from dialoq.notifications.services import notify
from tests import factories
from tests.agreements.factories import (
    agreement_between,
    make_approved,
    make_manager,
    make_terms,
)
from tests.browser.test_accessibility import assert_accessible
from tests.catalog.standards_factories import make_key_process, make_standard
from tests.deviations.compliance_data import PERIOD, TODAY, make_compliance
from tests.deviations.factories import make_complaint
from tests.dialogues.factories import held_dialogue
from tests.self_assessment.factories import make_round

SCREENSHOTS = Path(tempfile.gettempdir()) / "dialoq-a11y"
# Ids used twice (labels then point at the wrong field), and tables that a
# class meant for other elements lays out as something other than a table.
LAYOUT_PROBLEMS = """() => {
  const ids = [...document.querySelectorAll("[id]")].map((element) => element.id);
  return {
    duplicate_ids: ids.filter((id, index) => ids.indexOf(id) !== index),
    tables: [...document.querySelectorAll("main table")]
      .filter((table) => getComputedStyle(table).display !== "table")
      .map((table) => table.className),
  };
}"""


@pytest.fixture(autouse=True)
def _settings(settings, tmp_path):
    """Flag standards at a low rate; keep the dialogue's fact snapshot private."""
    settings.STANDARD_REVIEW_BREACH_RATE = 0.3
    settings.STANDARD_REVIEW_MIN_WORKERS = 2
    settings.STANDARD_REVIEW_MIN_PROVIDERS = 2
    settings.DISCLOSURE_MINIMUM = 5
    settings.DIALOQ_FACT_SNAPSHOT = str(tmp_path / "facts" / "facts.duckdb")
    SCREENSHOTS.mkdir(exist_ok=True)
    cache.clear()
    yield
    cache.clear()


def _quality_world(world):
    """Fill the shared world with one of everything the new screens show."""
    make = factories.make_user
    people = SimpleNamespace(
        qm_funder=make("qm_funder", role=Role.QM_OFFICER, organisation=world.funder),
        qm_provider=make(
            "qm_provider", role=Role.QM_OFFICER, organisation=world.provider_a
        ),
        manager_funder=make_manager(world.funder, "manager_funder"),
        manager_provider=make_manager(world.provider_a, "manager_provider"),
    )
    worker = world.people.provider_a
    worker.first_name, worker.last_name = "Jonas", "Becker"
    worker.save()

    # A key process with its swimlane, and a standard tied to it.
    process = make_key_process(world.funder, key="hilfeplanung")
    standard = make_standard(
        world.funder,
        key="erstkontakt",
        title="Erstkontakt binnen 10 Arbeitstagen",
        key_process=process.process,
    )

    # A deviation on case A with actions and history, and one just reported.
    deviation = workflow.do_report(
        worker,
        source="manual",
        title="Erstkontakt zu spät",
        description="Erstkontakt erst nach drei Wochen.",
        case=world.case_a,
        standard_version=standard,
    )
    deviation = workflow.do_transition(
        worker, deviation, DeviationStatus.REACTED, immediate_correction="Angerufen"
    )
    deviation = workflow.do_transition(
        worker,
        deviation,
        DeviationStatus.ANALYSED,
        cause_analysis="Krankheit im Team",
        similar_deviations="Zwei weitere Fälle im Team möglich",
    )
    for description in ["Fristen im Team besprechen", "Vertretung regeln"]:
        workflow.do_add_action(
            worker,
            deviation,
            kind="corrective",
            description=description,
            owner=worker,
            due_on=timezone.localdate() + timedelta(days=14),
        )
    workflow.do_comment(worker, deviation, "Teamsitzung am Montag.")
    workflow.do_report(
        people.qm_funder,
        source="audit",
        title="Aktenführung lückenhaft",
        owner_organisation=world.funder,
    )

    # Compliance at both providers, high enough to flag the standard for review.
    unit = factories.make_unit(world.provider_a, "Team Nord")
    for provider, team, checked, met, workers in [
        (world.provider_a, None, 40, 24, 6),
        (world.provider_a, unit, 40, 24, 6),
        (world.provider_b, None, 20, 14, 2),
    ]:
        make_compliance(
            standard,
            world.funder,
            provider,
            team,
            checked=checked,
            met=met,
            workers=workers,
            period=PERIOD,
        )
    assert review.flag_standards(TODAY) == 1

    # A complaint about provider A and one about the funder.
    make_complaint(funder=world.funder, text="Niemand hat zurückgerufen.")
    complaint = make_complaint(funder=world.funder, provider=world.provider_a)

    # A held dialogue (before the agreement, whose terms name no indicator).
    dialogue = held_dialogue(world, people)

    # An agreement in force with an open proposal (version 2) and its changes.
    agreement = agreement_between(world.funder, world.provider_a)
    make_approved(
        agreement,
        people.qm_funder,
        people.manager_funder,
        people.manager_provider,
        make_terms(timezone.localdate() - timedelta(days=200), note="Erste"),
        today=timezone.localdate() - timedelta(days=210),
    )
    agreement_services.do_propose(
        people.qm_funder,
        agreement,
        make_terms(
            timezone.localdate() + timedelta(days=60), amount="61.20", volume="14"
        ),
        today=timezone.localdate(),
    )

    round_ = make_round(world.funder, world.provider_a, by=people.qm_funder)
    MonitorRun.objects.create(
        requested_by=people.qm_funder,
        status=RunStatus.DONE,
        started_at=timezone.now() - timedelta(minutes=3),
        finished_at=timezone.now() - timedelta(minutes=1),
        checked_on=timezone.localdate(),
        steps_done=4,
        steps_total=4,
        cases_checked=2,
        deviations_opened=1,
    )
    notify(
        [people.qm_funder],
        key="a11y-test",
        subject="Neue Beschwerde eingegangen",
        body="Bitte innerhalb von fünf Tagen bestätigen.",
        url=f"/deviations/complaints/{complaint.pk}/",
    )
    return SimpleNamespace(
        people=people,
        process=process,
        standard=standard,
        deviation=deviation,
        complaint=complaint,
        agreement=agreement,
        dialogue=dialogue,
        round=round_,
    )


def _sign_in_verified(page, live_server, sign_in, user):
    device = TOTPDevice.objects.create(user=user, name="App", confirmed=True)
    sign_in(page, user)
    page.wait_for_url("**/accounts/two-factor/**")
    page.get_by_label("Sechsstelliger Code").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Bestätigen").click()
    page.wait_for_url(f"{live_server.url}/")


def _visit(page, live_server, path, name, *, shows=None):
    """Open a page; check status, heading, expected text, axe; take a screenshot."""
    response = page.goto(f"{live_server.url}{path}")
    assert response.status == 200, path
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    if shows:
        expect(page.locator("main")).to_contain_text(shows)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
    assert_accessible(page)
    assert page.evaluate(LAYOUT_PROBLEMS) == {"duplicate_ids": [], "tables": []}, path


def _assert_first_error_announced(page):
    """The first invalid field is announced: summary with role=alert, or invalid
    state with its error message among its descriptions."""
    summary = page.locator("[role=alert]")
    invalid = page.locator("[aria-invalid=true]").first
    expect(invalid).to_be_attached()
    described_by = (invalid.get_attribute("aria-describedby") or "").split()
    error_ids = [token for token in described_by if token.endswith("_error")]
    assert error_ids, "the first invalid field does not point to its error"
    expect(page.locator(f"#{error_ids[0]}")).to_be_visible()
    assert summary.count() > 0 or invalid.evaluate(
        "(element) => element === document.activeElement"
    )


def test_quality_pages_of_a_funder_qm_officer_pass_axe(
    page,
    live_server,
    sign_in,
    transactional_db,
    world,
):
    """Processes, standards, deviations, compliance, review, complaints, agreements,
    dialogues, self-assessment and notifications, as the funder's QM officer."""
    data = _quality_world(world)
    _sign_in_verified(page, live_server, sign_in, data.people.qm_funder)
    agreement, dialogue = data.agreement, data.dialogue
    flag = review.visible_flags(data.people.qm_funder)[0]
    pages = [
        ("/catalogue/processes/", "processes", None),
        ("/catalogue/processes/hilfeplanung/", "process", "Anfrage mit Auftrag"),
        ("/catalogue/standards/", "standards", "Erstkontakt binnen"),
        ("/catalogue/standards/erstkontakt/", "standard", "Erstkontakt binnen"),
        ("/deviations/", "deviations", "Aktenführung lückenhaft"),
        ("/deviations/board/", "board", "Erstkontakt zu spät"),
        (f"/deviations/{data.deviation.pk}/", "deviation", "Vertretung regeln"),
        ("/deviations/compliance/", "compliance", "Träger B"),
        (f"/deviations/compliance/{data.standard.pk}/", "compliance-standard", None),
        ("/deviations/review/", "review", "Erstkontakt binnen"),
        (f"/deviations/review/{flag.pk}/", "review-flag", "Träger A"),
        ("/deviations/monitor/", "monitor", None),
        ("/deviations/complaints/", "complaints", data.complaint.reference),
        (
            f"/deviations/complaints/{data.complaint.pk}/",
            "complaint",
            "Zu lange gewartet",
        ),
        ("/notifications/", "notifications", "Neue Beschwerde"),
        ("/agreements/", "agreements", "Träger A"),
        (f"/agreements/{agreement.pk}/", "agreement", "Träger A"),
        (f"/agreements/{agreement.pk}/versions/2/", "agreement-version", "61,20"),
        (f"/agreements/{agreement.pk}/versions/2/changes/", "agreement-diff", "61,20"),
        ("/dialogues/", "dialogues", "Träger A"),
        ("/dialogues/calendar/", "dialogue-calendar", None),
        (f"/dialogues/{dialogue.pk}/", "dialogue", "Träger A"),
        (f"/dialogues/{dialogue.pk}/pack/", "dialogue-pack", None),
        (f"/dialogues/{dialogue.pk}/meeting/", "dialogue-meeting", "Dr. Gast"),
        ("/self-assessment/", "self-assessments", "Träger A"),
        (f"/self-assessment/{data.round.pk}/", "self-assessment", None),
    ]
    for path, name, shows in pages:
        _visit(page, live_server, path, name, shows=shows)
    assert page.failed_responses == []


def test_report_form_and_public_complaint_form_announce_errors(
    page,
    live_server,
    sign_in,
    transactional_db,
    world,
):
    """Sent empty, both forms mark the first field invalid, tied to its message,
    and still pass axe; the empty forms pass axe too."""
    page.goto(f"{live_server.url}/beschwerde/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "public-complaint.png", full_page=True)
    assert_accessible(page)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    _assert_first_error_announced(page)
    expect(page.locator("#error-summary")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "public-complaint-errors.png", full_page=True)
    assert_accessible(page)

    sign_in(page, world.people.provider_a)
    _visit(page, live_server, "/deviations/report/", "report")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    _assert_first_error_announced(page)
    page.screenshot(path=SCREENSHOTS / "report-errors.png", full_page=True)
    assert_accessible(page)
    _visit(page, live_server, "/deviations/", "deviations-caseworker")
    _visit(page, live_server, "/notifications/", "notifications-caseworker")
