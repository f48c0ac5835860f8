"""Creating API keys and environment tokens and changing roles ask for the password again unless the
login or the last re-authentication is at most ACCOUNT_REAUTHENTICATION_TIMEOUT old (frozen time);
the change asked for is carried out after it."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from api.models import ApiKey, EnvironmentToken
from tests.factories import PASSWORD, EnvironmentFactory

pytestmark = pytest.mark.django_db

KEY = {"name": "Power BI", "scopes": ["licentiedata:read"]}
REAUTHENTICATE = "/account/reauthenticate/"


@pytest.fixture
def frozen():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


@pytest.fixture
def stale(client, beheerder, frozen, settings):
    """A Beheerder whose login is older than the re-authentication timeout."""
    client.force_login(beheerder.user)
    frozen.shift(timedelta(seconds=settings.ACCOUNT_REAUTHENTICATION_TIMEOUT + 1))
    return client


def test_right_after_login_a_key_is_made_at_once(client, beheerder, frozen, settings):
    client.force_login(beheerder.user)
    frozen.shift(timedelta(seconds=settings.ACCOUNT_REAUTHENTICATION_TIMEOUT - 1))

    response = client.post("/api-sleutels/nieuw/", KEY)

    assert response.status_code == 200
    assert ApiKey.objects.filter(name="Power BI").exists()


def test_later_the_password_is_asked_first_and_nothing_is_made(stale):
    response = stale.post("/api-sleutels/nieuw/", KEY)

    assert response.status_code == 302
    assert response.url == f"{REAUTHENTICATE}?next=%2Fapi-sleutels%2Fnieuw%2F"
    assert not ApiKey.objects.exists()


def test_after_the_password_the_key_asked_for_is_made(stale):
    stale.post("/api-sleutels/nieuw/", KEY)

    response = stale.post(f"{REAUTHENTICATE}?next=/api-sleutels/nieuw/", {"password": PASSWORD})

    assert response.status_code == 200
    assert "lp_key_" in response.content.decode()  # the secret, shown once
    assert ApiKey.objects.get().name == "Power BI"
    # Re-authenticated just now: the next change needs no password.
    assert stale.post("/api-sleutels/nieuw/", {**KEY, "name": "Tweede"}).status_code == 200


def test_a_wrong_password_makes_nothing(stale):
    stale.post("/api-sleutels/nieuw/", KEY)

    response = stale.post(f"{REAUTHENTICATE}?next=/api-sleutels/nieuw/", {"password": "wrong"})

    assert response.status_code == 200
    assert not ApiKey.objects.exists()


def test_an_environment_token_asks_too(stale, customer_a):
    environment = EnvironmentFactory(customer=customer_a)

    response = stale.post(f"/api-sleutels/omgevingen/{environment.pk}/token/")

    assert response.url.startswith(REAUTHENTICATE)
    assert not EnvironmentToken.objects.exists()


def test_a_role_change_asks_too(stale, medewerker):
    membership = medewerker.memberships.get()

    response = stale.post(f"/contactpersonen/{membership.pk}/rol/", {"role": "beheerder"})

    assert response.url.startswith(REAUTHENTICATE)
    membership.refresh_from_db()
    assert membership.role == "medewerker"


def test_a_medewerker_gets_403_before_any_password(client, medewerker, frozen, settings):
    client.force_login(medewerker.user)
    frozen.shift(timedelta(seconds=settings.ACCOUNT_REAUTHENTICATION_TIMEOUT + 1))

    assert client.post("/api-sleutels/nieuw/", KEY).status_code == 403


def test_the_two_step_policy_asks_too(stale, customer_a):
    url = "/beveiliging/tweestapsverificatie-verplicht/"

    response = stale.post(url, {"required": "1", "confirm": "on"})

    assert response.url.startswith(REAUTHENTICATE)
    customer_a.refresh_from_db()
    assert not customer_a.mfa_required

    stale.post(f"{REAUTHENTICATE}?next={url}", {"password": PASSWORD})

    customer_a.refresh_from_db()
    assert customer_a.mfa_required
