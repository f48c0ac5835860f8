"""The back office logs in through the portal's login and its second step (allauth's secure_admin_login)."""

import pyotp
import pytest
from django.contrib.auth import SESSION_KEY

from tests.factories import PASSWORD, UserFactory, with_totp

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return UserFactory(email="support@leverancier.example", is_staff=True, is_superuser=True)


def test_the_back_office_sends_anonymous_visitors_to_the_portals_login(client):
    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[-1][0] == "/login/?next=%2Fadmin%2F"
    assert 'name="login"' in response.content.decode()


def test_its_own_login_form_is_gone(client, staff):
    response = client.post("/admin/login/", {"username": staff.username, "password": PASSWORD})

    assert response.status_code == 302
    assert response.url.startswith("/login/")
    assert SESSION_KEY not in client.session


def test_vendor_staff_log_in_with_their_address_and_reach_the_back_office(client, staff):
    response = client.post(
        "/login/", {"login": "support@leverancier.example", "password": PASSWORD, "next": "/admin/"}
    )

    assert response.status_code == 302
    assert response.url == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_vendor_staff_with_an_app_pass_the_second_step_first(client, staff):
    secret = with_totp(staff)
    client.post("/login/", {"login": "support@leverancier.example", "password": PASSWORD, "next": "/admin/"})
    assert SESSION_KEY not in client.session

    response = client.post("/account/2fa/authenticate/", {"code": pyotp.TOTP(secret).now()})

    assert response.url == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_contact_logged_in_gets_no_back_office(client, beheerder):
    client.force_login(beheerder.user)

    assert client.get("/admin/login/").status_code == 403
    assert client.get("/admin/").status_code == 302
