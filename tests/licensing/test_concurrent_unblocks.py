"""Simultaneous unblocks (and mutations) of a nearly full line on PostgreSQL: never above the maximum."""

import threading

import pytest
from django.db import connection, connections

from environments.usage import count_usage
from licensing.maintenance.models import UserBlockChange
from licensing.maintenance.services import WouldExceedLicense, user_set_blocked
from licensing.models import LicenseMutation
from licensing.recount import recount_customer
from licensing.services import BelowInUse, line_change_quantity
from portal.models import Role
from tests.factories import (
    CustomerFactory,
    EnvironmentFactory,
    EnvironmentUserFactory,
    LicenseFactory,
    LicenseLineFactory,
    MembershipFactory,
    identity,
)

THREADS = 8

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


@pytest.fixture
def setup():
    """A line of 5 Profit users in production with 4 in use, and THREADS blocked users."""
    customer = CustomerFactory(number="24680")
    line = LicenseLineFactory(
        license=LicenseFactory(customer=customer), item="profit_users", scope="O", maximum=5
    )
    beheerder = MembershipFactory(customer=customer, role=Role.BEHEERDER).contact
    environment = EnvironmentFactory(customer=customer, type="O")
    EnvironmentUserFactory.create_batch(4, environment=environment)
    blocked = [f"24680.geblokkeerd{n}" for n in range(THREADS)]
    for code in blocked:
        EnvironmentUserFactory(environment=environment, code=code, blocked=True)
    recount_customer(customer=customer)
    return customer, line, beheerder, blocked


def run_together(actions) -> list:
    """Start the actions at the same moment, one thread (and connection) each."""
    barrier = threading.Barrier(len(actions))
    outcomes: list = [None] * len(actions)

    def work(index, action):
        try:
            barrier.wait(timeout=30)
            outcomes[index] = action()
        except Exception as error:  # noqa: BLE001 - the outcome is asserted by the test
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def unblock(customer, beheerder, code):
    return lambda: user_set_blocked(
        customer=customer, by=beheerder, identity_id=identity(code).id, user_code=code, blocked=False
    )


def fresh_in_use(customer) -> int:
    return count_usage([customer.id])[customer.id][("profit_users", "O")]


def test_simultaneous_unblocks_take_the_last_seat_once(setup):
    customer, line, beheerder, blocked = setup

    outcomes = run_together([unblock(customer, beheerder, code) for code in blocked])

    assert sum(isinstance(outcome, UserBlockChange) for outcome in outcomes) == 1
    assert sum(isinstance(outcome, WouldExceedLicense) for outcome in outcomes) == THREADS - 1
    assert fresh_in_use(customer) == 5
    line.refresh_from_db()
    assert (line.maximum, line.in_use) == (5, 5)


def test_unblocks_and_a_lowering_mutation_at_once_never_end_above_the_maximum(setup):
    customer, line, beheerder, blocked = setup

    def lower():
        return line_change_quantity(line=line, by=beheerder, quantity=4)

    outcomes = run_together([lower, *(unblock(customer, beheerder, code) for code in blocked[:4])])

    # Whichever comes first takes the last seat (or gives it up); everything after it is refused.
    assert isinstance(outcomes[0], LicenseMutation | BelowInUse), outcomes[0]
    assert all(isinstance(outcome, UserBlockChange | WouldExceedLicense) for outcome in outcomes[1:]), (
        outcomes
    )
    assert sum(isinstance(outcome, LicenseMutation | UserBlockChange) for outcome in outcomes) == 1
    line.refresh_from_db()
    assert fresh_in_use(customer) <= line.maximum
