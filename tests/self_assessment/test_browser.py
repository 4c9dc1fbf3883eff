"""In a real browser: answer, compare; the pages pass axe (skipped without chromium)."""

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from dialoq.self_assessment import services
from tests.browser.conftest import browser, page, sign_in  # noqa: F401 (fixtures)
from tests.browser.test_accessibility import assert_accessible
from tests.self_assessment.factories import fill, make_officer, make_round


def test_answer_and_comparison_pages_pass_axe(
    page,  # noqa: F811
    live_server,
    sign_in,  # noqa: F811
    transactional_db,
    world,
):
    """The answer form, the round and the comparison with its radar chart."""
    officer = make_officer(world.funder, "qm_browser")
    partner = make_officer(world.provider_a, "qm_browser_partner")
    device = TOTPDevice.objects.create(user=officer, name="App", confirmed=True)
    round_ = make_round(world.funder, world.provider_a)
    sign_in(page, officer)
    page.wait_for_url("**/accounts/two-factor/**")
    page.get_by_label("Sechsstelliger Code").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Bestätigen").click()
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/self-assessment/{round_.pk}/funder/criteria/1/")
    assert_accessible(page)
    page.locator("fieldset.scale input[value='3']").first.check()
    page.locator("form button[name=save]").click()
    expect(page.locator(".messages")).to_be_visible()
    assert_accessible(page)

    fill(round_, "funder", officer, lambda item: 2)
    fill(round_, "provider", partner, lambda item: 4 if item.code == "1.1" else 2)
    services.do_submit(officer, round_, "funder")
    services.do_submit(partner, round_, "provider")
    page.goto(f"{live_server.url}/self-assessment/{round_.pk}/")
    assert_accessible(page)
    page.goto(f"{live_server.url}/self-assessment/{round_.pk}/comparison/")
    expect(page.locator("svg[role=img] title").first).to_be_attached()
    expect(page.locator("tr.highlighted")).to_have_count(1)
    assert_accessible(page)
    assert page.failed_responses == []
