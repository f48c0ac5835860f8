import pytest

pytestmark = pytest.mark.django_db


def test_a_refused_change_shows_the_portal_403_page(client, beheerder, medewerker):
    client.force_login(medewerker.user)

    response = client.post(f"/contactpersonen/{beheerder.memberships.get().pk}/rol/", {"role": "geen"})

    assert response.status_code == 403
    assert "Geen toestemming" in response.content.decode()
    assert 'class="site-header"' in response.content.decode()


def test_another_customers_object_shows_the_portal_404_page(client, other_beheerder, medewerker):
    client.force_login(other_beheerder.user)

    response = client.post(f"/contactpersonen/{medewerker.memberships.get().pk}/verwijderen/")

    assert response.status_code == 404
    assert "Niet gevonden" in response.content.decode()
    assert "Bakkerij" not in response.content.decode()
