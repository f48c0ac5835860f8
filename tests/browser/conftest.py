"""Playwright on Debian's chromium against pytest-django's live server, seeded with the demo data.

`SCREENSHOTS=1 pytest tests/browser` also writes the README's screenshots (full page, 1280x800) to docs/.
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
            yield browser
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


@pytest.fixture
def screenshot():
    """Saves a full-page screenshot as docs/<name>.png, only when SCREENSHOTS is set."""

    def save(page, name: str) -> None:
        if os.environ.get("SCREENSHOTS"):
            DOCS.mkdir(exist_ok=True)
            page.screenshot(path=str(DOCS / f"{name}.png"), full_page=True)

    return save


@pytest.fixture
def log_in(live_server):
    """Logs a demo contact in through the login form; the portal then shows the dashboard."""

    def submit(page, credentials: tuple[str, str]) -> None:
        email, password = credentials
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", email)
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
    link = page.locator("nav.site-nav").get_by_role(
        "link", name=re.compile(rf"^{re.escape(name)}( \d+ open)?$")
    )
    follow(page, link)
