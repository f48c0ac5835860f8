"""The set-based recount: every line's in use, lines for items in use without one, only changes written."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from licensing.models import License, LicenseLine
from licensing.recount import recount_customer, recount_customers
from tests.factories import CustomerFactory, EnvironmentFactory, EnvironmentUserFactory, LicenseLineFactory

pytestmark = pytest.mark.django_db


def test_it_counts_every_line_and_reports_what_changed(customer_a):
    license = License.objects.get(customer=customer_a)
    profit = LicenseLineFactory(license=license, item="profit_users", scope="O", maximum=10, in_use=7)
    unused = LicenseLineFactory(license=license, item="clients", scope="T", maximum=3, in_use=2)
    environment = EnvironmentFactory(customer=customer_a, type="O")
    for code in ("anna", "bram"):
        EnvironmentUserFactory(environment=environment, code=code)

    result = recount_customer(customer=customer_a)

    profit.refresh_from_db()
    unused.refresh_from_db()
    assert (profit.in_use, profit.maximum) == (2, 10)
    assert unused.in_use == 0
    # profit users 7 -> 2, clients 2 -> 0, and a new line for the one environment in use.
    assert result.changed == 3
    environments = LicenseLine.objects.get(license=license, item="environments")
    assert (environments.maximum, environments.portal, environments.in_use) == (0, 0, 1)
    license.refresh_from_db()
    assert license.counted_at is not None


def test_a_second_recount_writes_nothing(customer_a):
    EnvironmentUserFactory(environment=EnvironmentFactory(customer=customer_a, type="O"), code="anna")
    recount_customer(customer=customer_a)

    assert recount_customer(customer=customer_a).changed == 0


def test_a_customer_without_a_license_gets_one():
    customer = CustomerFactory()
    EnvironmentUserFactory(environment=EnvironmentFactory(customer=customer, type="T"), code="x")

    result = recount_customers(customer_ids=[customer.id])

    assert result.customers == 1
    line = LicenseLine.objects.get(license__customer=customer, item="profit_users", scope="T")
    assert (line.maximum, line.in_use) == (0, 1)


def queries_for(customers: int) -> int:
    ids = []
    for _ in range(customers):
        customer = CustomerFactory()
        License.objects.create(customer=customer)
        EnvironmentUserFactory(environment=EnvironmentFactory(customer=customer, type="O"), code="u")
        ids.append(customer.id)
    with CaptureQueriesContext(connection) as queries:
        recount_customers(customer_ids=ids)
    return len(queries)


def test_a_batch_takes_as_many_queries_as_one_customer():
    assert queries_for(1) == queries_for(20) <= 7
