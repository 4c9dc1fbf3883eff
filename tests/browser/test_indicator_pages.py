"""In a real browser: the indicator dashboard and an indicator page pass axe."""

import tempfile
from pathlib import Path

from playwright.sync_api import expect

from dialoq.accounts.roles import OrganisationKind
from dialoq.measures import statistics as st
from tests import factories
from tests.browser.conftest import browser, page, sign_in  # noqa: F401 (fixtures)
from tests.browser.test_accessibility import assert_accessible
from tests.measures import results_data as data

SCREENSHOTS = Path(tempfile.gettempdir())


def _world(transactional_db):
    from tests.conftest import world

    return world.__wrapped__(transactional_db)


def _figures(world):
    """Store a year of planned endings for the funder and three providers."""
    version = data.make_indicator()
    small = factories.make_organisation(OrganisationKind.PROVIDER, "Träger C")
    factories.make_case(world.funder, small)
    for back in range(12):
        period = data.rolling(back)
        data.make_result(
            version,
            "funder",
            funder=world.funder,
            period=period,
            cases=64,
            numerator=44 + back % 4,
        )
        providers = [
            data.make_result(
                version,
                "provider",
                funder=world.funder,
                provider=provider,
                period=period,
                cases=cases,
                numerator=numerator,
                evaluation=evaluation,
            )
            for provider, cases, numerator, evaluation in [
                (world.provider_a, 40, 30, st.Evaluation.WITHIN_RANGE),
                (world.provider_b, 22, 11, st.Evaluation.CONSPICUOUS),
                (small, 2, 1, st.Evaluation.NOT_EVALUABLE),
            ]
        ]
        data.add_funnel(providers)
    return version


def test_dashboard_and_indicator_page_pass_axe(
    page,  # noqa: F811
    live_server,
    sign_in,  # noqa: F811
    transactional_db,
):
    """Funder and provider reach the dashboard by the menu; both pages meet AA."""
    world = _world(transactional_db)
    version = _figures(world)
    sign_in(page, world.people.funder)
    navigation = page.get_by_role("navigation", name="Hauptnavigation")
    navigation.locator('a[href="/indicators/"]').click()
    page.wait_for_url("**/indicators/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("td.number").first).to_contain_text("%")
    assert_accessible(page)
    page.screenshot(path=SCREENSHOTS / "dialoq-indicators.png", full_page=True)

    page.get_by_role("link", name=version.title).click()
    page.wait_for_url(f"**/indicators/{version.definition.key}/**")
    funnel = page.get_by_role("img", name="Beendigung gemäß Hilfeplan", exact=False)
    expect(funnel.first).to_be_visible()
    expect(page.get_by_role("table").first).to_contain_text("Träger B")
    assert_accessible(page)
    page.screenshot(path=SCREENSHOTS / "dialoq-indicator.png", full_page=True)
    assert page.failed_responses == []

    page.context.clear_cookies()
    sign_in(page, world.people.provider_a)
    page.goto(f"{live_server.url}/indicators/{version.definition.key}/")
    expect(page.locator("tr.highlighted")).to_contain_text("Träger A")
    expect(page.locator("main")).not_to_contain_text("Träger B")
    assert_accessible(page)
