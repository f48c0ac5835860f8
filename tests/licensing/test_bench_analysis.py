"""python manage.py bench_analysis: the workbook benchmark on a synthetic customer."""

import io
import re

import pytest
from django.core.management import CommandError, call_command

from environments.models import Environment, UserIdentity
from licensing.management.commands.bench_analysis import BENCH_CODE_PREFIX, BENCH_NUMBERS
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
