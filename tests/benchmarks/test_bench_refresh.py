"""`manage.py bench_refresh`: synthetic data, project recount against a raw SQL recount, clean-up."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F
from django.db.models.functions import Lower

from benchmarks.dataset import bench_customers
from benchmarks.guard import OTHER_CUSTOMERS
from benchmarks.population import BENCH_CODE_PREFIX, first_number_for, plan_population
from environments.models import Environment, EnvironmentUser, UserIdentity
from licensing.models import License, LicenseLine
from portal.models import Customer
from tests.factories import (
    CustomerFactory,
    EnvironmentFactory,
    EnvironmentUserFactory,
    LicenseFactory,
    LicenseLineFactory,
)

# VACUUM cannot run inside the transaction a plain `db` test runs in.
pytestmark = pytest.mark.django_db(transaction=True)

SUMMARY = re.compile(r"^recount: project \d+\.\d\ds, raw \d+\.\d\ds, ratio \d+\.\d\d, exact (yes|no)$")
SMALL = {"customers": 20, "environments_per_customer": 3, "users_per_environment": 8, "repeat": 1}


def run(**options) -> list[str]:
    out = StringIO()
    call_command("bench_refresh", **{**SMALL, "no_nightly": True, **options}, stdout=out)
    return out.getvalue().splitlines()


@pytest.fixture
def demo_customer():
    customer = CustomerFactory(number="12345")
    environment = EnvironmentFactory(customer=customer, code="O12345AA")
    EnvironmentUserFactory(environment=environment, code="12345.jansen")
    LicenseLineFactory(license=LicenseFactory(customer=customer), item="profit_users", scope="O", maximum=10)
    LicenseLine.objects.update(in_use=7)  # as last night's count left it: the bench must not touch it
    return customer


def test_it_ends_with_an_exact_summary_and_removes_its_data(demo_customer):
    lines = run(allow_other_customers=True)

    assert SUMMARY.match(lines[-1]), lines[-1]
    assert lines[-1].endswith("exact yes")
    assert any(line.startswith("cores: ") for line in lines)
    assert any("environment users" in line for line in lines if line.startswith("sizes: "))
    assert not bench_customers().exists()
    assert not UserIdentity.objects.filter(code__startswith=BENCH_CODE_PREFIX).exists()
    assert list(Customer.objects.values_list("number", flat=True)) == ["12345"]
    assert Environment.objects.get().code == "O12345AA"
    assert EnvironmentUser.objects.get().code == "12345.jansen"
    line = LicenseLine.objects.get()
    assert (line.maximum, line.in_use) == (10, 7)
    assert line.license.counted_at is None


def test_it_keeps_its_data_with_keep_and_can_reuse_it(demo_customer):
    run(keep=True, allow_other_customers=True)

    assert bench_customers().count() == 20
    assert License.objects.filter(customer__in=bench_customers(), counted_at__isnull=False).count() == 20
    users = EnvironmentUser.objects.filter(environment__customer__in=bench_customers()).count()
    assert users > 0

    lines = run(reuse=True, allow_other_customers=True)

    assert "reusing the bench environments' data; rebuilding licenses" in lines
    assert lines[-1].endswith("exact yes")
    assert not bench_customers().exists()
    assert Customer.objects.get().number == "12345"


def test_its_data_has_case_variants_blocked_users_and_coworkers():
    run(keep=True)

    users = EnvironmentUser.objects.filter(environment__customer__in=bench_customers())
    assert users.filter(blocked=True).exists()
    assert users.filter(kind="coworker").exists()
    assert users.annotate(lower=Lower("code")).exclude(code=F("lower")).exists()
    assert users.values("identity").annotate(n=Count("id")).filter(n__gt=1).exists()


def test_its_population_is_skewed_with_a_few_decommissioned_environments():
    customers, environments = plan_population(
        customers=1000, environments_per_customer=5, users_per_environment=40
    )

    pools = sorted(customer.user_pool for customer in customers)
    assert len(environments) == pytest.approx(5000, rel=0.01)
    assert sum(environment.users for environment in environments) == pytest.approx(200_000, rel=0.05)
    assert pools[-1] > 20 * pools[len(pools) // 2]
    assert 0 < sum(not environment.is_active for environment in environments) < 0.05 * len(environments)


def test_it_fails_when_the_project_recount_is_not_exact(monkeypatch):
    monkeypatch.setattr("benchmarks.measure.recount_customers", lambda *, customer_ids: None)
    out = StringIO()

    with pytest.raises(CommandError, match="differs from the raw SQL recount"):
        call_command("bench_refresh", **SMALL, stdout=out)

    lines = out.getvalue().splitlines()
    assert SUMMARY.match(lines[-1]) and lines[-1].endswith("exact no")
    assert any(line.startswith("  differs: ") for line in lines)
    assert not bench_customers().exists()


def test_more_than_ten_thousand_customers_are_numbered_down_from_99999():
    assert first_number_for(10_000) == 90000
    assert first_number_for(50_000) == 50000


def test_it_refuses_when_bench_numbers_belong_to_real_customers():
    CustomerFactory(number="90003", name="Echte klant BV")

    with pytest.raises(CommandError, match="90000-90019"):
        call_command("bench_refresh", **SMALL, stdout=StringIO())

    assert list(Customer.objects.values_list("number", flat=True)) == ["90003"]
    assert not Environment.objects.exists()


def test_it_refuses_a_database_with_customers_outside_its_numbers_and_touches_nothing():
    run(keep=True)  # bench data left in a database of its own; then real customers arrive
    CustomerFactory(number="12345")
    CustomerFactory(number="67890")
    bench_users = EnvironmentUser.objects.count()

    with pytest.raises(CommandError) as refused:
        run()

    assert str(refused.value) == OTHER_CUSTOMERS.format(
        count=2, own="90000-99999", command="bench_refresh", example="12345"
    )
    assert "--allow-other-customers" in str(refused.value)
    assert bench_customers().count() == 20
    assert EnvironmentUser.objects.count() == bench_users
    assert sorted(Customer.objects.exclude(id__in=bench_customers()).values_list("number", flat=True)) == [
        "12345",
        "67890",
    ]


def test_it_refuses_other_customers_before_generating_anything(demo_customer):
    with pytest.raises(CommandError, match="1 customer.*for example 12345.*--allow-other-customers"):
        run()

    assert list(Customer.objects.values_list("number", flat=True)) == ["12345"]
    assert Environment.objects.get().code == "O12345AA"
    assert EnvironmentUser.objects.get().code == "12345.jansen"
    assert not UserIdentity.objects.filter(code__startswith=BENCH_CODE_PREFIX).exists()
    line = LicenseLine.objects.get()
    assert (line.maximum, line.in_use) == (10, 7)


def test_it_times_the_nightly_job_on_two_real_workers(settings, demo_customer):
    if not settings.REDIS_URL:
        pytest.skip("the nightly job's workers need a real Redis")

    lines = run(no_nightly=False, allow_other_customers=True)

    assert "nightly: 20 customers processed, 0 failed" in "\n".join(lines)
    assert any(
        re.match(r"^nightly job: wall \d+\.\d\ds with 2 worker processes, raw", line) for line in lines
    )
    # One customer in 50 changed (at least one): counted, the others checked, exactly the full counts.
    assert any(
        re.match(r"^incremental night: 1 of 20 customers changed, 20 processed, 0 failed.*exact yes$", line)
        for line in lines
    ), lines
    assert any(line.startswith("worker peak memory (VmHWM): main process ") for line in lines)
    assert lines[-1].endswith("exact yes")
    assert not bench_customers().exists()
