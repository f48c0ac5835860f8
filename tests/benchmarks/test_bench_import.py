"""`manage.py bench_import`: a changed and an unchanged import of one environment, their ratio, clean-up."""

import io
import re

import pytest
from django.core.management import CommandError, call_command

from environments.models import Environment, EnvironmentUser, UserIdentity
from portal.models import Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

LAST_LINE = re.compile(
    r"^import: changed \d+\.\d\ds, unchanged \d+\.\d\ds, ratio \d+\.\d\d \(300 users, medians of 2\)$"
)


def test_it_prints_the_ratio_and_removes_what_it_made():
    out = io.StringIO()

    call_command("bench_import", users=300, repeat=2, stdout=out)

    lines = out.getvalue().splitlines()
    assert LAST_LINE.match(lines[-1]), lines[-1]
    assert len([line for line in lines if line.startswith("  changed ")]) == 2
    assert not Customer.objects.exists()
    assert not Environment.objects.exists()
    assert not EnvironmentUser.objects.exists()
    assert not UserIdentity.objects.filter(code__startswith="bench-import:").exists()


def test_it_refuses_a_database_with_other_customers():
    CustomerFactory(number="12345")

    with pytest.raises(CommandError, match="--allow-other-customers"):
        call_command("bench_import", users=10, repeat=1, stdout=io.StringIO())

    assert list(Customer.objects.values_list("number", flat=True)) == ["12345"]
