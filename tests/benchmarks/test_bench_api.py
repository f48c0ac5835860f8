"""`manage.py bench_api`: the whole run at a tiny size, gunicorn really started against the test
database; its last line, its clean-up, and its refusal of a database with other customers."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from api.models import ApiKey, EnvironmentToken
from benchmarks.api_data import API_CODE_PREFIX, bench_customers
from benchmarks.guard import OTHER_CUSTOMERS
from environments.models import Environment, EnvironmentUser, UserIdentity
from licensing.models import License
from portal.models import Customer
from tests.factories import CustomerFactory, EnvironmentFactory, EnvironmentUserFactory

# gunicorn's workers read what this test wrote: committed data, so no transaction around the test.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

LAST_LINE = re.compile(
    r"^api: ingest api \d+\.\d\ds, command \d+\.\d\ds, ratio \d+\.\d\d; "
    r"licentiedata p95 \d+\.\dms, no-op p95 \d+\.\dms, ratio \d+\.\d\d$"
)
TINY = {"environments": 4, "users_per_environment": 3, "requests": 20, "read_clients": 5, "push_clients": 4}


def run(**options) -> tuple[list[str], str]:
    out, err = StringIO(), StringIO()
    call_command("bench_api", **{**TINY, **options}, stdout=out, stderr=err)
    return out.getvalue().splitlines(), err.getvalue()


@pytest.fixture
def demo_customer():
    customer = CustomerFactory(number="12345")
    environment = EnvironmentFactory(customer=customer, code="O12345AA")
    EnvironmentUserFactory(environment=environment, code="12345.jansen")
    return customer


def test_it_pushes_through_a_real_gunicorn_ends_with_both_ratios_and_removes_its_data(demo_customer):
    lines, progress = run(allow_other_customers=True)

    assert LAST_LINE.match(lines[-1]), lines[-1]
    assert any(line.startswith("ingest, PUT snapshot by 4 clients: ") for line in lines)
    assert any(line.startswith("latency, GET /api/v1/ping by 5 clients: p95 ") for line in lines)
    assert "starting gunicorn (2 workers" in progress  # progress on stderr, figures on stdout
    assert not any("starting gunicorn" in line for line in lines)
    assert not bench_customers().exists()
    assert not UserIdentity.objects.filter(code__startswith=API_CODE_PREFIX).exists()
    assert not EnvironmentToken.objects.exists()
    assert not ApiKey.objects.exists()
    assert not License.objects.exists()
    assert list(Customer.objects.values_list("number", flat=True)) == ["12345"]
    assert Environment.objects.get().code == "O12345AA"
    assert EnvironmentUser.objects.get().code == "12345.jansen"


def test_it_keeps_its_imported_data_with_keep():
    lines, _progress = run(keep=True)

    assert LAST_LINE.match(lines[-1]), lines[-1]
    assert Environment.objects.filter(customer__in=bench_customers()).count() == 4
    users = EnvironmentUser.objects.filter(environment__customer__in=bench_customers())
    assert users.exists()
    assert all(user.code.lower().startswith(API_CODE_PREFIX) for user in users)
    assert EnvironmentToken.objects.count() == 4


def test_it_refuses_a_database_with_other_customers_and_touches_nothing(demo_customer):
    with pytest.raises(CommandError) as refused:
        run()

    assert str(refused.value) == OTHER_CUSTOMERS.format(
        count=1, own="80000-88999", command="bench_api", example="12345"
    )
    assert not bench_customers().exists()
    assert list(Customer.objects.values_list("number", flat=True)) == ["12345"]
    assert EnvironmentUser.objects.get().code == "12345.jansen"
