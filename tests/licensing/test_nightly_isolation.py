"""One customer's bad data fails that customer only: the rest of its batch is refreshed, the customer is
reported on the run with its error, and the next night refreshes it normally.

The errors are real PostgreSQL errors, not mocks: a trigger made by the test that refuses the usage
snapshot of one customer's lines, and an environment whose stored `taken_at` cannot be read back.
"""

from contextlib import contextmanager
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from licensing.models import LicenseLine
from licensing.monitoring import nightly, runs, tasks
from licensing.monitoring.models import (
    CustomerRefresh,
    DeviationCause,
    LicenseWarning,
    OutboxEmail,
    RefreshBatch,
    RefreshRun,
    UsageSnapshot,
    WarningKind,
)
from portal.models import Role
from tests.factories import (
    CustomerFactory,
    EnvironmentFactory,
    EnvironmentUserFactory,
    LicenseLineFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(timezone.datetime(2026, 11, 28, 0, 30))
REFUSED = "usage snapshot refused for this customer"


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the errors here are PostgreSQL's own")


@pytest.fixture
def customers(db):
    """Four customers, each 6 Profit users in production on a line of 5 that the portal shows as 4:
    a night counts 6, corrects the deviation, opens over-use and the built-in signal, and e-mails."""
    made = []
    with time_machine.travel(NOW, tick=False):
        for n in range(4):
            customer = CustomerFactory(number=f"{50000 + n:05d}")
            environment = EnvironmentFactory(customer=customer, type="O", data_taken_at=timezone.now())
            for u in range(6):
                EnvironmentUserFactory(environment=environment, code=f"{customer.number}.user{u}")
            LicenseLineFactory(
                license__customer=customer, item="profit_users", scope="O", maximum=5, portal=4
            )
            LicenseLineFactory(license__customer=customer, item="environments", scope="license", maximum=3)
            email = f"beheerder{customer.number}@example.nl"
            MembershipFactory(customer=customer, role=Role.BEHEERDER, contact__user__email=email)
            made.append(customer)
    return made


@contextmanager
def refusing_snapshots_of(customer):
    """A trigger that makes PostgreSQL refuse every usage snapshot row of `customer`'s lines."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            CREATE FUNCTION test_refuse_snapshot() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF EXISTS (
                    SELECT 1 FROM licensing_licenseline l JOIN licensing_license c ON c.id = l.license_id
                    WHERE l.id = NEW.line_id AND c.customer_id = {int(customer.id)}
                ) THEN
                    RAISE EXCEPTION '{REFUSED}';
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER test_refuse_snapshot BEFORE INSERT OR UPDATE ON licensing_usagesnapshot
                FOR EACH ROW EXECUTE FUNCTION test_refuse_snapshot();
            """
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER test_refuse_snapshot ON licensing_usagesnapshot")
            cursor.execute("DROP FUNCTION test_refuse_snapshot()")


def line_of(customer) -> LicenseLine:
    return LicenseLine.objects.get(license__customer=customer, item="profit_users", scope="O")


def assert_refreshed(customer):
    line = line_of(customer)
    assert (line.in_use, line.maximum, line.portal) == (6, 5, 5)
    assert list(UsageSnapshot.objects.filter(line=line).values_list("in_use", "maximum")) == [(6, 5)]
    opened = LicenseWarning.objects.filter(customer=customer)
    assert sorted(opened.values_list("kind", flat=True)) == sorted(
        [WarningKind.DEVIATION, WarningKind.OVER_USE, WarningKind.SIGNAL]
    )
    assert opened.filter(kind=WarningKind.SIGNAL, signal__is_builtin=True, resolved_at__isnull=True).exists()
    assert OutboxEmail.objects.filter(customer=customer).count() == 1
    assert customer.license_refresh.refreshed_at is not None


def assert_untouched(customer):
    line = line_of(customer)
    assert (line.in_use, line.maximum, line.portal) == (0, 5, 4)
    assert not UsageSnapshot.objects.filter(line__license__customer=customer).exists()
    assert not LicenseWarning.objects.filter(customer=customer).exists()
    assert not OutboxEmail.objects.filter(customer=customer).exists()


def state():
    return (
        sorted(LicenseLine.objects.values_list("id", "in_use", "maximum", "portal")),
        sorted(UsageSnapshot.objects.values_list("line_id", "date", "in_use", "maximum")),
        sorted(
            LicenseWarning.objects.values_list("customer_id", "kind", "line_id", "signal_id", "resolved_at")
        ),
        sorted(OutboxEmail.objects.values_list("dedupe_key", flat=True)),
    )


def test_a_database_error_for_one_customer_fails_that_customer_only(customers):
    bad = customers[2]
    with time_machine.travel(NOW, tick=False), refusing_snapshots_of(bad):
        run = runs.start_run(customer_ids=[c.id for c in customers])
        batch = run.batches.get()

        result = runs.process_batch(batch_id=batch.id)

    assert result.failed == [bad.id]
    assert (result.customers, result.deviations) == (3, 3)
    for customer in customers:
        if customer != bad:
            assert_refreshed(customer)
    assert_untouched(bad)
    run.refresh_from_db()
    batch.refresh_from_db()
    assert (run.processed, run.failed, run.failed_customers) == (3, 1, [bad.number])
    assert run.finished_at is not None
    assert batch.failed_customers == [bad.number]
    assert batch.error.startswith(f"{bad.number}: ")
    assert REFUSED in batch.error
    assert [c.number for c in customers if c != bad and c.number in batch.error] == []
    refresh = CustomerRefresh.objects.get(customer=bad)
    assert refresh.failed_at is not None and refresh.refreshed_at is None


def test_the_normal_night_refreshes_the_batch_in_one_set_based_pass(customers, monkeypatch):
    calls = []
    original = nightly.refresh_customers

    def counting(**kwargs):
        calls.append(sorted(kwargs["customer_ids"]))
        return original(**kwargs)

    monkeypatch.setattr(nightly, "refresh_customers", counting)
    with time_machine.travel(NOW, tick=False):
        run = runs.start_run(customer_ids=[c.id for c in customers])

        runs.process_batch(batch_id=run.batches.get().id)

    assert calls == [sorted(c.id for c in customers)]
    for customer in customers:
        assert_refreshed(customer)


def test_running_it_twice_with_the_bad_customer_gives_the_state_of_once(customers):
    bad = customers[0]
    with time_machine.travel(NOW, tick=False), refusing_snapshots_of(bad):
        first = runs.start_run(customer_ids=[c.id for c in customers])
        runs.process_batch(batch_id=first.batches.get().id)
        once = state()
        second = runs.start_run(customer_ids=[c.id for c in customers])
        result = runs.process_batch(batch_id=second.batches.get().id)

    assert state() == once
    assert (result.failed, result.opened, result.emails) == ([bad.id], 0, 0)


def test_the_back_office_run_page_names_the_failed_customer_with_its_error(customers, client):
    bad = customers[0]
    with time_machine.travel(NOW, tick=False), refusing_snapshots_of(bad):
        run = runs.start_run(customer_ids=[c.id for c in customers], batch_size=2)
        for batch in run.batches.order_by("id"):
            runs.process_batch(batch_id=batch.id)
    client.force_login(get_user_model().objects.create_superuser("staff@example.nl", "staff@example.nl", "x"))

    response = client.get(reverse("admin:monitoring_refreshrun_change", args=[run.id]))

    assert response.status_code == 200
    assert f"{bad.number}: ProgrammingError: {REFUSED}" in response.content.decode()
    assert list(run.batches.exclude(error="").values_list("failed_customers", flat=True)) == [[bad.number]]


def test_the_celery_task_isolates_the_customer_and_finishes_the_run(customers, settings):
    bad = customers[1]
    settings.LICENSE_REFRESH_BATCH_SIZE = 2
    with time_machine.travel(NOW, tick=False), refusing_snapshots_of(bad):
        tasks.refresh_all_licenses.delay()

    run = RefreshRun.objects.get()
    assert (run.expected, run.processed, run.failed, run.failed_customers) == (4, 3, 1, [bad.number])
    assert run.finished_at is not None
    assert not RefreshBatch.objects.filter(run=run, done_at__isnull=True).exists()
    failed_batch = RefreshBatch.objects.get(run=run, failed_customers=[bad.number])
    assert REFUSED in failed_batch.error
    for customer in customers:
        if customer != bad:
            assert_refreshed(customer)
    assert_untouched(bad)


def test_refresh_licenses_exits_1_naming_the_customer_and_its_error(customers):
    bad = customers[3]
    out, err = StringIO(), StringIO()
    refused = pytest.raises(CommandError, match=f"refresh failed for customers: {bad.number} ")
    with time_machine.travel(NOW, tick=False), refusing_snapshots_of(bad), refused as failed:
        call_command("refresh_licenses", "--batch-size", "3", stdout=out, stderr=err)

    assert failed.value.returncode == 1
    assert f"customer {bad.number} failed:" in err.getvalue() and REFUSED in err.getvalue()
    assert "refreshed 3 of 4 customers" in out.getvalue()
    run = RefreshRun.objects.get()
    assert (run.processed, run.failed, run.failed_customers, run.finished_at is not None) == (
        3,
        1,
        [bad.number],
        True,
    )
    for customer in customers[:3]:
        assert_refreshed(customer)
    assert_untouched(bad)


def test_the_next_night_refreshes_the_bad_customer_normally(customers):
    bad = customers[2]
    with time_machine.travel(NOW, tick=False), refusing_snapshots_of(bad), pytest.raises(CommandError):
        call_command("refresh_licenses", stdout=StringIO(), stderr=StringIO())
    good_warnings = set(LicenseWarning.objects.values_list("id", flat=True))

    out = StringIO()
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        call_command("refresh_licenses", stdout=out, stderr=StringIO())

    assert "refreshed 4 of 4 customers" in out.getvalue()
    line = line_of(bad)
    assert (line.in_use, line.maximum, line.portal) == (6, 5, 5)
    assert UsageSnapshot.objects.filter(line=line).count() == 1
    assert sorted(LicenseWarning.objects.filter(customer=bad).values_list("kind", flat=True)) == sorted(
        [WarningKind.DEVIATION, WarningKind.OVER_USE, WarningKind.SIGNAL]
    )
    assert OutboxEmail.objects.filter(customer=bad).count() == 1
    assert (
        LicenseWarning.objects.get(customer=bad, kind=WarningKind.DEVIATION).cause
        == DeviationCause.FAILED_RUN
    )
    # The others were refreshed the night before and their inputs did not change: nothing new opened for
    # them, and no second day's snapshots (3 customers, 2 lines, 1 day; a day without one has the
    # numbers of the day before).
    assert set(LicenseWarning.objects.exclude(customer=bad).values_list("id", flat=True)) == good_warnings
    assert OutboxEmail.objects.exclude(customer=bad).count() == 3
    assert UsageSnapshot.objects.exclude(line__license__customer=bad).count() == 6
    assert RefreshRun.objects.order_by("id").last().failed_customers == []


def test_data_the_database_cannot_hand_back_fails_only_its_customer(customers):
    # A `taken_at` of year 1 in +01:00 is stored by PostgreSQL (year 1 BC in UTC), but cannot be read
    # back into Python: the stale-data step fails for this customer, whatever batch it is in.
    bad = customers[1]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE environments_environment SET data_taken_at = '0001-01-01T00:30:00+01:00' "
            "WHERE customer_id = %s",
            [bad.id],
        )
    with time_machine.travel(NOW, tick=False):
        run = runs.start_run(customer_ids=[c.id for c in customers])
        result = runs.process_batch(batch_id=run.batches.get().id)

    assert result.failed == [bad.id]
    for customer in customers:
        if customer != bad:
            assert_refreshed(customer)
    assert_untouched(bad)
    batch = run.batches.get()
    assert batch.failed_customers == [bad.number]
    assert batch.error.startswith(f"{bad.number}: DataError")
