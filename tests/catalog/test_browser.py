"""In a real browser: the editor checks and lists columns with htmx; pages pass axe."""

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from dialoq.catalog.models import VersionStatus
from tests.browser.conftest import browser, page, sign_in  # noqa: F401 (fixtures)
from tests.browser.test_accessibility import assert_accessible
from tests.catalog.factories import make_indicator, make_qm_officer, make_version


def test_editor_pages_work_with_htmx_and_pass_axe(
    page,  # noqa: F811
    live_server,
    sign_in,  # noqa: F811
    transactional_db,
    world,
):
    """Framework, indicator, editor and put-in-force pages; check without reload."""
    officer = make_qm_officer(world.funder, "qm_browser")
    device = TOTPDevice.objects.create(user=officer, name="App", confirmed=True)
    first = make_indicator(world.funder, key="browser-planned-endings")
    draft = make_version(first.definition, status=VersionStatus.DRAFT)
    sign_in(page, officer)
    page.wait_for_url("**/accounts/two-factor/**")
    page.get_by_label("Sechsstelliger Code").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Bestätigen").click()
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/catalogue/")
    assert_accessible(page)
    page.goto(f"{live_server.url}/catalogue/indicators/{first.key}/")
    expect(page.locator("pre").first).to_contain_text("planned_ending = true")
    assert_accessible(page)

    page.goto(f"{live_server.url}/catalogue/indicators/{first.key}/versions/2/edit/")
    assert page.evaluate("typeof window.htmx") == "object"
    page.evaluate("window.notReloaded = true")
    assert_accessible(page)
    page.locator('select[name="fact"]').select_option("goal_ratings")
    expect(page.locator("#fact-columns")).to_contain_text("levels_agree")
    page.locator('select[name="fact"]').select_option("cases")
    expect(page.locator("#fact-columns")).to_contain_text("planned_ending")
    page.locator('input[name="target"]').fill("0,9")
    page.locator('button[value="check"]').click()
    expect(page.locator("#definition-check [role=status]")).to_be_visible()
    assert_accessible(page)
    page.locator('textarea[name="population"]').fill("nonsense =")
    page.locator('button[value="check"]').click()
    expect(page.locator("#id_population_error")).to_contain_text("nonsense")
    assert page.evaluate("window.notReloaded") is True  # checked without a reload
    assert_accessible(page)

    page.locator('textarea[name="population"]').fill("status = 'closed'")
    page.locator('button[value="save"]').click()
    page.wait_for_url(f"**/versions/{draft.version}/")
    expect(page.locator("ins").first).to_be_visible()  # the change against version 1
    assert_accessible(page)
    page.goto(
        f"{live_server.url}/catalogue/indicators/{first.key}/versions/2/put-in-force/"
    )
    assert_accessible(page)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**/catalogue/indicators/{first.key}/")
    draft.refresh_from_db()
    first.refresh_from_db()
    assert (draft.status, first.status) == ("in_force", "retired")
    assert draft.spec["target"] == 0.9
    assert page.failed_responses == []
