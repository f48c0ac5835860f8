"""On a 390x844 phone: Licentiedata's lines as cards with every number on screen, a compact header whose
menu folds (also without JavaScript), and a Beheerder's change through its confirmation step.

With SCREENSHOTS=1 the opened menu and a line's page with its chart are README screenshots (docs/*-phone.png).
"""

import pytest

from licensing.models import LicenseLine, LicenseMutation
from licensing.pricing.money import format_money
from licensing.pricing.selectors import schedule_for
from licensing.pricing.tiers import price_for

from .conftest import BEHEERDER, follow

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, locale="nl-NL", is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def phone_without_js(browser):
    context = browser.new_context(viewport=PHONE, locale="nl-NL", java_script_enabled=False)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def _log_in(page, live_server):
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=login]", BEHEERDER[0])
    page.fill("input[name=password]", BEHEERDER[1])
    follow(page, page.locator("main button[type=submit]"))


def _line(item: str, scope: str) -> LicenseLine:
    return LicenseLine.objects.get(license__customer__number="12345", item=item, scope=scope)


def _inside(box, width: int) -> bool:
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width


def test_every_number_of_every_line_is_on_screen(phone, live_server, demo_data):
    _log_in(phone, live_server)
    phone.goto(f"{live_server.url}/licentiedata/")

    cells = phone.locator("table.license-lines td.num")
    assert cells.count() == 5 * LicenseLine.objects.filter(license__customer__number="12345").count()
    for n in range(cells.count()):
        cell = cells.nth(n)
        assert _inside(cell.bounding_box(), PHONE["width"]), cell.inner_text()
        # Each number says what it is: the column's name stands beside it.
        label = cell.evaluate("cell => getComputedStyle(cell, '::before').content")
        assert label.strip('"') == cell.get_attribute("data-label")
    line = _line("profit_users", "O")
    assert phone.locator(f"#line-{line.id} td.num").all_inner_texts() == [
        f"{line.maximum}",
        f"{line.portal}",
        f"{line.in_use}",
        f"{line.available}",
        format_money(
            price_for(line.maximum, schedule_for(edition="profit", item="profit_users")), language="nl"
        ),
    ]
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_header_is_compact_and_its_menu_folds(phone, live_server, demo_data, screenshot):
    _log_in(phone, live_server)

    header = phone.locator(".site-header").bounding_box()
    assert header["height"] <= 80
    menu = phone.locator("nav.site-nav")
    assert not menu.is_visible()
    phone.locator("summary.site-menu__toggle").click()
    assert menu.is_visible()
    links = menu.get_by_role("link")
    assert links.count() >= 8
    for n in range(links.count()):
        box = links.nth(n).bounding_box()
        assert box["height"] >= 44 and _inside(box, PHONE["width"])
    screenshot(phone, "menu-phone")
    follow(phone, menu.get_by_role("link", name="Contactpersonen", exact=True))
    assert phone.locator("h1").inner_text() == "Contactpersonen"
    assert not menu.is_visible()  # folded again on the next page


def test_the_menu_folds_and_opens_without_javascript(phone_without_js, live_server, demo_data):
    page = phone_without_js
    _log_in(page, live_server)

    menu = page.locator("nav.site-nav")
    assert not menu.is_visible()
    page.locator("summary.site-menu__toggle").click()
    assert menu.is_visible()
    follow(page, menu.get_by_role("link", name="Licentiedata", exact=True))
    assert page.locator("h1").inner_text() == "Licentiedata"


def test_a_beheerder_raises_a_count_through_the_confirmation_on_a_phone(
    phone, live_server, demo_data, screenshot
):
    line = _line("profit_users", "O")
    assert (line.maximum, line.in_use) == (16, 13)
    _log_in(phone, live_server)
    phone.goto(f"{live_server.url}/licentiedata/")

    follow(phone, phone.locator(f"#line-{line.id}").get_by_role("link", name="Wijzigen"))
    assert "Toegestaan: van 13 (nu in gebruik) tot 1000000." in phone.locator("#quantity-range").inner_text()
    phone.fill("input[name=quantity]", "18")
    follow(phone, phone.locator("form:has(input[name=quantity]) button[type=submit]"))

    consequences = phone.locator(".confirm__consequences li").all_inner_texts()
    assert consequences[0] == "Maximum Profit-gebruikers (Productie) van 16 naar 18; in gebruik 13."
    assert not LicenseMutation.objects.exists()
    follow(phone, phone.get_by_role("button", name="Verhogen naar 18"))

    assert phone.url == f"{live_server.url}/licentiedata/#line-{line.id}"
    assert phone.evaluate("document.querySelector(':target').id") == f"line-{line.id}"
    row = phone.locator(f"#line-{line.id}")
    assert row.evaluate("row => getComputedStyle(row).backgroundColor") == "rgb(255, 246, 209)"
    assert row.locator("td.num:not(.price)").all_inner_texts() == ["18", "18", "13", "5"]
    line.refresh_from_db()
    assert (line.maximum, line.portal) == (18, 18)
    phone.goto(f"{live_server.url}/licentiedata/regel/{line.id}/")
    screenshot(phone, "line-phone")


def test_blocking_from_the_what_if_list_returns_to_the_form_with_the_number(phone, live_server, demo_data):
    line = _line("profit_users", "O")
    _log_in(phone, live_server)
    phone.goto(f"{live_server.url}/licentiedata/regel/{line.id}/wijzigen/")
    phone.fill("input[name=quantity]", "12")
    follow(phone, phone.locator("form:has(input[name=quantity]) button[type=submit]"))
    candidates = phone.locator("#what-if tbody tr")
    assert candidates.count() >= 1

    follow(phone, candidates.first.get_by_role("button", name="In alle omgevingen blokkeren"))
    assert "wordt geblokkeerd in" in phone.locator(".confirm__consequences").inner_text()
    follow(phone, phone.get_by_role("button", name="Blokkeren in alle omgevingen"))

    assert phone.url == f"{live_server.url}/licentiedata/regel/{line.id}/wijzigen/?quantity=12"
    assert phone.input_value("input[name=quantity]") == "12"
    assert "is geblokkeerd" in phone.locator(".messages").inner_text()
