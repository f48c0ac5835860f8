import pytest
from django.test import Client

from portal.models import Role
from portal.selectors import SESSION_CUSTOMER_KEY
from tests.factories import CustomerFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_customers(beheerder, customer_b):
    """The Beheerder of A is also a Medewerker of B."""
    MembershipFactory(contact=beheerder, customer=customer_b, role=Role.MEDEWERKER)
    return beheerder


def test_it_sends_anonymous_visitors_to_login(client):
    response = client.get("/organisatie/")

    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_it_lists_the_customers_of_the_contact(client, two_customers, customer_a, customer_b):
    CustomerFactory(number="55555", name="Vreemde Klant BV")
    client.force_login(two_customers.user)

    response = client.get("/organisatie/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Bakkerij De Korenschoof BV" in page
    assert "Van Dijk Installatietechniek" in page
    assert "Vreemde Klant BV" not in page
    assert [m.customer.number for m in response.context["memberships"]] == ["12345", "67890"]


def test_it_keeps_the_chosen_customer_in_the_session(client, two_customers, customer_b):
    client.force_login(two_customers.user)

    response = client.post("/organisatie/", {"customer": customer_b.pk})

    assert response.status_code == 302
    assert response.url == "/"
    assert client.session[SESSION_CUSTOMER_KEY] == customer_b.pk
    page = client.get("/").content.decode()
    assert "Van Dijk Installatietechniek" in page
    assert "Wisselen" in page


def test_it_returns_to_the_page_asked_for(client, two_customers, customer_a):
    client.force_login(two_customers.user)

    response = client.post("/organisatie/", {"customer": customer_a.pk, "next": "/contactpersonen/"})

    assert response.url == "/contactpersonen/"


def test_it_never_redirects_to_another_site(client, two_customers, customer_a):
    client.force_login(two_customers.user)

    response = client.post("/organisatie/", {"customer": customer_a.pk, "next": "https://evil.example/"})

    assert response.url == "/"


def test_it_gives_404_for_a_customer_the_contact_is_no_member_of(client, beheerder, customer_b):
    client.force_login(beheerder.user)

    response = client.post("/organisatie/", {"customer": customer_b.pk})

    assert response.status_code == 404
    assert SESSION_CUSTOMER_KEY not in client.session


@pytest.mark.parametrize("value", ["", "abc", "99999999999999999999", "-1"])
def test_it_gives_404_for_nonsense(client, beheerder, value):
    client.force_login(beheerder.user)

    response = client.post("/organisatie/", {"customer": value})

    assert response.status_code == 404
    assert SESSION_CUSTOMER_KEY not in client.session


def test_a_medewerker_may_choose_too(client, medewerker, customer_a):
    client.force_login(medewerker.user)

    response = client.post("/organisatie/", {"customer": customer_a.pk})

    assert response.status_code == 302
    assert client.session[SESSION_CUSTOMER_KEY] == customer_a.pk


def test_it_refuses_other_methods(client, beheerder):
    client.force_login(beheerder.user)

    assert client.put("/organisatie/").status_code == 405
    assert client.delete("/organisatie/").status_code == 405


def test_it_refuses_a_choice_without_csrf_token(two_customers, customer_b):
    client = Client(enforce_csrf_checks=True)
    client.force_login(two_customers.user)

    response = client.post("/organisatie/", {"customer": customer_b.pk})

    assert response.status_code == 403
    assert SESSION_CUSTOMER_KEY not in client.session


def test_it_forgets_a_choice_the_contact_lost_access_to(client, two_customers, customer_a, customer_b):
    client.force_login(two_customers.user)
    client.post("/organisatie/", {"customer": customer_b.pk})
    two_customers.memberships.filter(customer=customer_b).delete()

    response = client.get("/")

    assert response.status_code == 200
    assert response.context["dashboard"].customer == customer_a
    assert SESSION_CUSTOMER_KEY not in client.session
