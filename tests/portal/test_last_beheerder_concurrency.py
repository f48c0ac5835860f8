"""The last Beheerder survives simultaneous demotions and removals (real PostgreSQL transactions)."""

import threading

import pytest
from django.db import connection

from portal import services
from portal.models import Membership, Role
from tests.factories import CustomerFactory, MembershipFactory

THREADS = 8


def _run_at_once(actions):
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)

    def run(index, action):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            action()
            outcomes[index] = "ok"
        except services.ContactError as error:
            outcomes[index] = error.message
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=run, args=(i, action)) for i, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(3))
def test_simultaneous_demotions_and_removals_leave_exactly_one_beheerder(round_):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    customer = CustomerFactory(number="12345")
    memberships = MembershipFactory.create_batch(THREADS, customer=customer, role=Role.BEHEERDER)
    by = memberships[0].contact

    def demote(membership):
        return lambda: services.change_role(membership=membership, role=Role.MEDEWERKER, by=by)

    def remove(membership):
        return lambda: services.remove_contact(membership=membership, by=by)

    actions = [demote(m) if i % 2 else remove(m) for i, m in enumerate(memberships)]
    outcomes = _run_at_once(actions)

    assert outcomes.count("ok") == THREADS - 1
    assert outcomes.count(services.LAST_BEHEERDER) == 1
    assert Membership.objects.filter(customer=customer, role=Role.BEHEERDER).count() == 1
