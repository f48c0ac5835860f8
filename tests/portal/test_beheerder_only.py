"""A Medewerker sees why a button is missing and who can do it: the Beheerders by name, on the pages
and on the 403 page; a Beheerder is not told."""

import pytest
from django.urls import reverse

from tests.factories import LicenseLineFactory

pytestmark = pytest.mark.django_db

PAGES = ["licensing:overview", "licensing:warnings", "licensing:requests"]


@pytest.mark.parametrize("name", PAGES)
def test_a_medewerker_is_told_that_only_the_named_beheerders_can_change(client, medewerker, beheerder, name):
    client.force_login(medewerker.user)

    html = client.get(reverse(name)).content.decode()

    assert f"Alleen een Beheerder kan wijzigen: {beheerder.name}." in html


@pytest.mark.parametrize("name", PAGES)
def test_a_beheerder_is_not_told(client, beheerder, name):
    client.force_login(beheerder.user)

    assert "Alleen een Beheerder kan wijzigen" not in client.get(reverse(name)).content.decode()


def test_the_403_page_names_the_beheerders(client, medewerker, beheerder, customer_a):
    line = LicenseLineFactory(license=customer_a.license, item="profit_users", scope="O", maximum=5)
    client.force_login(medewerker.user)

    response = client.get(reverse("licensing:line_change", args=[line.id]))

    assert response.status_code == 403
    assert f"De Beheerders van uw organisatie: {beheerder.name}." in response.content.decode()


def test_the_contacts_page_explains_every_role(client, medewerker):
    client.force_login(medewerker.user)
    client.cookies["django_language"] = "en"

    html = client.get(reverse("portal:contacts")).content.decode()

    assert "What may each role do?" in html
    assert "<dt>Staff member</dt>" in html and "<dt>Administrator</dt>" in html


def test_the_back_office_carries_the_portals_name(admin_client):
    html = admin_client.get(reverse("admin:index")).content.decode()

    assert "Licentieportaal — back office" in html and "Django" not in html.split("<body")[1][:2000]
