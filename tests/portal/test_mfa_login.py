"""Logging in with two-step verification: password first, then a code from the app or a recovery code."""

import pyotp
import pytest
from django.contrib.auth import SESSION_KEY

from tests.factories import PASSWORD, recovery_codes_of, with_totp

pytestmark = pytest.mark.django_db

SECOND_STEP = "/account/2fa/authenticate/"


def _password(client, email="beheerder@example.nl", **extra):
    return client.post("/login/", {"login": email, "password": PASSWORD, **extra})


def test_a_contact_without_mfa_logs_in_with_the_password_alone(client, beheerder):
    response = _password(client)

    assert response.status_code == 302
    assert response.url == "/"
    assert int(client.session[SESSION_KEY]) == beheerder.user.pk


def test_a_contact_with_an_app_is_asked_for_its_code_before_being_logged_in(client, beheerder):
    with_totp(beheerder.user)

    response = _password(client)

    assert response.status_code == 302
    assert response.url == SECOND_STEP
    assert SESSION_KEY not in client.session
    page = client.get(SECOND_STEP).content.decode()
    assert "Tweestapsverificatie" in page
    assert 'name="code"' in page
    assert client.get("/").status_code == 302


def test_the_code_from_the_app_completes_the_login(client, beheerder):
    secret = with_totp(beheerder.user)
    _password(client)

    response = client.post(SECOND_STEP, {"code": pyotp.TOTP(secret).now()})

    assert response.status_code == 302
    assert response.url == "/"
    assert int(client.session[SESSION_KEY]) == beheerder.user.pk


def test_the_login_returns_to_the_page_asked_for_after_the_second_step(client, beheerder):
    secret = with_totp(beheerder.user)
    _password(client, next="/contactpersonen/")

    response = client.post(SECOND_STEP, {"code": pyotp.TOTP(secret).now()})

    assert response.url == "/contactpersonen/"


def test_a_wrong_code_is_refused(client, beheerder):
    secret = with_totp(beheerder.user)
    _password(client)
    wrong = f"{(int(pyotp.TOTP(secret).now()) + 1) % 1_000_000:06d}"

    response = client.post(SECOND_STEP, {"code": wrong})

    assert response.status_code == 200
    assert SESSION_KEY not in client.session


def test_a_recovery_code_works_once(client, beheerder):
    with_totp(beheerder.user)
    code = recovery_codes_of(beheerder.user)[0]
    _password(client)

    response = client.post(SECOND_STEP, {"code": code})

    assert response.status_code == 302
    assert int(client.session[SESSION_KEY]) == beheerder.user.pk
    assert code not in recovery_codes_of(beheerder.user)
    client.post("/logout/")
    _password(client)
    again = client.post(SECOND_STEP, {"code": code})
    assert again.status_code == 200
    assert SESSION_KEY not in client.session


def test_the_second_step_page_without_a_password_first_goes_to_the_login(client, beheerder):
    with_totp(beheerder.user)

    response = client.get(SECOND_STEP)

    assert response.status_code == 302
    assert response.url.startswith("/login/")
