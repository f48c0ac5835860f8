"""Unblocking never takes in use above a line's maximum (counted fresh under the lines' locks), in the
portal and in the back office; blocking is always allowed."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from environments.models import EnvironmentUser
from licensing.maintenance.models import UserBlockChange
from licensing.maintenance.services import (
    LINE_FULL,
    WOULD_EXCEED,
    WouldExceedLicense,
    user_set_blocked,
    user_set_blocked_by_staff,
)
from licensing.models import LicenseLine
from licensing.recount import recount_customer
from tests.factories import EnvironmentFactory, EnvironmentUserFactory, LicenseLineFactory, identity

pytestmark = pytest.mark.django_db


@pytest.fixture
def environments(customer_a):
    return {
        "O1": EnvironmentFactory(customer=customer_a, type="O"),
        "O2": EnvironmentFactory(customer=customer_a, type="O"),
        "T1": EnvironmentFactory(customer=customer_a, type="T"),
    }


def _line(customer, item, scope, maximum):
    return LicenseLineFactory(license=customer.license, item=item, scope=scope, maximum=maximum)


def _users(environment, count, **access):
    for n in range(count):
        EnvironmentUserFactory(environment=environment, code=f"{environment.code.lower()}.vast{n}", **access)


def _kok(environments, *keys, **access):
    """12345.kok, blocked in the environments `keys`, with Profit access unless told otherwise."""
    for key in keys:
        EnvironmentUserFactory(environment=environments[key], code="12345.kok", blocked=True, **access)
    return identity("12345.kok")


def _unblock(customer, by, kok, environment=None):
    return user_set_blocked(
        customer=customer,
        by=by,
        identity_id=kok.id,
        user_code="12345.kok",
        blocked=False,
        environment_id=environment.id if environment else None,
    )


def _full(item_label, scope_label, in_use, maximum) -> str:
    return str(LINE_FULL % {"item": item_label, "scope": scope_label, "in_use": in_use, "maximum": maximum})


def _state(customer, kok):
    blocked = dict(EnvironmentUser.objects.filter(identity=kok).values_list("environment__code", "blocked"))
    lines = LicenseLine.objects.filter(license__customer=customer)
    in_use = {(item, scope): n for item, scope, n in lines.values_list("item", "scope", "in_use")}
    return blocked, in_use, UserBlockChange.objects.count()


def test_unblocking_into_a_full_line_is_refused_naming_the_line(customer_a, beheerder, environments):
    _line(customer_a, "profit_users", "O", 10)
    _users(environments["O1"], 10)
    kok = _kok(environments, "O1")
    recount_customer(customer=customer_a)
    before = _state(customer_a, kok)

    with pytest.raises(WouldExceedLicense) as refused:
        _unblock(customer_a, beheerder, kok)

    full = _full("Profit-gebruikers", "Productie", 10, 10)
    assert refused.value.message == WOULD_EXCEED % {"code": "12345.kok", "lines": full}
    assert "Profit-gebruikers (Productie): 10 van 10 in gebruik" in str(refused.value.message)
    assert _state(customer_a, kok) == before


def test_unblocking_with_a_seat_left_goes_through(customer_a, beheerder, environments):
    _line(customer_a, "profit_users", "O", 10)
    _users(environments["O1"], 9)
    kok = _kok(environments, "O1")
    recount_customer(customer=customer_a)

    _unblock(customer_a, beheerder, kok)

    blocked, in_use, changes = _state(customer_a, kok)
    assert blocked == {environments["O1"].code: False}
    assert in_use[("profit_users", "O")] == 10
    assert changes == 1


def test_a_user_counting_in_two_items_is_refused_on_each_full_line(customer_a, beheerder, environments):
    _line(customer_a, "profit_users", "O", 3)
    _line(customer_a, "insite_users", "O", 2)
    _users(environments["O1"], 3, insite=False)
    _users(environments["O2"], 2, profit=False, insite=True)
    kok = _kok(environments, "O1", insite=True)
    recount_customer(customer=customer_a)
    before = _state(customer_a, kok)

    with pytest.raises(WouldExceedLicense) as refused:
        _unblock(customer_a, beheerder, kok)

    lines = "; ".join(
        [_full("Profit-gebruikers", "Productie", 3, 3), _full("InSite-gebruikers", "Productie", 2, 2)]
    )
    assert refused.value.message == WOULD_EXCEED % {"code": "12345.kok", "lines": lines}
    assert _state(customer_a, kok) == before


def test_only_the_full_line_of_a_user_in_two_items_is_named(customer_a, beheerder, environments):
    _line(customer_a, "profit_users", "O", 10)
    _line(customer_a, "insite_users", "O", 1)
    _users(environments["O1"], 1, profit=False, insite=True)
    kok = _kok(environments, "O1", insite=True)
    recount_customer(customer=customer_a)

    with pytest.raises(WouldExceedLicense) as refused:
        _unblock(customer_a, beheerder, kok)

    message = str(refused.value.message)
    assert _full("InSite-gebruikers", "Productie", 1, 1) in message
    assert "Profit-gebruikers" not in message


def test_unblocking_in_all_environments_at_once_is_refused_when_one_scope_is_full(
    customer_a, beheerder, environments
):
    _line(customer_a, "profit_users", "O", 10)
    _line(customer_a, "profit_users", "T", 2)
    _users(environments["T1"], 2)
    kok = _kok(environments, "O1", "O2", "T1")
    recount_customer(customer=customer_a)
    before = _state(customer_a, kok)

    with pytest.raises(WouldExceedLicense) as refused:
        _unblock(customer_a, beheerder, kok)

    message = str(refused.value.message)
    assert _full("Profit-gebruikers", "Test", 2, 2) in message
    assert "Productie" not in message
    assert _state(customer_a, kok) == before  # still blocked in all three environments


def test_an_item_without_a_line_counts_as_a_maximum_of_zero(customer_a, beheerder, environments):
    _line(customer_a, "profit_users", "O", 10)
    kok = _kok(environments, "O1", outsite=True)
    recount_customer(customer=customer_a)

    with pytest.raises(WouldExceedLicense) as refused:
        _unblock(customer_a, beheerder, kok)

    assert _full("OutSite-gebruikers", "Productie", 0, 0) in str(refused.value.message)
    assert not LicenseLine.objects.filter(item="outsite_users").exists()


def test_unblocking_a_user_that_already_counts_on_the_scope_is_allowed_on_a_full_line(
    customer_a, beheerder, environments
):
    _line(customer_a, "profit_users", "O", 1)
    kok = _kok(environments, "O1")
    EnvironmentUserFactory(environment=environments["O2"], code="12345.kok")
    recount_customer(customer=customer_a)

    _unblock(customer_a, beheerder, kok, environments["O1"])

    blocked, in_use, _changes = _state(customer_a, kok)
    assert blocked == {environments["O1"].code: False, environments["O2"].code: False}
    assert in_use[("profit_users", "O")] == 1


def test_a_line_already_over_its_maximum_does_not_stop_an_unblock_that_leaves_it_alone(
    customer_a, beheerder, environments
):
    _line(customer_a, "profit_users", "O", 1)
    _line(customer_a, "insite_users", "O", 5)
    _users(environments["O1"], 3)  # over: 3 of 1, reported by the environment itself
    kok = _kok(environments, "O1", profit=False, insite=True)
    recount_customer(customer=customer_a)

    _unblock(customer_a, beheerder, kok)

    assert _state(customer_a, kok)[1][("insite_users", "O")] == 1


def test_blocking_is_always_allowed_even_on_a_line_over_its_maximum(customer_a, beheerder, environments):
    _line(customer_a, "profit_users", "O", 1)
    _users(environments["O1"], 3)
    EnvironmentUserFactory(environment=environments["O1"], code="12345.kok")
    kok = identity("12345.kok")
    recount_customer(customer=customer_a)

    user_set_blocked(
        customer=customer_a, by=beheerder, identity_id=kok.id, user_code="12345.kok", blocked=True
    )

    blocked, in_use, changes = _state(customer_a, kok)
    assert blocked == {environments["O1"].code: True}
    assert (in_use[("profit_users", "O")], changes) == (3, 1)


def test_the_portal_shows_the_refusal_and_changes_nothing(client, customer_a, beheerder, environments):
    _line(customer_a, "profit_users", "O", 10)
    _users(environments["O1"], 10)
    kok = _kok(environments, "O1")
    recount_customer(customer=customer_a)
    before = _state(customer_a, kok)
    client.force_login(beheerder.user)

    response = client.post(reverse("licensing:user_unblock", args=[kok.id]), {"environment": ""}, follow=True)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Profit-gebruikers (Productie): 10 van 10 in gebruik" in page
    assert "message--error" in page
    assert _state(customer_a, kok) == before


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_superuser("support@leverancier.example", "", "x")


def _admin_action(client, action, users):
    return client.post(
        reverse("admin:environments_environmentuser_changelist"),
        {"action": action, "_selected_action": [user.pk for user in users]},
        follow=True,
    )


def test_the_back_office_unblock_goes_through_the_same_refusal(client, staff, customer_a, environments):
    _line(customer_a, "profit_users", "O", 10)
    _users(environments["O1"], 10)
    kok = _kok(environments, "O1")
    recount_customer(customer=customer_a)
    before = _state(customer_a, kok)
    client.force_login(staff)

    response = _admin_action(client, "unblock_users", EnvironmentUser.objects.filter(identity=kok))

    assert response.status_code == 200
    assert "Profit-gebruikers (Productie): 10 van 10 in gebruik" in response.content.decode()
    assert _state(customer_a, kok) == before


def test_the_back_office_blocks_and_unblocks_through_the_service(client, staff, customer_a, environments):
    _line(customer_a, "profit_users", "O", 10)
    EnvironmentUserFactory(environment=environments["O1"], code="12345.kok")
    kok = identity("12345.kok")
    recount_customer(customer=customer_a)
    client.force_login(staff)
    rows = EnvironmentUser.objects.filter(identity=kok)

    _admin_action(client, "block_users", rows)
    blocked, in_use, _changes = _state(customer_a, kok)
    assert (blocked, in_use[("profit_users", "O")]) == ({environments["O1"].code: True}, 0)
    _admin_action(client, "unblock_users", rows)

    blocked, in_use, _changes = _state(customer_a, kok)
    assert (blocked, in_use[("profit_users", "O")]) == ({environments["O1"].code: False}, 1)
    changes = list(
        UserBlockChange.objects.order_by("id").values_list("blocked", "by", "contact", "environments")
    )
    assert changes == [
        (True, "support@leverancier.example", None, [environments["O1"].code]),
        (False, "support@leverancier.example", None, [environments["O1"].code]),
    ]


def test_the_back_office_service_is_for_vendor_staff_only(customer_a, beheerder, environments):
    kok = _kok(environments, "O1")

    with pytest.raises(PermissionDenied):
        user_set_blocked_by_staff(
            customer=customer_a, by=beheerder.user, identity_id=kok.id, user_code="12345.kok", blocked=False
        )

    assert EnvironmentUser.objects.get(identity=kok).blocked
