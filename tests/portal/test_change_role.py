import pytest
from django.test import Client

from portal.models import Membership, Role
from portal.services import LAST_BEHEERDER
from portal.views import INVALID_ROLE
from tests.confirming import post_confirmed
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _url(membership: Membership) -> str:
    return f"/contactpersonen/{membership.pk}/rol/"


def _role(contact) -> str:
    return contact.memberships.get().role


def test_it_sends_anonymous_visitors_to_login(client, medewerker):
    response = client.post(_url(medewerker.memberships.get()), {"role": "beheerder"})

    assert response.status_code == 302
    assert response.url.startswith("/login/")
    assert _role(medewerker) == Role.MEDEWERKER


def test_a_beheerder_appoints_another_beheerder(client, beheerder, medewerker):
    client.force_login(beheerder.user)

    membership = medewerker.memberships.get()
    response = post_confirmed(client, _url(membership), {"role": "beheerder"}, follow=True)

    assert response.redirect_chain == [(f"/contactpersonen/#contact-{membership.pk}", 302)]
    assert _role(medewerker) == Role.BEHEERDER
    assert "heeft nu de rol Beheerder" in response.content.decode()


@pytest.mark.parametrize(
    ("value", "role"), [("incidentenbeheer", Role.INCIDENTENBEHEER), ("geen", Role.NONE)]
)
def test_a_beheerder_gives_any_role(client, beheerder, medewerker, value, role):
    client.force_login(beheerder.user)

    client.post(_url(medewerker.memberships.get()), {"role": value})

    assert _role(medewerker) == role


def test_a_beheerder_steps_down_when_another_beheerder_remains(client, beheerder, medewerker):
    medewerker.memberships.update(role=Role.BEHEERDER)
    client.force_login(beheerder.user)

    client.post(_url(beheerder.memberships.get()), {"role": "medewerker"})

    assert _role(beheerder) == Role.MEDEWERKER
    assert client.post(_url(medewerker.memberships.get()), {"role": "medewerker"}).status_code == 403


def test_the_last_beheerder_cannot_be_demoted(client, beheerder, medewerker):
    client.force_login(beheerder.user)

    response = client.post(_url(beheerder.memberships.get()), {"role": "medewerker"}, follow=True)

    assert _role(beheerder) == Role.BEHEERDER
    assert str(LAST_BEHEERDER) in response.content.decode()


@pytest.mark.parametrize("data", [{"role": "koning"}, {"role": ""}, {}])
def test_it_refuses_an_invalid_role(client, beheerder, medewerker, data):
    client.force_login(beheerder.user)

    response = client.post(_url(medewerker.memberships.get()), data, follow=True)

    assert str(INVALID_ROLE) in response.content.decode()
    assert _role(medewerker) == Role.MEDEWERKER


def test_a_medewerker_gets_403(client, beheerder, medewerker):
    client.force_login(medewerker.user)

    response = client.post(_url(medewerker.memberships.get()), {"role": "beheerder"})

    assert response.status_code == 403
    assert _role(medewerker) == Role.MEDEWERKER
    assert client.post(_url(beheerder.memberships.get()), {"role": "geen"}).status_code == 403
    assert _role(beheerder) == Role.BEHEERDER


def test_a_beheerder_of_another_customer_gets_404(client, other_beheerder, medewerker):
    client.force_login(other_beheerder.user)

    response = client.post(_url(medewerker.memberships.get()), {"role": "beheerder"})

    assert response.status_code == 404
    assert _role(medewerker) == Role.MEDEWERKER


def test_it_gives_404_for_a_membership_that_does_not_exist(client, beheerder):
    client.force_login(beheerder.user)

    assert client.post("/contactpersonen/999999/rol/", {"role": "beheerder"}).status_code == 404


def test_it_changes_only_the_role_for_the_current_customer(client, beheerder, customer_b):
    """The Beheerder of A is Medewerker of B too; acting for A it cannot touch its own role at B."""
    at_b = MembershipFactory(contact=beheerder, customer=customer_b, role=Role.MEDEWERKER)
    client.force_login(beheerder.user)
    client.post(
        "/organisatie/", {"customer": beheerder.memberships.get(customer__number="12345").customer_id}
    )

    response = client.post(_url(at_b), {"role": "beheerder"})

    assert response.status_code == 404
    at_b.refresh_from_db()
    assert at_b.role == Role.MEDEWERKER


def test_it_refuses_get(client, beheerder, medewerker):
    client.force_login(beheerder.user)

    assert client.get(_url(medewerker.memberships.get())).status_code == 405


def test_it_refuses_a_post_without_csrf_token(beheerder, medewerker):
    client = Client(enforce_csrf_checks=True)
    client.force_login(beheerder.user)

    response = client.post(_url(medewerker.memberships.get()), {"role": "beheerder"})

    assert response.status_code == 403
    assert _role(medewerker) == Role.MEDEWERKER
