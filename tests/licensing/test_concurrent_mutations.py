"""Concurrent mutations of one line on PostgreSQL: no lost update, each audited once, never below use."""

import threading

import pytest
from django.db import connection, connections

from licensing.models import LicenseLine, LicenseMutation
from licensing.services import BelowInUse, line_change_quantity
from portal.models import Role
from tests.factories import (
    CustomerFactory,
    EnvironmentFactory,
    EnvironmentUserFactory,
    LicenseFactory,
    LicenseLineFactory,
    MembershipFactory,
)

THREADS = 32

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


@pytest.fixture
def setup():
    customer = CustomerFactory(number="24680")
    line = LicenseLineFactory(
        license=LicenseFactory(customer=customer), item="profit_users", scope="O", maximum=100
    )
    beheerder = MembershipFactory(customer=customer, role=Role.BEHEERDER).contact
    environment = EnvironmentFactory(customer=customer, type="O")
    EnvironmentUserFactory.create_batch(12, environment=environment, profit=True)
    return line, beheerder


def run_together(target, arguments) -> list:
    """Start one thread per argument at the same moment; each uses (and closes) its own connection."""
    barrier = threading.Barrier(len(arguments))
    outcomes: list = [None] * len(arguments)

    def work(index, argument):
        try:
            barrier.wait(timeout=30)
            outcomes[index] = target(argument)
        except Exception as error:  # noqa: BLE001 - the outcome is asserted by the test
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i, a)) for i, a in enumerate(arguments)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def assert_consistent_chain(line, start: int) -> list[LicenseMutation]:
    mutations = list(LicenseMutation.objects.filter(line=line).order_by("id"))
    previous = start
    for mutation in mutations:
        assert mutation.old_maximum == previous
        assert mutation.old_portal == previous
        previous = mutation.new_quantity
    line.refresh_from_db()
    assert line.maximum == line.portal == previous
    return mutations


def test_simultaneous_changes_lose_no_update_and_are_each_audited_once(setup):
    line, beheerder = setup
    quantities = [200 + i for i in range(THREADS)]

    outcomes = run_together(
        lambda quantity: line_change_quantity(line=line, by=beheerder, quantity=quantity), quantities
    )

    assert all(isinstance(outcome, LicenseMutation) for outcome in outcomes), outcomes
    mutations = assert_consistent_chain(line, start=100)
    assert len(mutations) == THREADS
    assert sorted(m.new_quantity for m in mutations) == quantities
    assert line.maximum == mutations[-1].new_quantity


def test_simultaneous_lowerings_never_go_below_the_fresh_in_use_count(setup):
    line, beheerder = setup
    quantities = list(range(THREADS))  # 0..31 with 12 in use: 0..11 must be refused

    outcomes = run_together(
        lambda quantity: line_change_quantity(line=line, by=beheerder, quantity=quantity), quantities
    )

    refused = [q for q, outcome in zip(quantities, outcomes, strict=True) if isinstance(outcome, BelowInUse)]
    accepted = [
        q for q, outcome in zip(quantities, outcomes, strict=True) if isinstance(outcome, LicenseMutation)
    ]
    assert refused == list(range(12))
    assert accepted == list(range(12, THREADS))
    mutations = assert_consistent_chain(line, start=100)
    assert len(mutations) == THREADS - 12
    assert all(m.in_use == 12 for m in mutations)
    assert LicenseLine.objects.get(pk=line.pk).maximum >= 12
