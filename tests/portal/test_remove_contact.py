import pytest
from django.test import Client

from portal.models import Membership, Role
from portal.services import LAST_BEHEERDER
from tests.confirming import post_confirmed
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _url(membership: Membership) -> str:
    return f"/contactpersonen/{membership.pk}/verwijderen/"


def test_it_sends_anonymous_visitors_to_login(client, medewerker):
    response = client.post(_url(medewerker.memberships.get()))

    assert response.status_code == 302
    assert response.url.startswith("/login/")
    assert medewerker.memberships.exists()


def test_a_beheerder_removes_a_contact(client, beheerder, medewerker):
    client.force_login(beheerder.user)

    response = post_confirmed(client, _url(medewerker.memberships.get()), {}, follow=True)

    assert response.redirect_chain == [("/contactpersonen/", 302)]
    assert not medewerker.memberships.exists()
    assert "is geen contactpersoon van" in response.content.decode()
    # The account stays as the vendor set it (see test_invite_existing_account).
    medewerker.user.refresh_from_db()
    assert medewerker.user.is_active


def test_a_contact_of_another_customer_keeps_its_login(client, beheerder, medewerker, customer_b):
    MembershipFactory(contact=medewerker, customer=customer_b)
    client.force_login(beheerder.user)

    post_confirmed(client, _url(medewerker.memberships.get(customer__number="12345")), {})

    assert [m.customer for m in medewerker.memberships.all()] == [customer_b]
    medewerker.user.refresh_from_db()
    assert medewerker.user.is_active


def test_the_last_beheerder_cannot_be_removed(client, beheerder, medewerker):
    client.force_login(beheerder.user)

    response = client.post(_url(beheerder.memberships.get()), follow=True)

    assert beheerder.memberships.get().role == Role.BEHEERDER
    assert str(LAST_BEHEERDER) in response.content.decode()


def test_a_beheerder_may_leave_when_another_beheerder_remains(client, beheerder, medewerker):
    medewerker.memberships.update(role=Role.BEHEERDER)
    client.force_login(beheerder.user)

    response = post_confirmed(client, _url(beheerder.memberships.get()), {})

    assert response.status_code == 302
    assert response.url == "/"
    assert not beheerder.memberships.exists()
    assert client.get("/").status_code == 302  # logged out: it has no customer left
    beheerder.user.refresh_from_db()
    assert beheerder.user.is_active


def test_a_medewerker_gets_403(client, beheerder, medewerker):
    client.force_login(medewerker.user)

    assert client.post(_url(beheerder.memberships.get())).status_code == 403
    assert client.post(_url(medewerker.memberships.get())).status_code == 403
    assert Membership.objects.count() == 2


def test_a_beheerder_of_another_customer_gets_404(client, other_beheerder, medewerker):
    client.force_login(other_beheerder.user)

    response = client.post(_url(medewerker.memberships.get()))

    assert response.status_code == 404
    assert medewerker.memberships.exists()


def test_it_refuses_get(client, beheerder, medewerker):
    client.force_login(beheerder.user)

    assert client.get(_url(medewerker.memberships.get())).status_code == 405
    assert medewerker.memberships.exists()


def test_it_refuses_a_post_without_csrf_token(beheerder, medewerker):
    client = Client(enforce_csrf_checks=True)
    client.force_login(beheerder.user)

    response = client.post(_url(medewerker.memberships.get()))

    assert response.status_code == 403
    assert medewerker.memberships.exists()


def test_a_beheerder_leaving_one_of_two_customers_stays_logged_in(client, beheerder, medewerker, customer_b):
    medewerker.memberships.update(role=Role.BEHEERDER)
    MembershipFactory(contact=beheerder, customer=customer_b)
    client.force_login(beheerder.user)
    client.post(
        "/organisatie/", {"customer": beheerder.memberships.get(customer__number="12345").customer_id}
    )

    response = post_confirmed(client, _url(beheerder.memberships.get(customer__number="12345")), {})

    assert response.status_code == 302
    assert response.url == "/"
    assert client.get("/").status_code == 200  # its other customer
    assert [m.customer for m in beheerder.memberships.all()] == [customer_b]
