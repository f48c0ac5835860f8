"""`manage.py bench_pages`: the whole run at a tiny size, gunicorn really started against the test database
and the load generator in a process of its own; a line per page, the last line, the clean-up, and the
refusal of a database with other customers."""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from benchmarks.guard import OTHER_CUSTOMERS
from benchmarks.management.commands.bench_pages import portal_pages
from benchmarks.pages_data import PAGES_CODE_PREFIX, PAGES_EMAIL_DOMAIN, PAGES_NUMBERS
from environments.models import Environment, EnvironmentUser, UserIdentity, UserSummary
from licensing.models import License
from portal.models import Customer
from tests.factories import CustomerFactory, EnvironmentFactory, EnvironmentUserFactory

# gunicorn's workers read what this test wrote: committed data, so no transaction around the test.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

PAGE_LINE = re.compile(
    r"^page (?P<name>.+?) +(?P<path>/\S*) +p50 +\d+\.\dms ratio +\d+\.\d\d; p95 \(3 clients\) +\d+\.\dms "
    r"ratio +\d+\.\d\d; 2x p50 +\d+\.\dms \(\d+\.\d\d of 1x\), p95 \d+\.\dms$"
)
LAST_LINE = re.compile(r"^pages: worst ratio \d+\.\d\d \(.+ p(50|95)\), worst 2x growth \d+\.\d\d \(.+\)$")
TINY = {
    "users_per_snapshot": 4,
    "unique_users": 6,
    "scale": 2,
    "requests": 2,
    "concurrent_requests": 3,
    "clients": 3,
    "seconds": 30.0,
}


def run(**options) -> tuple[list[str], str]:
    out, err = StringIO(), StringIO()
    call_command("bench_pages", **{**TINY, **options}, stdout=out, stderr=err)
    return out.getvalue().splitlines(), err.getvalue()


@pytest.fixture
def demo_customer():
    customer = CustomerFactory(number="12345")
    environment = EnvironmentFactory(customer=customer, code="O12345AA")
    EnvironmentUserFactory(environment=environment, code="12345.jansen")
    return customer


def test_it_times_every_page_against_the_no_op_and_removes_its_data(demo_customer):
    lines, progress = run(allow_other_customers=True)

    assert LAST_LINE.match(lines[-1]), lines[-1]
    pages = [match for line in lines if (match := PAGE_LINE.match(line))]
    assert pages[0]["name"] == "no-op"
    assert pages[0]["path"] == "/bench/no-op/"
    assert len(pages) == 1 + len(portal_pages_of_any_customer())
    assert any(line.startswith("customer 79999: 12 unique users, ") for line in lines), lines
    assert "starting gunicorn (2 workers" in progress  # progress on stderr, figures on stdout
    assert not Customer.objects.filter(number__in=PAGES_NUMBERS).exists()
    assert not UserIdentity.objects.filter(code__startswith=PAGES_CODE_PREFIX).exists()
    assert not UserSummary.objects.exclude(customer=demo_customer).exists()
    assert not License.objects.exists()
    assert not get_user_model().objects.filter(username__endswith=PAGES_EMAIL_DOMAIN).exists()
    assert Environment.objects.get().code == "O12345AA"
    assert EnvironmentUser.objects.get().code == "12345.jansen"
    assert list(Customer.objects.values_list("number", flat=True)) == ["12345"]


def portal_pages_of_any_customer():
    class Ids:
        line_id, identity_id = 1, 1

    return portal_pages(Ids)


def test_it_refuses_a_database_with_other_customers(demo_customer):
    with pytest.raises(CommandError) as refused:
        run()
    assert str(refused.value) == OTHER_CUSTOMERS.format(
        count=1, own=f"{PAGES_NUMBERS[0]}-{PAGES_NUMBERS[1]}", command="bench_pages", example="12345"
    )
    assert not Customer.objects.filter(number__in=PAGES_NUMBERS).exists()
