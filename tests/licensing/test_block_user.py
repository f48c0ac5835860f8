"""Blocking and unblocking a user from Onderhoud gebruikers: only a Beheerder, recorded, recounted at once."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from environments.models import EnvironmentUser
from environments.services import import_snapshots
from environments.snapshots import parse_snapshot
from licensing.maintenance.models import UserBlockChange
from licensing.maintenance.services import ALREADY_BLOCKED, NothingChanged, user_set_blocked
from licensing.models import LicenseLine
from licensing.recount import recount_customer
from tests.confirming import post_confirmed
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
        EnvironmentUserFactory(environment=environments[key], code="12345.kok", profit=True, insite=True)
    EnvironmentUserFactory(environment=environments["O1"], code="12345.bos", profit=True)
    for item in ("profit_users", "insite_users"):
        for scope in ("O", "T"):
            LicenseLineFactory(license=customer_a.license, item=item, scope=scope, maximum=10)
    recount_customer(customer=customer_a)
    return identity("12345.kok")


def block_url(user_identity):
    return reverse("licensing:user_block", args=[user_identity.id])


def unblock_url(user_identity):
    return reverse("licensing:user_unblock", args=[user_identity.id])


def in_use(customer):
    return {
        (line.item, line.scope): line.in_use
        for line in LicenseLine.objects.filter(license__customer=customer)
    }


def blocked_in(user_identity):
    return dict(
        EnvironmentUser.objects.filter(identity=user_identity).values_list("environment__code", "blocked")
    )


def test_it_redirects_anonymous_visitors_to_login(client, kok):
    response = client.post(block_url(kok))
    assert response.status_code == 302
    assert response.url.startswith("/login/")
    assert not any(blocked_in(kok).values())


def test_a_beheerder_blocks_a_user_everywhere_and_the_license_is_recounted(
    client, beheerder, customer_a, environments, kok
):
    assert in_use(customer_a)[("profit_users", "O")] == 2
    client.force_login(beheerder.user)
    response = post_confirmed(client, block_url(kok), {"environment": ""}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("licensing:maintenance_user", args=[kok.id])
    assert blocked_in(kok) == {environments[key].code: True for key in ("O1", "O2", "T1")}
    counts = in_use(customer_a)
    assert (counts[("profit_users", "O")], counts[("insite_users", "O")]) == (1, 0)
    assert (counts[("profit_users", "T")], counts[("insite_users", "T")]) == (0, 0)
    change = UserBlockChange.objects.get()
    assert (change.customer, change.contact, change.by, change.user_code) == (
        customer_a,
        beheerder,
        "beheerder@example.nl",
        "12345.kok",
    )
    assert (change.blocked, change.all_environments) == (True, True)
    assert change.environments == sorted(environments[key].code for key in ("O1", "O2", "T1"))
    html = response.content.decode()
    assert "12345.kok is geblokkeerd in" in html
    assert f'id="block-change-{change.id}"' in html


def test_blocking_in_one_environment_keeps_counting_the_user_where_it_is_still_active(
    client, beheerder, customer_a, environments, kok
):
    client.force_login(beheerder.user)
    client.post(block_url(kok), {"environment": environments["O1"].id})
    assert blocked_in(kok) == {
        environments["O1"].code: True,
        environments["O2"].code: False,
        environments["T1"].code: False,
    }
    # Still active in O2: counts once on scope O, as before.
    assert in_use(customer_a)[("profit_users", "O")] == 2
    client.post(block_url(kok), {"environment": environments["O2"].id})
    assert in_use(customer_a)[("profit_users", "O")] == 1
    changes = list(UserBlockChange.objects.order_by("id").values_list("environments", "all_environments"))
    assert changes == [([environments["O1"].code], False), ([environments["O2"].code], False)]


def test_a_beheerder_unblocks_a_user_and_it_counts_again(client, beheerder, customer_a, environments, kok):
    EnvironmentUser.objects.filter(identity=kok).update(blocked=True)
    recount_customer(customer=customer_a)
    assert in_use(customer_a)[("insite_users", "O")] == 0
    client.force_login(beheerder.user)
    response = client.post(unblock_url(kok), {"environment": environments["O2"].id})
    assert response.status_code == 302
    assert blocked_in(kok)[environments["O2"].code] is False
    assert blocked_in(kok)[environments["O1"].code] is True
    assert in_use(customer_a)[("insite_users", "O")] == 1
    change = UserBlockChange.objects.get()
    assert (change.blocked, change.environments) == (False, [environments["O2"].code])


def test_a_medewerker_gets_403_and_nothing_changes(client, medewerker, customer_a, kok):
    client.force_login(medewerker.user)
    assert client.post(block_url(kok)).status_code == 403
    assert client.post(unblock_url(kok)).status_code == 403
    assert not any(blocked_in(kok).values())
    assert not UserBlockChange.objects.exists()


def test_a_contact_of_another_customer_gets_404_and_nothing_changes(client, other_beheerder, kok):
    client.force_login(other_beheerder.user)
    assert client.post(block_url(kok)).status_code == 404
    assert not any(blocked_in(kok).values())
    assert not UserBlockChange.objects.exists()


def test_an_environment_of_another_customer_or_without_the_user_is_404(
    client, beheerder, customer_b, environments, kok
):
    client.force_login(beheerder.user)
    other = EnvironmentFactory(customer=customer_b)
    EnvironmentUserFactory(environment=other, code="12345.kok")
    empty = EnvironmentFactory(customer=environments["O1"].customer, type="O")
    for environment in (other, empty):
        assert client.post(block_url(kok), {"environment": environment.id}).status_code == 404
    assert client.post(block_url(kok), {"environment": "x"}).status_code == 404
    assert not any(blocked_in(kok).values())


def test_it_refuses_get(client, beheerder, kok):
    client.force_login(beheerder.user)
    assert client.get(block_url(kok)).status_code == 405
    assert client.get(unblock_url(kok)).status_code == 405


def test_blocking_an_already_blocked_user_changes_and_records_nothing(client, beheerder, kok):
    EnvironmentUser.objects.filter(identity=kok).update(blocked=True)
    client.force_login(beheerder.user)
    response = client.post(block_url(kok), follow=True)
    assert str(ALREADY_BLOCKED % {"code": "12345.kok"}) in response.content.decode()
    assert not UserBlockChange.objects.exists()


def test_it_returns_to_a_page_of_the_portal_only(client, beheerder, kok):
    client.force_login(beheerder.user)
    cleanup = reverse("licensing:maintenance_cleanup") + "?reden=intern"
    assert post_confirmed(client, block_url(kok), {"next": cleanup}).url == cleanup
    assert client.post(unblock_url(kok), {"next": "https://evil.example/"}).url == reverse(
        "licensing:maintenance_user", args=[kok.id]
    )


def test_the_service_refuses_a_contact_that_is_not_beheerder(medewerker, other_beheerder, customer_a, kok):
    for contact in (medewerker, other_beheerder):
        with pytest.raises(PermissionDenied):
            user_set_blocked(
                customer=customer_a, by=contact, identity_id=kok.id, user_code="12345.kok", blocked=True
            )
    assert not any(blocked_in(kok).values())
    assert not UserBlockChange.objects.exists()


def test_the_service_raises_nothing_changed_when_already_in_that_state(beheerder, customer_a, kok):
    with pytest.raises(NothingChanged):
        user_set_blocked(
            customer=customer_a, by=beheerder, identity_id=kok.id, user_code="12345.kok", blocked=False
        )
    assert not UserBlockChange.objects.exists()


def test_the_log_is_visible_to_every_contact_of_the_customer_only(
    client, beheerder, medewerker, other_beheerder, kok
):
    client.force_login(beheerder.user)
    post_confirmed(client, block_url(kok), {})
    log_url = reverse("licensing:maintenance_log")
    client.force_login(medewerker.user)
    response = client.get(log_url)
    assert response.status_code == 200
    assert [change.user_code for change in response.context["page"].object_list] == ["12345.kok"]
    assert "blokkeerde" in response.content.decode()
    client.force_login(other_beheerder.user)
    assert list(client.get(log_url).context["page"].object_list) == []


def test_a_newer_snapshot_of_the_environment_stays_the_truth(
    client, beheerder, customer_a, environments, kok
):
    client.force_login(beheerder.user)
    client.post(block_url(kok), {"environment": environments["O1"].id})
    assert blocked_in(kok)[environments["O1"].code] is True
    taken_at = timezone.now() - timedelta(minutes=1)
    snapshot = {
        "format": 1,
        "environment": environments["O1"].code,
        "taken_at": taken_at.isoformat(),
        "users": [{"code": "12345.kok", "profit": True, "insite": True, "outsite": False, "blocked": False}],
        "employees": [],
        "declarations": [],
        "clients": [],
    }
    import_snapshots(snapshots=[parse_snapshot(json.dumps(snapshot), source_name="O1.json")])
    assert blocked_in(kok)[environments["O1"].code] is False
    # The audit record of what was done in the portal stays.
    assert UserBlockChange.objects.filter(blocked=True).count() == 1
