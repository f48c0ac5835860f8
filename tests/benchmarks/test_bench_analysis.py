"""python manage.py bench_analysis: the workbook benchmark on a synthetic customer."""

import io
import re

import pytest
from django.core.management import CommandError, call_command

from benchmarks.guard import OTHER_CUSTOMERS
from benchmarks.management.commands.bench_analysis import (
    BENCH_CODE_PREFIX,
    BENCH_NAME,
    BENCH_NUMBERS,
    RESERVED_NUMBERS_TAKEN,
)
from environments.models import Environment, UserIdentity
from portal.models import Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

LAST_LINE = re.compile(
    r"^analysis: users 60, build \d+\.\d\ds, peak memory \d+\.\d MiB \(at 6 users: \d+\.\d MiB\)$"
)


def test_it_reports_build_time_and_peak_memory_and_cleans_up():
    out = io.StringIO()

    call_command("bench_analysis", users=60, environments=4, stdout=out)

    lines = out.getvalue().strip().splitlines()
    assert LAST_LINE.match(lines[-1]), lines[-1]
    assert lines[0].startswith("data: 60 users in 4 environments")
    assert not Customer.objects.filter(number__in=BENCH_NUMBERS).exists()
    assert not Environment.objects.filter(code__contains=BENCH_NUMBERS[0]).exists()
    assert not UserIdentity.objects.filter(code__startswith=BENCH_CODE_PREFIX).exists()


def test_it_refuses_to_touch_a_real_customer_with_its_number():
    CustomerFactory(number=BENCH_NUMBERS[0], name="Echte klant BV")

    with pytest.raises(CommandError, match="reserved"):
        call_command("bench_analysis", users=60, environments=2, stdout=io.StringIO())

    assert Customer.objects.get(number=BENCH_NUMBERS[0]).name == "Echte klant BV"


def test_it_refuses_a_real_customer_with_its_number_even_when_told_to_allow_others():
    CustomerFactory(number=BENCH_NUMBERS[0], name="Echte klant BV")

    with pytest.raises(CommandError) as refused:
        call_command(
            "bench_analysis", users=60, environments=2, allow_other_customers=True, stdout=io.StringIO()
        )

    assert str(refused.value) == RESERVED_NUMBERS_TAKEN
    assert list(Customer.objects.values_list("number", "name")) == [(BENCH_NUMBERS[0], "Echte klant BV")]


def test_it_refuses_a_database_with_other_customers_and_touches_nothing(customer_a):
    # What a run that was killed halfway left behind: the next run would remove it, a refused one not.
    CustomerFactory(number=BENCH_NUMBERS[1], name=f"{BENCH_NAME} {BENCH_NUMBERS[1]}")

    with pytest.raises(CommandError) as refused:
        call_command("bench_analysis", users=60, environments=2, stdout=io.StringIO())

    assert str(refused.value) == OTHER_CUSTOMERS.format(
        count=1, own="89998-89999", command="bench_analysis", example="12345"
    )
    assert sorted(Customer.objects.values_list("number", flat=True)) == ["12345", BENCH_NUMBERS[1]]
    assert not Environment.objects.filter(code__contains=BENCH_NUMBERS[0]).exists()
    assert not UserIdentity.objects.filter(code__startswith=BENCH_CODE_PREFIX).exists()


def test_it_runs_beside_other_customers_when_told_to_and_leaves_them_alone(customer_a):
    out = io.StringIO()

    call_command("bench_analysis", users=60, environments=2, allow_other_customers=True, stdout=out)

    assert LAST_LINE.match(out.getvalue().strip().splitlines()[-1])
    assert list(Customer.objects.values_list("number", "name")) == [("12345", customer_a.name)]
    assert not UserIdentity.objects.filter(code__startswith=BENCH_CODE_PREFIX).exists()
