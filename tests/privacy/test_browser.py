"""In a real browser: identity shown and changed in place with htmx; pages pass axe."""

from playwright.sync_api import expect

from dialoq.cases.models import AccessAction, AccessLogEntry, BeneficiaryIdentity
from tests.browser.conftest import browser, page, sign_in  # noqa: F401 (fixtures)
from tests.browser.test_accessibility import assert_accessible
from tests.privacy.builders import document


def _world(transactional_db):
    from tests.conftest import world

    return world.__wrapped__(transactional_db)


def test_identity_is_recorded_and_shown_in_place(
    page,  # noqa: F811
    live_server,
    sign_in,  # noqa: F811
    transactional_db,
):
    """The case manager records and reveals identity without leaving the case page."""
    world = _world(transactional_db)
    sign_in(page, world.people.funder)
    page.goto(f"{live_server.url}{world.case_a.get_absolute_url()}")
    page.evaluate("window.notReloaded = true")
    section = page.locator("#identity")
    assert_accessible(page)

    section.get_by_role("link", name="Identifizierende Daten ändern").click()
    page.get_by_label("Vorname").fill("Zebulon")
    page.get_by_label("Nachname").fill("Quackenbush")
    page.get_by_label("Geburtsdatum").fill("2099-01-01")
    page.get_by_role("button", name="Identifizierende Daten speichern").click()
    expect(page.locator("#id_date_of_birth_error")).to_contain_text("Zukunft")
    assert_accessible(page)
    assert not BeneficiaryIdentity.objects.exists()

    page.get_by_label("Geburtsdatum").fill("2012-03-04")
    page.get_by_role("button", name="Identifizierende Daten speichern").click()
    expect(section.get_by_role("status")).to_contain_text("gespeichert")
    expect(section).not_to_contain_text("Quackenbush")

    section.get_by_role("link", name="Identifizierende Daten anzeigen").click()
    expect(section).to_contain_text("Quackenbush")
    expect(section).to_contain_text("04.03.2012")
    assert_accessible(page)
    assert page.evaluate("window.notReloaded") is True
    assert page.failed_responses == []
    assert AccessLogEntry.objects.filter(action=AccessAction.VIEW_IDENTITY).exists()


def test_privacy_and_export_pages_pass_axe(
    page,  # noqa: F811
    live_server,
    sign_in,  # noqa: F811
    transactional_db,
):
    """Access log, export page, Art. 15 page and its print view meet WCAG 2.1 AA."""
    world = _world(transactional_db)
    document(world.case_a, staff=world.people.provider_a)
    sign_in(page, world.people.funder)
    base = f"{live_server.url}/cases"
    page.goto(f"{base}/exports/")
    assert_accessible(page)
    page.goto(f"{base}/{world.case_a.pk}/beneficiary-export/")
    assert_accessible(page)
    page.get_by_role("button", name="Seite zum Drucken anzeigen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Art. 15")
    assert_accessible(page)

    page.context.clear_cookies()
    sign_in(page, world.people.auditor)
    page.goto(f"{base}/access-log/?date_from=2026-02-01&date_to=2026-01-01")
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page)
    page.goto(f"{base}/access-log/")
    expect(page.locator("table caption")).to_be_visible()
    assert_accessible(page)
