"""Beveiliging: every contact's own two-step verification, password, and a Beheerder's policy."""

import pytest

from portal import services
from tests.factories import with_totp

pytestmark = pytest.mark.django_db

URL = "/beveiliging/"


def test_anonymous_visitors_are_sent_to_the_login(client):
    assert client.get(URL).url == f"/login/?next={URL}"


@pytest.mark.parametrize("persona", ["beheerder", "medewerker", "other_beheerder"])
def test_every_contact_finds_it_in_the_menu(client, request, persona):
    client.force_login(request.getfixturevalue(persona).user)

    page = client.get("/").content.decode()

    assert f'<a href="{URL}"' in page
    assert ">Beveiliging</a>" in page


def test_without_mfa_it_offers_to_set_up_an_app_or_a_key(client, medewerker):
    client.force_login(medewerker.user)

    page = client.get(URL).content.decode()

    assert "/account/2fa/totp/activate/" in page
    assert "/account/2fa/webauthn/add/" in page
    assert "/account/2fa/totp/deactivate/" not in page
    assert "/account/2fa/recovery-codes/" not in page
    assert "/account/password/change/" in page


def test_with_an_app_it_offers_to_remove_it_and_shows_the_recovery_codes(client, medewerker):
    with_totp(medewerker.user)
    client.force_login(medewerker.user)

    page = client.get(URL).content.decode()

    assert "/account/2fa/totp/deactivate/" in page
    assert "/account/2fa/totp/activate/" not in page
    assert "10 van de 10 codes ongebruikt" in page
    assert "/account/2fa/recovery-codes/generate/" in page


def test_only_a_beheerder_sees_the_policy(client, beheerder, medewerker):
    client.force_login(medewerker.user)
    assert "/beveiliging/tweestapsverificatie-verplicht/" not in client.get(URL).content.decode()

    client.force_login(beheerder.user)
    page = client.get(URL).content.decode()

    assert "/beveiliging/tweestapsverificatie-verplicht/" in page
    assert "Niet verplicht" in page


def test_the_beheerder_sees_the_policy_switched_on(client, beheerder, customer_a):
    services.set_mfa_required(customer=customer_a, required=True, by=beheerder)
    with_totp(beheerder.user)
    client.force_login(beheerder.user)

    page = client.get(URL).content.decode()

    assert "Elke contactpersoon van deze klant gebruikt tweestapsverificatie." in page


def test_it_is_in_english_too(client, medewerker):
    client.force_login(medewerker.user)
    client.post("/i18n/setlang/", {"language": "en", "next": URL})

    page = client.get(URL).content.decode()

    assert "Security" in page
    assert "Authenticator app" in page


def test_it_refuses_a_post(client, medewerker):
    client.force_login(medewerker.user)

    assert client.post(URL).status_code == 405
