"""Blocking a user in every environment is confirmed first: where, and what it frees per line."""

import pytest
from django.urls import reverse

from environments.models import EnvironmentUser
from licensing.maintenance.models import UserBlockChange
from licensing.maintenance.services import SNAPSHOT_STAYS_TRUTH
from licensing.recount import recount_customer
from portal.confirm import STALE
from tests.factories import EnvironmentFactory, EnvironmentUserFactory, LicenseLineFactory, identity


@pytest.fixture
def environments(customer_a):
    return {
        "O1": EnvironmentFactory(customer=customer_a, type="O"),
        "O2": EnvironmentFactory(customer=customer_a, type="O"),
        "T1": EnvironmentFactory(customer=customer_a, type="T"),
    }


@pytest.fixture
def kok(environments, customer_a):
    for key in ("O1", "O2", "T1"):
        EnvironmentUserFactory(
            environment=environments[key], code="12345.kok", profit=True, insite=key != "T1"
        )
    EnvironmentUserFactory(environment=environments["O1"], code="12345.bos", profit=True)
    LicenseLineFactory(license=customer_a.license, item="profit_users", scope="O", maximum=16)
    LicenseLineFactory(license=customer_a.license, item="insite_users", scope="O", maximum=10)
    LicenseLineFactory(license=customer_a.license, item="profit_users", scope="T", maximum=5)
    recount_customer(customer=customer_a)
    return identity("12345.kok")


def block(client, user_identity, **data):
    return client.post(reverse("licensing:user_block", args=[user_identity.id]), {"environment": "", **data})


def blocked(user_identity) -> list[bool]:
    return list(EnvironmentUser.objects.filter(identity=user_identity).values_list("blocked", flat=True))


def test_it_asks_first_with_the_environments_and_the_seats_it_frees(client, beheerder, kok):
    client.force_login(beheerder.user)

    response = block(client, kok, next="/onderhoud-gebruikers/opschonen/")

    assert response.status_code == 200
    assert response.context["consequences"] == [
        "12345.kok wordt geblokkeerd in 3 omgevingen (de gebruiker staat in 3).",
        "Profit-gebruikers Productie: in gebruik van 2 naar 1 (maximum 16).",
        "Profit-gebruikers Test: in gebruik van 1 naar 0 (maximum 5).",
        "InSite-gebruikers Productie: in gebruik van 1 naar 0 (maximum 10).",
        str(SNAPSHOT_STAYS_TRUTH),
    ]
    html = response.content.decode()
    assert '<input type="hidden" name="next" value="/onderhoud-gebruikers/opschonen/">' in html
    assert not any(blocked(kok))
    assert not UserBlockChange.objects.exists()


def test_the_confirmed_block_goes_through_and_returns_where_it_came_from(client, beheerder, kok):
    client.force_login(beheerder.user)
    state = block(client, kok).context["state"]

    response = block(client, kok, confirm="1", state=state, next="/onderhoud-gebruikers/opschonen/")

    assert response.status_code == 302
    assert response.url == "/onderhoud-gebruikers/opschonen/"
    assert all(blocked(kok))
    assert UserBlockChange.objects.get().blocked


def test_a_block_elsewhere_in_between_makes_the_confirmation_stale(client, beheerder, environments, kok):
    client.force_login(beheerder.user)
    state = block(client, kok).context["state"]
    EnvironmentUser.objects.filter(identity=kok, environment=environments["O1"]).update(blocked=True)

    response = block(client, kok, confirm="1", state=state)

    assert response.status_code == 409
    assert response.context["stale"] == STALE
    assert response.context["consequences"][0].startswith("12345.kok wordt geblokkeerd in 2 omgevingen")
    assert sorted(blocked(kok)) == [False, False, True]
    assert not UserBlockChange.objects.exists()


def test_a_user_that_counts_nowhere_is_told_so(client, beheerder, customer_a, environments):
    EnvironmentUserFactory(environment=environments["T1"], code="12345.leeg", profit=False, insite=False)
    client.force_login(beheerder.user)

    response = block(client, identity("12345.leeg"))

    assert (
        "Dat maakt geen licentieplaats vrij: de gebruiker telt nergens mee."
        in response.context["consequences"]
    )


def test_blocking_in_one_environment_needs_no_confirmation(client, beheerder, environments, kok):
    client.force_login(beheerder.user)

    response = block(client, kok, environment=environments["O2"].id)

    assert response.status_code == 302
    assert sorted(blocked(kok)) == [False, False, True]


def test_a_medewerker_and_another_customer_cannot_confirm(client, medewerker, other_beheerder, kok):
    state = ",".join("0:0" for _ in range(3))
    client.force_login(medewerker.user)
    assert block(client, kok, confirm="1", state=state).status_code == 403
    client.force_login(other_beheerder.user)
    assert block(client, kok, confirm="1", state=state).status_code == 404
    assert not any(blocked(kok))
