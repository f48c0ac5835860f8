"""Runs of the nightly job: the once-a-day scheduled dispatch, batches, failures, the command."""

from datetime import UTC, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.exceptions import Retry
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import OperationalError

from licensing.models import LicenseLine
from licensing.monitoring import nightly, runs, tasks
from licensing.monitoring.models import LicenseWarning, RefreshBatch, RefreshRun, RunKind, UsageSnapshot
from tests.factories import CustomerFactory, EnvironmentFactory, EnvironmentUserFactory, LicenseLineFactory

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def customers(db):
    made = []
    for n in range(5):
        customer = CustomerFactory(number=f"{40000 + n:05d}")
        env = EnvironmentFactory(customer=customer, type="O")
        for u in range(n + 1):
            EnvironmentUserFactory(environment=env, code=f"u{u}")
        LicenseLineFactory(license__customer=customer, item="profit_users", scope="O", maximum=10, portal=8)
        made.append(customer)
    return made


def test_the_scheduled_dispatch_runs_once_per_day_however_often_it_is_sent(customers, settings):
    settings.LICENSE_REFRESH_BATCH_SIZE = 2

    first = tasks.refresh_all_licenses.delay()
    second = tasks.refresh_all_licenses.delay()

    run = RefreshRun.objects.get()
    assert first.result == run.id and second.result is None
    assert (run.kind, run.expected, run.processed, run.failed) == (RunKind.SCHEDULED, 5, 5, 0)
    assert run.finished_at is not None and run.dispatched_at is not None
    assert RefreshBatch.objects.filter(run=run, done_at__isnull=False).count() == 3
    assert set(LicenseLine.objects.filter(item="profit_users").values_list("portal", flat=True)) == {10}


def test_a_redelivered_batch_does_nothing(customers):
    run = runs.start_run(customer_ids=[c.id for c in customers])
    batch = run.batches.get()
    runs.process_batch(batch_id=batch.id)
    snapshots = list(UsageSnapshot.objects.values_list("id", "in_use"))

    assert runs.process_batch(batch_id=batch.id) is None

    run.refresh_from_db()
    assert (run.processed, run.failed) == (5, 0)
    assert list(UsageSnapshot.objects.values_list("id", "in_use")) == snapshots


def test_a_customer_that_fails_is_retried_alone_and_reported(customers, monkeypatch, caplog):
    bad = customers[2]
    original = nightly._stale_data

    def failing(*, ids, now):
        if bad.id in ids:
            raise ValueError("bad data")
        return original(ids=ids, now=now)

    monkeypatch.setattr(nightly, "_stale_data", failing)
    run = runs.start_run(customer_ids=[c.id for c in customers])

    result = runs.process_batch(batch_id=run.batches.get().id)

    run.refresh_from_db()
    assert result.failed == [bad.id]
    assert (run.processed, run.failed, run.failed_customers) == (4, 1, [bad.number])
    assert run.finished_at is not None
    assert UsageSnapshot.objects.filter(line__license__customer=bad).count() == 0
    assert UsageSnapshot.objects.exclude(line__license__customer=bad).count() == 8
    assert bad.number in caplog.text
    assert bad.license_refresh.failed_at is not None


def test_a_batch_that_keeps_failing_on_the_database_is_retried_then_reported(customers, monkeypatch):
    calls = []

    def down(**kwargs):
        calls.append(kwargs)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(nightly, "refresh_customers", down)
    run = runs.start_run(customer_ids=[c.id for c in customers])

    batch_id = run.batches.get().id

    with pytest.raises(Retry, match="Retry in 10s"):
        tasks.refresh_license_batch.apply(args=[batch_id], throw=True)
    run.refresh_from_db()
    assert (run.processed, run.failed, run.finished_at) == (0, 0, None)

    with pytest.raises(OperationalError):
        tasks.refresh_license_batch.apply(args=[batch_id], retries=5, throw=True)

    run.refresh_from_db()
    assert len(calls) == 2
    assert (run.processed, run.failed) == (0, 5)
    assert run.finished_at is not None
    assert sorted(run.failed_customers) == sorted(c.number for c in customers)


def test_refresh_licenses_runs_every_time_with_a_progress_bar(customers):
    out, err = StringIO(), StringIO()
    call_command("refresh_licenses", "--batch-size", "2", stdout=out, stderr=err)
    call_command("refresh_licenses", stdout=StringIO(), stderr=StringIO())

    assert RefreshRun.objects.filter(kind=RunKind.MANUAL, finished_at__isnull=False).count() == 2
    assert "5/5 customers" in err.getvalue() and "elapsed" in err.getvalue()
    assert "refreshed 5 of 5 customers" in out.getvalue()
    assert "5 deviations corrected" in out.getvalue()
    assert set(LicenseLine.objects.filter(item="profit_users").values_list("portal", flat=True)) == {10}


def test_refresh_licenses_for_one_customer(customers):
    out = StringIO()
    call_command("refresh_licenses", "--customer", customers[0].number, stdout=out, stderr=StringIO())

    assert "refreshed 1 of 1 customers" in out.getvalue()
    assert set(LicenseWarning.objects.values_list("customer_id", flat=True)) == {customers[0].id}


def test_refresh_licenses_refuses_while_a_run_is_in_progress(customers):
    running = runs.start_run(kind=RunKind.SCHEDULED, run_date=datetime(2026, 11, 28).date())

    with pytest.raises(CommandError, match=f"run {running.id}"):
        call_command("refresh_licenses", stdout=StringIO(), stderr=StringIO())

    assert RefreshRun.objects.count() == 1


def test_refresh_licenses_reports_a_batch_lost_to_a_database_error_and_finishes_its_run(
    customers, monkeypatch
):
    original = nightly.refresh_customers

    def failing(*, customer_ids, run=None, now=None):
        if customers[0].id in customer_ids:
            raise OperationalError("server closed the connection unexpectedly")
        return original(customer_ids=customer_ids, run=run, now=now)

    monkeypatch.setattr(nightly, "refresh_customers", failing)
    out, err = StringIO(), StringIO()

    with pytest.raises(CommandError, match=f"refresh failed for customers: {customers[0].number}, "):
        call_command("refresh_licenses", "--batch-size", "2", stdout=out, stderr=err)

    run = RefreshRun.objects.get()
    assert (run.processed, run.failed, run.finished_at is not None) == (3, 2, True)
    assert run.failed_customers == [customers[0].number, customers[1].number]
    assert "server closed the connection" in err.getvalue()
    assert "refreshed 3 of 5 customers" in out.getvalue()
    # The failed batch kept nothing; the others were refreshed; the next run is not refused.
    assert LicenseLine.objects.get(license__customer=customers[0], item="profit_users").portal == 8
    assert LicenseLine.objects.get(license__customer=customers[2], item="profit_users").portal == 10
    monkeypatch.setattr(nightly, "refresh_customers", original)
    call_command("refresh_licenses", stdout=StringIO(), stderr=StringIO())
    assert LicenseLine.objects.get(license__customer=customers[0], item="profit_users").portal == 10


def test_refresh_licenses_refuses_an_unknown_customer(customers):
    with pytest.raises(CommandError, match="99999 does not exist"):
        call_command("refresh_licenses", "--customer", "99999")


@pytest.mark.parametrize(
    ("now_utc", "expected_local"),
    [
        # Saturday before the end of summer time (CEST, UTC+2) and the night after it (CET, UTC+1).
        (datetime(2026, 10, 24, 12, 0, tzinfo=UTC), datetime(2026, 10, 25, 0, 30, tzinfo=AMSTERDAM)),
        (datetime(2026, 10, 25, 12, 0, tzinfo=UTC), datetime(2026, 10, 26, 0, 30, tzinfo=AMSTERDAM)),
        # The start of summer time.
        (datetime(2026, 3, 28, 12, 0, tzinfo=UTC), datetime(2026, 3, 29, 0, 30, tzinfo=AMSTERDAM)),
        (datetime(2026, 3, 29, 12, 0, tzinfo=UTC), datetime(2026, 3, 30, 0, 30, tzinfo=AMSTERDAM)),
    ],
)
def test_the_beat_schedule_fires_at_0030_amsterdam_on_both_sides_of_a_dst_change(now_utc, expected_local):
    from portal.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["nightly-license-refresh"]
    assert entry["task"] == "licensing.tasks.refresh_all_licenses"
    schedule = entry["schedule"]
    schedule.app = app
    with time_machine.travel(now_utc, tick=False):
        last_run = now_utc.astimezone(AMSTERDAM)
        remaining = schedule.remaining_estimate(last_run)
        next_run = (last_run + remaining).astimezone(AMSTERDAM)

    assert (next_run.hour, next_run.minute) == (0, 30)
    assert next_run.date() == expected_local.date()
    assert next_run.utcoffset() == expected_local.utcoffset()
