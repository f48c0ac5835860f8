"""Playwright on Debian's chromium against pytest-django's live server, seeded with the demo data.

`SCREENSHOTS=1 pytest tests/browser` also writes the README's screenshots to docs/: full pages at 1280x800,
and each also at 390x844 as <name>-phone.png.

Every browser test fails on a Content-Security-Policy violation reported in the console of any page it
opened (every context comes from the `browser` fixture, which listens to each one's console).
"""

import os
import re
from pathlib import Path

import pytest

from portal import demo
from portal.demo_data import PASSWORD_BEHEERDER, PASSWORD_MEDEWERKER

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
VIEWPORT = {"width": 1280, "height": 800}
DOCS = Path(__file__).resolve().parents[2] / "docs"

BEHEERDER = ("beheerder@example.nl", PASSWORD_BEHEERDER)
MEDEWERKER = ("medewerker@example.nl", PASSWORD_MEDEWERKER)


# How chromium words a violation in the console ("Refused to apply inline style because it violates the
# following Content Security Policy directive: ...").
CSP_VIOLATION = "Content Security Policy"


class CspWatchingBrowser:
    """The Playwright browser, but every new context reports CSP violations in its console here."""

    def __init__(self, browser):
        self._browser = browser
        self.violations: list[str] = []

    def new_context(self, **options):
        context = self._browser.new_context(**options)
        context.on("console", self._record)
        return context

    def _record(self, message) -> None:
        if CSP_VIOLATION in message.text:
            self.violations.append(f"{message.page.url if message.page else '?'}: {message.text}")

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture(autouse=True)
def _no_csp_violation(request):
    """After each browser test (its pages closed): no page it opened reported a CSP violation."""
    yield
    if "browser" not in request.fixturenames:
        return
    watching = request.getfixturevalue("browser")
    violations, watching.violations = watching.violations, []
    assert violations == [], "CSP violations:\n" + "\n".join(violations)


@pytest.fixture(scope="package")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package to run the browser tests")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in the test thread; Django would refuse the ORM calls
    # the tests and the live server fixture make while it runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield CspWatchingBrowser(browser)
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=VIEWPORT, locale="nl-NL")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def demo_data(transactional_db):
    demo.seed(log=lambda message: None)


PHONE_VIEWPORT = {"width": 390, "height": 844}


@pytest.fixture
def screenshot():
    """Saves a full-page screenshot as docs/<name>.png, only when SCREENSHOTS is set; a page shown wider
    than a phone is also saved as docs/<name>-phone.png at 390x844, the same page in the phone layout."""

    def save(page, name: str) -> None:
        if not os.environ.get("SCREENSHOTS"):
            return
        DOCS.mkdir(exist_ok=True)
        page.screenshot(path=str(DOCS / f"{name}.png"), full_page=True)
        viewport = page.viewport_size
        if viewport["width"] > PHONE_VIEWPORT["width"]:
            page.set_viewport_size(PHONE_VIEWPORT)
            page.screenshot(path=str(DOCS / f"{name}-phone.png"), full_page=True)
            page.set_viewport_size(viewport)

    return save


@pytest.fixture
def log_in(live_server):
    """Logs a demo contact in through the login form; the portal then shows the dashboard."""

    def submit(page, credentials: tuple[str, str]) -> None:
        email, password = credentials
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=login]", email)
        page.fill("input[name=password]", password)
        follow(page, page.locator("main button[type=submit]"))
        assert page.url == f"{live_server.url}/"

    return submit


def follow(page, target) -> None:
    """Clicks a link or submit button and waits until the next page has loaded."""
    with page.expect_navigation():
        target.click()


def open_menu(page, name: str) -> None:
    """Follows the main menu's link with exactly this name (a count of open items may follow it)."""
    exactly = re.compile(rf"^{re.escape(name)}(\s+\d+\s+open)?$")
    link = page.locator("nav.site-nav").get_by_role("link", name=exactly)
    follow(page, link)
