"""Issue 3 in a real browser: a Beheerder changes a license count in Dutch and in English."""

import pytest
from django.utils import translation

from licensing.models import LicenseLine, LicenseMutation
from licensing.pricing.money import format_money
from licensing.pricing.selectors import change_prices
from licensing.pricing.texts import price_change_sentence
from licensing.services import BELOW_IN_USE, SHORTFALL

from .conftest import BEHEERDER, follow, open_menu

pytestmark = pytest.mark.browser

REFUSAL_NL = "Het gewenste aantal komt onder het werkelijke aantal in gebruik."
REFUSAL_EN = "The requested number is below the number actually in use."


def _line(item: str, scope: str) -> LicenseLine:
    return LicenseLine.objects.get(license__customer__number="12345", item=item, scope=scope)


def _numbers(page, line: LicenseLine) -> list[str]:
    """Maximum, portal number, in use and available as Licentiedata shows them."""
    return page.locator(f"#line-{line.id} td.num:not(.price)").all_inner_texts()


def _price_change(line: LicenseLine, quantity: int):
    # Computed, not written out: the demo's price lists are scheduled by date.
    return change_prices(edition="profit", item=line.item, old_quantity=line.maximum, new_quantity=quantity)


def _submit_quantity(page, quantity: int) -> None:
    page.fill("input[name=quantity]", str(quantity))
    follow(page, page.locator("form:has(input[name=quantity]) button[type=submit]"))


def _confirm(page, consequence: str) -> None:
    """The confirmation step of a raise: it states the change in numbers; confirm it."""
    assert page.locator(".confirm__consequences li").first.inner_text() == consequence
    follow(page, page.locator(".confirm__form button[name=confirm]"))


def test_a_beheerder_is_refused_below_in_use_raises_the_line_and_is_refused_in_english(
    page, live_server, demo_data, log_in, screenshot
):
    line = _line("profit_users", "O")
    assert (line.maximum, line.portal, line.in_use) == (16, 16, 13)
    # The constants the views show are the texts DESIGN.md prescribes.
    assert str(BELOW_IN_USE) == REFUSAL_NL
    assert str(SHORTFALL) % {"in_use": 13, "requested": 12} == "13 in gebruik, gevraagd 12"

    page.goto(f"{live_server.url}/login/")
    assert page.locator("h1").inner_text() == "Inloggen"
    screenshot(page, "login")
    log_in(page, BEHEERDER)
    screenshot(page, "dashboard")

    open_menu(page, "Licentiedata")
    assert page.locator("h1").inner_text() == "Licentiedata"
    assert _numbers(page, line) == ["16", "16", "13", "3"]
    screenshot(page, "licentiedata")

    follow(page, page.locator(f"#line-{line.id}").get_by_role("link", name="Wijzigen"))
    assert page.url == f"{live_server.url}/licentiedata/regel/{line.id}/wijzigen/"
    _submit_quantity(page, 12)

    errors = page.locator(".field__error").all_inner_texts()
    assert errors == [REFUSAL_NL, "13 in gebruik, gevraagd 12"]
    screenshot(page, "mutation-refused")
    line.refresh_from_db()
    assert (line.maximum, line.portal) == (16, 16)
    assert not LicenseMutation.objects.exists()

    # Previewing 30 (into the second tier of the demo's Profit users) changes nothing.
    page.fill("input[name=quantity]", "30")
    follow(page, page.get_by_role("button", name="Prijs berekenen"))
    with translation.override("nl"):
        preview = price_change_sentence(_price_change(line, 30), item=line.item)
        change = _price_change(line, 20)
        raise_preview = price_change_sentence(change, item=line.item)
    assert preview.endswith("; vanaf 26 gebruikers geldt staffel 2")
    assert page.locator("#price-preview").inner_text() == preview
    screenshot(page, "mutation-price-preview")
    assert not LicenseMutation.objects.exists()

    _submit_quantity(page, 20)
    assert raise_preview.startswith(f"Van {format_money(change.before, language='nl')} naar ")
    assert raise_preview + "." in page.locator(".confirm__consequences li").all_inner_texts()
    screenshot(page, "mutation-confirm")
    _confirm(page, "Maximum Profit-gebruikers (Productie) van 16 naar 20; in gebruik 13.")

    assert page.url == f"{live_server.url}/licentiedata/#line-{line.id}"
    assert (
        "maximum en portaalaantal zijn nu 20; in gebruik 13, beschikbaar 7"
        in page.locator(".messages").inner_text()
    )
    assert _numbers(page, line) == ["20", "20", "13", "7"]
    line.refresh_from_db()
    assert (line.maximum, line.portal) == (20, 20)
    mutation = LicenseMutation.objects.get()
    assert (mutation.line_id, mutation.old_maximum, mutation.new_quantity) == (line.id, 16, 20)
    assert mutation.by == BEHEERDER[0]

    open_menu(page, "Mutaties")
    assert page.locator(f"#mutation-{mutation.id} td.num:not(.price)").all_inner_texts() == ["16", "16", "20"]
    assert (mutation.old_price, mutation.new_price) == (change.before, change.after)
    price_cell = page.locator(f"#mutation-{mutation.id} td.price").inner_text()
    assert price_cell.startswith(
        f"{format_money(change.before, language='nl')} → {format_money(change.after, language='nl')}"
    )
    screenshot(page, "mutation-history")

    page.select_option("#language-select", "en")
    follow(page, page.get_by_role("button", name="Taal kiezen"))
    assert page.locator("h1").inner_text() == "Changes"
    open_menu(page, "License data")
    assert page.locator("h1").inner_text() == "License data"
    assert page.get_by_role("button", name="Count now").count() == 1
    follow(page, page.locator(f"#line-{line.id}").get_by_role("link", name="Change"))
    _submit_quantity(page, 10)

    assert page.locator(".field__error").all_inner_texts() == [REFUSAL_EN, "13 in use, requested 10"]
    line.refresh_from_db()
    assert (line.maximum, line.portal) == (20, 20)
    assert LicenseMutation.objects.count() == 1


def test_a_beheerder_confirms_the_deviation_before_changing_a_deviating_line(
    page, live_server, demo_data, log_in, screenshot
):
    line = _line("insite_users", "T")
    assert (line.maximum, line.portal, line.in_use) == (10, 8, 4)
    log_in(page, BEHEERDER)
    page.goto(f"{live_server.url}/licentiedata/")
    assert page.locator(f"#line-{line.id} .badge").inner_text() == "Afwijking"

    follow(page, page.locator(f"#line-{line.id}").get_by_role("link", name="Wijzigen"))

    notice = page.locator("#deviation")
    assert "feitelijk recht op heeft is 10; het portaal toont 8" in notice.inner_text()
    assert notice.locator("a[href*='/licentieaanvragen/nieuw/']").count() == 1
    screenshot(page, "mutation-deviation")

    _submit_quantity(page, 12)
    assert page.locator(".field--checkbox .field__error").count() == 1
    line.refresh_from_db()
    assert (line.maximum, line.portal) == (10, 8)

    page.check("input[name=acknowledge_deviation]")
    _submit_quantity(page, 12)
    _confirm(page, "Maximum InSite-gebruikers (Test) van 10 naar 12; in gebruik 4.")

    assert _numbers(page, line) == ["12", "12", "4", "8"]
    line.refresh_from_db()
    assert (line.maximum, line.portal) == (12, 12)
    mutation = LicenseMutation.objects.get()
    assert (mutation.old_maximum, mutation.old_portal, mutation.new_quantity) == (10, 8, 12)
    assert mutation.acknowledged_deviation
