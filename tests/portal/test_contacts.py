import pytest

from portal.models import Role
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_it_sends_anonymous_visitors_to_login(client):
    response = client.get("/contactpersonen/")

    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_a_beheerder_sees_every_contact_with_its_role_and_the_actions(client, beheerder, medewerker):
    client.force_login(beheerder.user)

    response = client.get("/contactpersonen/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "beheerder@example.nl" in page and "medewerker@example.nl" in page
    assert {m.contact for m in response.context["memberships"]} == {beheerder, medewerker}
    assert "Contactpersoon uitnodigen" in page
    assert "Rol wijzigen" in page
    assert 'action="/contactpersonen/uitnodigen/"' in page


def test_a_medewerker_sees_the_list_read_only(client, beheerder, medewerker):
    client.force_login(medewerker.user)

    response = client.get("/contactpersonen/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "beheerder@example.nl" in page
    assert "Contactpersoon uitnodigen" not in page
    assert "Rol wijzigen" not in page
    assert "/verwijderen/" not in page


def test_it_never_lists_contacts_of_another_customer(client, beheerder, other_beheerder):
    client.force_login(other_beheerder.user)

    page = client.get("/contactpersonen/").content.decode()

    assert "beheerder67890@example.nl" in page
    assert "beheerder@example.nl" not in page


def test_it_refuses_post(client, beheerder):
    client.force_login(beheerder.user)

    assert client.post("/contactpersonen/").status_code == 405


def test_its_query_count_does_not_grow_with_the_contacts(
    client, beheerder, customer_a, django_assert_num_queries
):
    client.force_login(beheerder.user)
    client.get("/contactpersonen/")  # warm up the session
    with django_assert_num_queries(6):
        client.get("/contactpersonen/")
    MembershipFactory.create_batch(15, customer=customer_a, role=Role.MEDEWERKER)

    with django_assert_num_queries(6):
        response = client.get("/contactpersonen/")

    assert len(response.context["memberships"]) == 16


def test_the_only_beheerder_gets_no_remove_button_nor_demotion_on_its_own_row(client, beheerder, medewerker):
    client.force_login(beheerder.user)

    response = client.get("/contactpersonen/")

    page = response.content.decode()
    own, other = beheerder.memberships.get(), medewerker.memberships.get()
    assert response.context["last_beheerder_id"] == own.pk
    assert f"/contactpersonen/{own.pk}/verwijderen/" not in page
    assert f'id="role-{own.pk}"' not in page
    assert "Enige Beheerder" in page
    assert f"/contactpersonen/{other.pk}/verwijderen/" in page
    assert f'id="role-{other.pk}"' in page


def test_with_two_beheerders_each_can_be_removed_or_demoted(client, beheerder, medewerker, customer_a):
    second = MembershipFactory(customer=customer_a, role=Role.BEHEERDER)
    client.force_login(beheerder.user)

    response = client.get("/contactpersonen/")

    page = response.content.decode()
    assert response.context["last_beheerder_id"] is None
    for membership in (beheerder.memberships.get(), second):
        assert f"/contactpersonen/{membership.pk}/verwijderen/" in page
        assert f'id="role-{membership.pk}"' in page
    assert "Enige Beheerder" not in page
