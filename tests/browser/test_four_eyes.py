"""Issue 15's four-eyes principle in a real browser: one Beheerder asks, the other gets the e-mail, follows
its link and approves; the history names both."""

import re

import pytest
from django.core import mail

from licensing.approvals.models import FourEyesPolicy
from licensing.models import LicenseLine, LicenseMutation
from portal.models import Customer, Role
from tests.factories import PASSWORD, MembershipFactory

from .conftest import BEHEERDER, VIEWPORT, follow

pytestmark = pytest.mark.browser

TWEEDE = ("tweede@example.nl", PASSWORD)


def test_a_change_is_requested_mailed_and_approved_by_the_other_beheerder(
    browser, page, live_server, demo_data, log_in, screenshot
):
    customer = Customer.objects.get(number="12345")
    MembershipFactory(
        customer=customer, role=Role.BEHEERDER, contact__user__email=TWEEDE[0], contact__name="Tessa Tweede"
    )
    FourEyesPolicy.objects.create(customer=customer, enabled=True, lowering=True)
    line = LicenseLine.objects.get(license__customer=customer, item="profit_users", scope="O")
    assert (line.maximum, line.in_use) == (16, 13)
    mail.outbox.clear()

    # The first Beheerder lowers Profit users (Productie) to 14: it waits for approval.
    log_in(page, BEHEERDER)
    page.goto(f"{live_server.url}/licentiedata/regel/{line.id}/wijzigen/")
    page.fill("input[name=quantity]", "14")
    follow(page, page.locator("form:has(input[name=quantity]) button[type=submit]"))
    assert page.url == f"{live_server.url}/vier-ogen/wijzigingen/"
    assert "wacht op goedkeuring van een andere Beheerder" in page.locator(".messages").inner_text()
    mine = page.locator(".pending-change").first
    assert "van 16 naar 14" in mine.inner_text()
    assert "Dit is uw eigen wijziging" in mine.inner_text()
    assert mine.get_by_role("button", name="Goedkeuren").count() == 0
    line.refresh_from_db()
    assert line.maximum == 16 and not LicenseMutation.objects.exists()
    page.goto(f"{live_server.url}/licentiedata/")
    assert "Naar 14: wacht op goedkeuring" in page.locator(f"#line-{line.id}").inner_text()

    # The other Beheerder got the e-mail, with a link to the change.
    [message] = mail.outbox
    assert message.to == [TWEEDE[0]]
    assert "van 16 naar 14" in message.body
    path = re.search(r"https?://[^/\s]+(/vier-ogen/wijzigingen/#change-\d+)", message.body).group(1)

    other = browser.new_context(viewport=VIEWPORT, locale="nl-NL")
    other.set_default_timeout(10_000)
    second = other.new_page()
    log_in(second, TWEEDE)
    second.goto(live_server.url + path)
    screenshot(second, "four-eyes-pending")
    change = second.locator(".pending-change").first
    change.locator("textarea[name=reason]").fill("Akkoord, twee mensen uit dienst.")
    follow(second, change.get_by_role("button", name="Goedkeuren"))
    assert "Goedgekeurd en doorgevoerd." in second.locator(".messages").inner_text()
    line.refresh_from_db()
    assert (line.maximum, line.portal) == (14, 14)

    second.goto(f"{live_server.url}/licentiedata/mutaties/")
    assert (
        "Aangevraagd door beheerder@example.nl, goedgekeurd door tweede@example.nl"
        in second.locator("table.mutations").inner_text()
    )
    other.close()
