"""Browser tests: Debian's chromium, driven by Playwright, against the live server.

Playwright never downloads a browser here; without /usr/bin/chromium the tests
are skipped (CI installs it). The live server runs in its own thread on the
transactional test database, so each test builds its own data.
"""

from pathlib import Path

import pytest

from tests import factories

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    """Return a headless chromium shared by the tests of a module."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in the test's thread, so Django
    # would refuse the test's own database queries as "async" without this.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """Return a fresh page in German, recording console messages, requests, errors."""
    context = browser.new_context(
        locale="de-DE", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.console_messages, page.requested_urls, page.failed_responses = [], [], []

    def record_response(response):
        if response.status >= 400:
            page.failed_responses.append(f"{response.status} {response.url}")

    page.on("console", lambda message: page.console_messages.append(message.text))
    page.on("request", lambda request: page.requested_urls.append(request.url))
    page.on("response", record_response)
    yield page
    context.close()


@pytest.fixture
def sign_in(live_server):
    """Return a function that fills in and sends the real sign-in form."""

    def sign_in(page, user):
        page.goto(f"{live_server.url}/accounts/sign-in/")
        page.get_by_label("Benutzername").fill(user.username)
        page.get_by_label("Passwort").fill(factories.PASSWORD)
        page.get_by_role("button", name="Anmelden").click()
        page.wait_for_url(lambda url: "/accounts/sign-in/" not in url)

    return sign_in
