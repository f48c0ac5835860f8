"""Issue 3 in a real browser: a Medewerker reads the license but is offered no change."""

import pytest

from licensing.models import LicenseLine

from .conftest import MEDEWERKER, open_menu

pytestmark = pytest.mark.browser


def test_a_medewerker_sees_the_numbers_but_no_change_action(page, live_server, demo_data, log_in):
    line = LicenseLine.objects.get(license__customer__number="12345", item="profit_users", scope="O")
    log_in(page, MEDEWERKER)

    open_menu(page, "Licentiedata")

    assert page.locator("h1").inner_text() == "Licentiedata"
    assert page.locator(f"#line-{line.id} td.num:not(.price)").all_inner_texts() == ["16", "16", "13", "3"]
    assert page.locator("a[href*='/wijzigen/']").count() == 0
    assert page.locator("form[action$='/licentiedata/tellen/']").count() == 0
    assert page.locator("text=Nu tellen").count() == 0

    response = page.goto(f"{live_server.url}/licentiedata/regel/{line.id}/wijzigen/")

    assert response.status == 403
    assert page.locator("input[name=quantity]").count() == 0
