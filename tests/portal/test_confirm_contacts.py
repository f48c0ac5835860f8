"""Making someone Beheerder and removing a contact are confirmed first, in numbers."""

import pytest

from portal.confirm import STALE
from portal.models import Membership, Role
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _role_url(membership: Membership) -> str:
    return f"/contactpersonen/{membership.pk}/rol/"


def _remove_url(membership: Membership) -> str:
    return f"/contactpersonen/{membership.pk}/verwijderen/"


def test_making_someone_beheerder_asks_first_and_changes_nothing_yet(client, beheerder, medewerker):
    client.force_login(beheerder.user)
    membership = medewerker.memberships.get()

    response = client.post(_role_url(membership), {"role": "beheerder"})

    assert response.status_code == 200
    consequences = response.context["consequences"]
    assert consequences[0] == (
        f"{medewerker.name} (medewerker@example.nl) wordt Beheerder van {membership.customer}."
    )
    assert consequences[-1] == "Beheerders: van 1 naar 2."
    assert '<input type="hidden" name="role" value="beheerder">' in response.content.decode()
    assert medewerker.memberships.get().role == Role.MEDEWERKER


def test_the_confirmed_appointment_lands_on_the_changed_row(client, beheerder, medewerker):
    client.force_login(beheerder.user)
    membership = medewerker.memberships.get()
    state = client.post(_role_url(membership), {"role": "beheerder"}).context["state"]

    response = client.post(_role_url(membership), {"role": "beheerder", "confirm": "1", "state": state})

    assert response.status_code == 302
    assert response.url == f"/contactpersonen/#contact-{membership.pk}"
    assert medewerker.memberships.get().role == Role.BEHEERDER
    assert f'id="contact-{membership.pk}"' in client.get("/contactpersonen/").content.decode()


def test_an_appointment_confirmed_before_another_one_is_asked_again(
    client, beheerder, medewerker, customer_a
):
    client.force_login(beheerder.user)
    membership = medewerker.memberships.get()
    state = client.post(_role_url(membership), {"role": "beheerder"}).context["state"]
    MembershipFactory(customer=customer_a, role=Role.BEHEERDER)  # a second Beheerder meanwhile

    response = client.post(_role_url(membership), {"role": "beheerder", "confirm": "1", "state": state})

    assert response.status_code == 409
    assert response.context["stale"] == STALE
    assert response.context["consequences"][-1] == "Beheerders: van 2 naar 3."
    assert medewerker.memberships.get().role == Role.MEDEWERKER


def test_other_role_changes_need_no_confirmation(client, beheerder, medewerker, customer_a):
    other = MembershipFactory(customer=customer_a, role=Role.BEHEERDER)
    client.force_login(beheerder.user)

    assert client.post(_role_url(medewerker.memberships.get()), {"role": "geen"}).status_code == 302
    assert client.post(_role_url(other), {"role": "medewerker"}).status_code == 302
    assert client.post(_role_url(beheerder.memberships.get()), {"role": "beheerder"}).status_code == 302


def test_removing_a_contact_asks_first_with_the_numbers(client, beheerder, medewerker, customer_a):
    other = MembershipFactory(customer=customer_a, role=Role.BEHEERDER)
    client.force_login(beheerder.user)

    response = client.post(_remove_url(other))

    assert response.status_code == 200
    assert response.context["consequences"][1:] == [
        "Contactpersonen: van 3 naar 2.",
        "Beheerders: van 2 naar 1.",
    ]
    assert Membership.objects.filter(pk=other.pk).exists()


def test_removing_oneself_says_so(client, beheerder, customer_a):
    MembershipFactory(customer=customer_a, role=Role.BEHEERDER)
    client.force_login(beheerder.user)

    response = client.post(_remove_url(beheerder.memberships.get()))

    assert response.context["consequences"][-1] == (
        "U verwijdert uzelf: daarna kunt u niet meer voor deze klant werken."
    )


def test_a_removal_confirmed_for_other_numbers_is_asked_again(client, beheerder, medewerker, customer_a):
    client.force_login(beheerder.user)
    membership = medewerker.memberships.get()
    state = client.post(_remove_url(membership)).context["state"]
    MembershipFactory(customer=customer_a)  # a contact more meanwhile

    response = client.post(_remove_url(membership), {"confirm": "1", "state": state})

    assert response.status_code == 409
    assert response.context["consequences"][1] == "Contactpersonen: van 3 naar 2."
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_a_medewerker_cannot_confirm_either(client, medewerker, beheerder):
    client.force_login(medewerker.user)
    membership = beheerder.memberships.get()
    assert client.post(_remove_url(membership), {"confirm": "1", "state": "beheerder:2:1"}).status_code == 403
    assert client.post(_role_url(membership), {"role": "beheerder", "confirm": "1"}).status_code == 403
    assert Membership.objects.filter(pk=membership.pk).exists()
