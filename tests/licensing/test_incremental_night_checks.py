"""What an incremental night does for the customers it does not count, and the shortcuts of its batches:
each shortcut shown unable to skip a change (the summary's no-login rule, a still-open deviation, the
day's snapshots, the built-in signal)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from environments.inputs import mark_inputs_changed
from environments.models import UserSummary
from environments.summary import NO_RECENT_LOGIN
from licensing.models import LicenseLine
from licensing.monitoring import nightly, runs, services
from licensing.monitoring.models import LicenseWarning, RefreshBatch, Signal, UsageSnapshot, WarningKind
from portal.models import Customer
from tests.factories import EnvironmentFactory, EnvironmentUserFactory, LicenseLineFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)


def night(*, full: bool = False) -> RefreshBatch:
    run = runs.start_run(customer_ids=list(Customer.objects.values_list("id", flat=True)), full=full)
    for batch in RefreshBatch.objects.filter(run=run).order_by("id"):
        runs.process_batch(batch_id=batch.id)
    return run


def counted_ids(run) -> list[list[int]]:
    return [b.customer_ids for b in run.batches.filter(recount=True).order_by("id")]


@pytest.fixture
def counted(customer_a, customer_b):
    """Both customers with a user in production (last login 89 days ago), counted by a full night."""
    with time_machine.travel(NOW, tick=False):
        for customer in (customer_a, customer_b):
            environment = EnvironmentFactory(customer=customer, type="O", data_taken_at=NOW)
            EnvironmentUserFactory(
                environment=environment, code=f"{customer.number}.anna", last_login=NOW - timedelta(days=89)
            )
            LicenseLineFactory(license=customer.license, item="profit_users", scope="O", maximum=20)
        night(full=True)
        assert counted_ids(night()) == []
    return customer_a, customer_b


def test_an_unchanged_customers_users_get_the_no_login_rule_when_their_login_turns_90_days_old(counted):
    customer_a, customer_b = counted
    assert not any(facts & NO_RECENT_LOGIN for facts in UserSummary.objects.values_list("facts", flat=True))
    with time_machine.travel(NOW + timedelta(days=1, hours=1), tick=False):
        run = night()
    assert counted_ids(run) == []  # neither was counted, both were checked
    for customer in (customer_a, customer_b):
        row = UserSummary.objects.get(customer=customer)
        assert row.facts & NO_RECENT_LOGIN
        assert row.login_ages_at is None


def test_a_deviation_warning_still_open_is_resolved_by_the_next_count(counted):
    customer_a, _ = counted
    line = LicenseLine.objects.get(license__customer=customer_a, item="profit_users")
    LicenseWarning.objects.create(
        customer=customer_a, kind=WarningKind.DEVIATION, line=line, maximum=20, portal=19, opened_at=NOW
    )
    mark_inputs_changed(customer_ids=[customer_a.id])
    with time_machine.travel(NOW, tick=False):
        night()
    assert not LicenseWarning.objects.filter(kind=WarningKind.DEVIATION, resolved_at__isnull=True).exists()


def test_a_rerun_the_same_day_rewrites_only_the_snapshots_whose_numbers_changed(counted):
    customer_a, _ = counted
    line = LicenseLine.objects.get(license__customer=customer_a, item="profit_users")
    before = UsageSnapshot.objects.get(line=line)
    with time_machine.travel(NOW, tick=False):
        nightly.refresh_customers(customer_ids=[customer_a.id])
        assert UsageSnapshot.objects.get(line=line).in_use == before.in_use == 1
        LicenseLine.objects.filter(id=line.id).update(maximum=25, portal=25)
        EnvironmentUserFactory(environment=customer_a.environments.get(), code="12345.bram")
        nightly.refresh_customers(customer_ids=[customer_a.id])
    after = UsageSnapshot.objects.get(line=line)
    assert (after.id, after.in_use, after.maximum) == (before.id, 2, 25)


def test_a_lost_builtin_signal_is_made_again_and_fires(customer_a):
    environment = EnvironmentFactory(customer=customer_a, type="O", data_taken_at=NOW)
    for n in range(3):
        EnvironmentUserFactory(environment=environment, code=f"user{n}")
    LicenseLineFactory(license=customer_a.license, item="profit_users", scope="O", maximum=5)
    Signal.objects.filter(is_builtin=True).delete()
    with time_machine.travel(NOW, tick=False):
        nightly.refresh_customers(customer_ids=[customer_a.id])
    builtin = Signal.objects.get(is_builtin=True)
    assert LicenseWarning.objects.filter(
        customer=customer_a, kind=WarningKind.SIGNAL, signal=builtin, resolved_at__isnull=True
    ).exists()


def test_an_inactive_builtin_signal_stays_silent(customer_a):
    environment = EnvironmentFactory(customer=customer_a, type="O", data_taken_at=NOW)
    EnvironmentUserFactory(environment=environment, code="user0")
    LicenseLineFactory(license=customer_a.license, item="profit_users", scope="O", maximum=2)
    services.ensure_builtin_signal()
    Signal.objects.filter(is_builtin=True).update(is_active=False)
    with time_machine.travel(NOW, tick=False):
        nightly.refresh_customers(customer_ids=[customer_a.id])
    assert not LicenseWarning.objects.filter(kind=WarningKind.SIGNAL).exists()
    assert Signal.objects.filter(is_builtin=True).count() == 1
