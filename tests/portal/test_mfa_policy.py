"""A customer's Beheerder switches "tweestapsverificatie verplicht" on or off, after a confirmation."""

import pytest

from portal import services
from portal.selectors import mfa_required_for
from tests.factories import with_totp

pytestmark = pytest.mark.django_db

URL = "/beveiliging/tweestapsverificatie-verplicht/"


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response.url == f"/login/?next={URL}"


def test_a_medewerker_may_not_see_or_change_it(client, medewerker, customer_a):
    client.force_login(medewerker.user)

    assert client.get(URL).status_code == 403
    assert client.post(URL, {"required": "1", "confirm": "on"}).status_code == 403
    customer_a.refresh_from_db()
    assert not customer_a.mfa_required


def test_a_beheerder_sees_what_it_means_for_the_contacts(client, beheerder, medewerker):
    client.force_login(beheerder.user)

    response = client.get(URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Van de 2 contactpersonen hebben 2 dat nog niet gedaan." in page
    assert 'name="required" value="1"' in page
    assert 'name="confirm"' in page


def test_it_changes_nothing_without_the_confirmation(client, beheerder, customer_a):
    client.force_login(beheerder.user)

    response = client.post(URL, {"required": "1"})

    assert response.status_code == 400
    assert "Bevestig dat u de gevolgen" in response.content.decode()
    customer_a.refresh_from_db()
    assert not customer_a.mfa_required


def test_a_confirmed_switch_turns_it_on_for_the_own_customer_only(client, beheerder, customer_a, customer_b):
    client.force_login(beheerder.user)

    response = client.post(URL, {"required": "1", "confirm": "on"})

    assert response.status_code == 302
    assert response.url == "/beveiliging/"
    customer_a.refresh_from_db()
    customer_b.refresh_from_db()
    assert customer_a.mfa_required
    assert not customer_b.mfa_required


def test_a_beheerder_of_another_customer_switches_its_own(client, other_beheerder, customer_a, customer_b):
    client.force_login(other_beheerder.user)

    client.post(URL, {"required": "1", "confirm": "on"})

    customer_a.refresh_from_db()
    customer_b.refresh_from_db()
    assert customer_b.mfa_required
    assert not customer_a.mfa_required


def test_it_switches_off_again(client, beheerder, customer_a):
    services.set_mfa_required(customer=customer_a, required=True, by=beheerder)
    customer_a.refresh_from_db()

    with_totp(beheerder.user)
    client.force_login(beheerder.user)
    assert 'name="required" value="0"' in client.get(URL).content.decode()

    client.post(URL, {"required": "0", "confirm": "on"})

    customer_a.refresh_from_db()
    assert not customer_a.mfa_required


def test_it_refuses_other_methods(client, beheerder):
    client.force_login(beheerder.user)

    assert client.put(URL).status_code == 405


def test_the_service_reaches_the_contacts_at_once(
    beheerder, medewerker, customer_a, django_capture_on_commit_callbacks
):
    assert not mfa_required_for(medewerker.user)  # now cached as not required

    with django_capture_on_commit_callbacks(execute=True):
        services.set_mfa_required(customer=customer_a, required=True, by=beheerder)

    assert mfa_required_for(medewerker.user)
    assert mfa_required_for(beheerder.user)
    with django_capture_on_commit_callbacks(execute=True):
        services.set_mfa_required(customer=customer_a, required=False, by=beheerder)
    assert not mfa_required_for(medewerker.user)


def test_a_policy_of_an_inactive_customer_requires_nothing(medewerker, customer_a):
    customer_a.mfa_required = True
    customer_a.is_active = False
    customer_a.save()

    assert not mfa_required_for(medewerker.user)


def test_mfa_required_requires_it_of_every_account(settings, medewerker):
    settings.MFA_REQUIRED = True

    assert mfa_required_for(medewerker.user)
