"""The portal shell in a real browser (Debian's chromium): log in, choose, switch language, invite."""

import pytest

from environments.vocabulary import EnvironmentType
from portal.models import Membership, Role
from tests.factories import PASSWORD, EnvironmentFactory, LicenseLineFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser):
    # An English-speaking browser: the portal must still answer in Dutch until English is chosen.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    yield page
    context.close()


def _log_in(page, live_server, email):
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")


@pytest.fixture
def environments(customer_a):
    for type_ in (EnvironmentType.PRODUCTION, EnvironmentType.PRODUCTION, EnvironmentType.TEST):
        EnvironmentFactory(customer=customer_a, type=type_)
    LicenseLineFactory(license=customer_a.license, item="profit_users", scope="O", maximum=10, in_use=12)


def test_a_beheerder_logs_in_sees_the_dashboard_and_switches_to_english(
    page, live_server, beheerder, environments
):
    page.goto(f"{live_server.url}/login/")
    assert page.locator("h1").inner_text() == "Inloggen"  # Dutch, although the browser prefers English

    _log_in(page, live_server, "beheerder@example.nl")

    assert page.url == f"{live_server.url}/"
    assert page.locator(".tile__title").all_inner_texts() == ["Productie", "Test", "Acceptatie", "Demo"]
    assert "Overschreden" in page.content()

    page.select_option("#language-select", "en")
    page.click("text=Taal kiezen")

    assert page.locator("h1").inner_text() == "Overview"
    assert page.locator(".tile__title").first.inner_text() == "Production"


def test_a_contact_of_two_customers_chooses_one(page, live_server, beheerder, customer_b):
    MembershipFactory(contact=beheerder, customer=customer_b, role=Role.MEDEWERKER)

    _log_in(page, live_server, "beheerder@example.nl")

    assert page.url.startswith(f"{live_server.url}/organisatie/")
    page.click("text=Van Dijk Installatietechniek")
    assert page.url == f"{live_server.url}/"
    assert page.locator(".customer__number").inner_text() == "67890"


def test_a_beheerder_invites_a_contact_and_a_medewerker_only_reads(page, live_server, beheerder, medewerker):
    _log_in(page, live_server, "beheerder@example.nl")
    page.click("nav >> text=Contactpersonen")

    page.fill("#id_name", "Anna de Vries")
    page.fill("#id_email", "anna@example.nl")
    page.get_by_role("button", name="Uitnodigen", exact=True).click()

    assert "anna@example.nl is uitgenodigd" in page.locator(".messages").inner_text()
    assert Membership.objects.filter(contact__user__username="anna@example.nl", role=Role.MEDEWERKER).exists()

    page.click("text=Uitloggen")
    _log_in(page, live_server, "medewerker@example.nl")
    page.goto(f"{live_server.url}/contactpersonen/")

    assert "anna@example.nl" in page.content()
    assert page.locator("text=Rol wijzigen").count() == 0
    assert page.locator("text=Contactpersoon uitnodigen").count() == 0
