"""Under a policy of two-step verification an account without it sets it up before any other page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal import services
from tests.factories import MembershipFactory, UserFactory, with_totp

pytestmark = pytest.mark.django_db

SECURITY = "/beveiliging/"


@pytest.fixture
def policy(customer_a, beheerder):
    services.set_mfa_required(customer=customer_a, required=True, by=beheerder)


@pytest.mark.parametrize(
    "page",
    [
        "/",
        "/licentiedata/",
        "/contactpersonen/",
        "/organisatie/",
        SECURITY + "tweestapsverificatie-verplicht/",
    ],
)
def test_a_contact_without_mfa_is_sent_to_set_it_up(client, medewerker, policy, page):
    client.force_login(medewerker.user)

    response = client.get(page)

    assert response.status_code == 302
    assert response.url == SECURITY


def test_the_security_page_says_why(client, medewerker, policy):
    client.force_login(medewerker.user)

    response = client.get(SECURITY)

    assert response.status_code == 200
    assert "Tweestapsverificatie is verplicht voor uw account" in response.content.decode()


@pytest.mark.parametrize(
    "page",
    [
        "/account/2fa/totp/activate/",
        "/account/2fa/webauthn/add/",
        "/account/2fa/",
        "/account/reauthenticate/",
    ],
)
def test_the_way_to_set_it_up_stays_open(client, medewerker, policy, page):
    client.force_login(medewerker.user)

    response = client.get(page)

    assert response.status_code < 400
    assert response.get("Location") != SECURITY


def test_it_can_still_log_out(client, medewerker, policy):
    client.force_login(medewerker.user)

    response = client.post("/logout/")

    assert response.status_code == 302
    assert response.url == "/login/"


def test_the_api_is_not_sent_to_a_page(client, medewerker, policy):
    client.force_login(medewerker.user)

    response = client.get("/api/v1/ping")

    assert response.status_code == 401


def test_a_contact_with_an_app_goes_on(client, medewerker, policy):
    with_totp(medewerker.user)
    client.force_login(medewerker.user)

    assert client.get("/").status_code == 200


def test_a_contact_of_another_customer_is_not_affected(client, other_beheerder, policy):
    client.force_login(other_beheerder.user)

    assert client.get("/").status_code == 200


def test_a_contact_of_two_customers_follows_the_stricter_one(client, medewerker, customer_b, policy):
    MembershipFactory(contact=medewerker, customer=customer_b)
    client.force_login(medewerker.user)

    assert client.get("/organisatie/").url == SECURITY


def test_mfa_required_sends_vendor_staff_to_allauths_page(client, settings):
    settings.MFA_REQUIRED = True
    client.force_login(UserFactory(email="support@leverancier.example", is_staff=True))

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response.url == "/account/2fa/"


def test_without_a_policy_nobody_is_sent_anywhere(client, medewerker):
    client.force_login(medewerker.user)

    assert client.get("/").status_code == 200


def test_a_policy_switched_on_reaches_a_logged_in_contact_at_its_next_page(
    client, beheerder, medewerker, customer_a
):
    client.force_login(medewerker.user)
    assert client.get("/").status_code == 200

    services.set_mfa_required(customer=customer_a, required=True, by=beheerder)

    assert client.get("/").url == SECURITY


def test_the_check_costs_a_page_no_query(client, beheerder, medewerker, customer_a):
    # The user is loaded with its policy and its second step in one query (portal.backends).
    client.force_login(medewerker.user)
    with CaptureQueriesContext(connection) as free:
        assert client.get("/").status_code == 200
    services.set_mfa_required(customer=customer_a, required=True, by=beheerder)
    with_totp(medewerker.user)

    with CaptureQueriesContext(connection) as checked:
        assert client.get("/").status_code == 200

    assert len(checked.captured_queries) == len(free.captured_queries)
