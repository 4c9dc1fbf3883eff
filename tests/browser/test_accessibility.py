"""The main pages meet WCAG 2.1 AA (axe-core), work by keyboard and load cleanly."""

import tempfile
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from dialoq.accounts.roles import OrganisationKind, Role
from dialoq.cases.models import CaseStatus, Goal, HelpPlan, Review
from tests import factories

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return results.violations.map((violation) => ({
    id: violation.id,
    impact: violation.impact,
    help: violation.help,
    nodes: violation.nodes.map(
      (node) => `${node.target.join(" ")}: ${node.failureSummary}`
    ),
  }));
}"""
SCREENSHOT = Path(tempfile.gettempdir()) / "dialoq-start.png"


def assert_accessible(page):
    """Fail with a readable list of the page's WCAG 2.1 A/AA violations, if any."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE)
    violations = page.evaluate(RUN_AXE, WCAG_21_AA)
    report = "\n".join(
        f"- {violation['id']} ({violation['impact']}): {violation['help']}\n    "
        + "\n    ".join(node.replace("\n", "\n      ") for node in violation["nodes"])
        for violation in violations
    )
    assert violations == [], f"axe found violations on {page.url}:\n{report}"


@pytest.fixture
def district(transactional_db):
    """Return a case manager, a caseworker and a QM officer with three cases."""
    funder = factories.make_organisation(
        OrganisationKind.FUNDER, "Jugendamt Landkreis Musterstadt"
    )
    provider = factories.make_organisation(
        OrganisationKind.PROVIDER, "Familienhilfe Nord e. V."
    )
    case_manager = factories.make_user(
        "fallmanagerin", role=Role.CASE_MANAGER, organisation=funder
    )
    caseworker = factories.make_user(
        "fachkraft", role=Role.CASEWORKER, organisation=provider
    )
    qm_officer = factories.make_user("qm", role=Role.QM_OFFICER, organisation=provider)
    for user, first, last in [
        (case_manager, "Miriam", "Kaya"),
        (caseworker, "Jonas", "Becker"),
        (qm_officer, "Sabine", "Wolff"),
    ]:
        user.first_name, user.last_name = first, last
        user.save()
    today = timezone.localdate()
    people = {"case_manager": case_manager, "caseworker": caseworker}
    overdue = factories.make_case(
        funder, provider, next_review_due=today - timedelta(days=12), **people
    )
    factories.make_case(
        funder, provider, next_review_due=today + timedelta(days=5), **people
    )
    factories.make_case(
        funder,
        provider,
        status=CaseStatus.REFERRAL,
        referred_on=today - timedelta(days=3),
        started_on=None,
        next_review_due=None,
        **people,
    )
    plan = HelpPlan.objects.create(
        case=overdue,
        version=1,
        agreed_on=date(2026, 1, 19),
        next_review_due=today - timedelta(days=12),
    )
    Goal.objects.create(help_plan=plan, title="Tagesstruktur mit festen Zeiten")
    Goal.objects.create(help_plan=plan, title="Regelmäßiger Schulbesuch", weight=2)
    Review.objects.create(
        case=overdue,
        help_plan=plan,
        due_on=date(2026, 4, 19),
        held_on=date(2026, 4, 22),
    )
    return {
        "case_manager": case_manager,
        "caseworker": caseworker,
        "qm_officer": qm_officer,
        "case": overdue,
    }


def test_sign_in_page_is_accessible(page, live_server, transactional_db):
    """The sign-in page, empty and with errors, has no WCAG 2.1 AA violations."""
    page.goto(f"{live_server.url}/accounts/sign-in/")
    assert page.locator("html").get_attribute("lang") == "de"
    assert_accessible(page)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_selector(".error")
    assert_accessible(page)


@pytest.mark.parametrize("persona", ["caseworker", "case_manager"])
def test_case_work_pages_are_accessible(persona, page, live_server, district, sign_in):
    """Start page, case list, case detail and 404 page pass axe for case work roles."""
    sign_in(page, district[persona])
    assert page.get_by_role("heading", level=1).inner_text().startswith("Guten Tag")
    assert_accessible(page)
    if persona == "caseworker":
        page.screenshot(path=SCREENSHOT, full_page=True)
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role(
        "link", name="Fälle"
    ).click()
    page.wait_for_url("**/cases/")
    assert_accessible(page)
    page.get_by_role("link", name=district["case"].reference).click()
    page.wait_for_url(f"**{district['case'].get_absolute_url()}")
    assert page.get_by_text("Tagesstruktur mit festen Zeiten").is_visible()
    assert_accessible(page)
    response = page.goto(f"{live_server.url}/cases/999999/")
    assert response.status == 404
    assert_accessible(page)


def test_qm_officer_pages_are_accessible(page, live_server, district, sign_in):
    """The one-time code prompt and the QM officer's start page pass axe."""
    qm_officer = district["qm_officer"]
    device = TOTPDevice.objects.create(user=qm_officer, name="App", confirmed=True)
    sign_in(page, qm_officer)
    page.wait_for_url("**/accounts/two-factor/**")
    assert_accessible(page)
    page.get_by_label("Sechsstelliger Code").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Bestätigen").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_text("Offene Fälle", exact=True).is_visible()
    assert_accessible(page)


def test_skip_link_is_first_and_moves_focus_to_main(page, district, sign_in):
    """The first Tab shows the skip link; following it puts focus on main."""
    sign_in(page, district["caseworker"])
    skip_link = page.locator(".skip-link")
    assert skip_link.bounding_box()["y"] < 0
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert skip_link.inner_text() == "Zum Inhalt springen"
    assert skip_link.bounding_box()["y"] >= 0
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")
    in_main = page.evaluate(
        "document.getElementById('main').contains(document.activeElement)"
    )
    assert in_main


def test_every_focusable_element_shows_a_focus_outline(page, district, sign_in):
    """Tabbing through the start page, each focused element has a visible outline."""
    sign_in(page, district["caseworker"])
    seen = []
    for _step in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
              const element = document.activeElement;
              const style = getComputedStyle(element);
              return {
                tag: element.tagName,
                text: (element.innerText || element.value || "").trim().slice(0, 30),
                outline: `${style.outlineStyle} ${style.outlineWidth}`,
              };
            }"""
        )
        if focused["tag"] == "BODY" or focused in seen:
            break
        seen.append(focused)
    assert [item["tag"] for item in seen[:2]] == ["A", "A"]
    assert any(item["text"] == "Alle Fälle" for item in seen)
    hidden = [
        item
        for item in seen
        if item["outline"].startswith("none") or item["outline"].endswith(" 0px")
    ]
    assert hidden == []


def test_pages_load_without_csp_violations_or_foreign_requests(
    page, live_server, district, sign_in
):
    """CSS and htmx load from our static files; no CSP violation, no other host."""
    sign_in(page, district["case_manager"])
    for path in ["/", "/cases/", district["case"].get_absolute_url()]:
        page.goto(f"{live_server.url}{path}")
        failed = [line for line in page.failed_responses if "favicon" not in line]
        assert failed == [], path
        assert page.evaluate("typeof window.htmx") == "object", path
    static = f"{live_server.url}/static/dialoq/"
    assert f"{static}dialoq.css" in page.requested_urls
    scripts = page.eval_on_selector_all("script[src]", "nodes => nodes.map(n => n.src)")
    assert scripts == [f"{static}vendor/htmx.min.js"]
    assert [m for m in page.console_messages if "Content Security Policy" in m] == []
    host = urlsplit(live_server.url).netloc
    foreign = [url for url in page.requested_urls if urlsplit(url).netloc != host]
    assert foreign == []
