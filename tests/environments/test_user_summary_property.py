"""Property: after random imports, blocks and unblocks, the unique-user summary gives exactly the counts of
the recount, and what its writers kept step by step equals a summary computed from scratch."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from environments.models import Environment, EnvironmentUser, UserSummary, UserSummaryTotals
from environments.services import environment_users_set_blocked, import_snapshots
from environments.snapshots import parse_snapshot
from environments.summary import seat_key, user_summaries_refresh
from environments.usage import count_usage
from environments.vocabulary import USER_ITEM_FLAGS
from portal.models import Customer
from tests.environments.test_counting_property import CUSTOMERS, SUFFIXES, USER_CODES, environment_data

pytestmark = pytest.mark.django_db

COLUMNS = ("customer_id", "identity_id", "code", "name", "email", "presence", "seats", "seat_count", "facts")


def summary_rows() -> list[dict]:
    return list(UserSummary.objects.order_by("customer_id", "identity_id").values(*COLUMNS))


def assert_exact(customers: dict[str, Customer]) -> None:
    counted = count_usage([customer.id for customer in customers.values()])
    for customer in customers.values():
        users = {pair: n for pair, n in counted.get(customer.id, {}).items() if pair[0] in USER_ITEM_FLAGS}
        totals = UserSummaryTotals.objects.filter(customer=customer).first()
        stored = {key: n for key, n in (totals.counts if totals else {}).items() if n}
        assert stored == {seat_key(*pair): n for pair, n in users.items()}
        unique = (
            EnvironmentUser.objects.filter(environment__customer=customer, environment__is_active=True)
            .values("identity_id")
            .distinct()
            .count()
        )
        assert (totals.users if totals else 0) == unique
    kept = summary_rows()
    user_summaries_refresh(customer_ids=[customer.id for customer in customers.values()])
    assert kept == summary_rows()


step = st.one_of(
    st.tuples(
        st.just("block"), st.sampled_from(USER_CODES), st.booleans(), st.integers(0, len(SUFFIXES) - 1)
    ),
    st.tuples(st.just("import"), environment_data()),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    environments=st.lists(environment_data(), min_size=1, max_size=5),
    steps=st.lists(step, max_size=6),
)
def test_the_summary_counts_exactly_what_the_recount_counts(environments, steps):
    # Each example in a savepoint that is rolled back, so examples do not see each other's rows.
    with transaction.atomic():
        customers = {number: Customer.objects.create(number=number, name=number) for number in CUSTOMERS}
        codes = []
        for position, (customer, type_, active, snapshot) in enumerate(environments):
            snapshot["environment"] = f"{type_}{customer}{SUFFIXES[position]}"
            codes.append(snapshot["environment"])
            Environment.objects.create(
                customer=customers[customer], type=type_, code=snapshot["environment"], is_active=active
            )
        import_snapshots(
            snapshots=[parse_snapshot(s, source_name=s["environment"]) for *_, s in environments]
        )
        assert_exact(customers)

        for action, *arguments in steps:
            if action == "block":
                code, blocked, position = arguments
                environment = Environment.objects.get(code=codes[position % len(codes)])
                user = EnvironmentUser.objects.filter(identity__code=code.lower()).first()
                if user is None:
                    continue
                everywhere = position % 2 == 0
                environment_users_set_blocked(
                    customer_id=environment.customer_id,
                    identity_id=user.identity_id,
                    blocked=blocked,
                    environment_id=None if everywhere else environment.id,
                )
            else:
                (_customer, _type, _active, snapshot) = arguments[0]
                snapshot["environment"] = codes[len(snapshot["users"]) % len(codes)]
                snapshot["taken_at"] = "2026-11-29T00:45:00+00:00"
                import_snapshots(snapshots=[parse_snapshot(snapshot, source_name=snapshot["environment"])])
            assert_exact(customers)
        transaction.set_rollback(True)
