"""The nightly job counts only the customers whose inputs changed since their last count, one test per
kind of change; every customer still gets its staleness check; weekly and with --full it counts all."""

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command

from environments import services as environment_services
from environments.inputs import changed_since_counted, input_versions, inputs_counted, mark_inputs_changed
from environments.models import Environment, EnvironmentUser
from licensing.maintenance.services import user_set_blocked
from licensing.models import LicenseLine
from licensing.monitoring import tasks
from licensing.monitoring.models import (
    LicenseWarning,
    OutboxEmail,
    RefreshBatch,
    RefreshRun,
    Signal,
    WarningKind,
)
from licensing.monitoring.services import signal_copy, signal_update
from licensing.recount import recount_customer
from licensing.services import line_change_quantity, request_approve, request_submit
from portal.models import Customer, Role
from tests.factories import (
    EnvironmentFactory,
    EnvironmentUserFactory,
    LicenseLineFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)  # a Saturday night: not the weekly full run's


@pytest.fixture(autouse=True)
def _at_night():
    with time_machine.travel(NOW, tick=False):
        yield


def night(*args) -> set[str]:
    """One run of refresh_licenses; the numbers of the customers it counted."""
    call_command("refresh_licenses", *args, stdout=io.StringIO(), stderr=io.StringIO())
    run = RefreshRun.objects.order_by("id").last()
    counted = [
        n for ids in run.batches.filter(recount=True).values_list("customer_ids", flat=True) for n in ids
    ]
    return set(Customer.objects.filter(id__in=counted).values_list("number", flat=True))


def in_use(customer, item="profit_users", scope="O") -> int:
    return LicenseLine.objects.get(license__customer=customer, item=item, scope=scope).in_use


@pytest.fixture
def counted(customer_a, customer_b, beheerder):
    """Both customers with data, counted by a full night: nothing has changed since."""
    for customer in (customer_a, customer_b):
        environment = EnvironmentFactory(customer=customer, type="O", data_taken_at=NOW)
        for code in ("anna", "bram", "cor"):
            EnvironmentUserFactory(environment=environment, code=f"{customer.number}.{code}")
        LicenseLineFactory(license=customer.license, item="profit_users", scope="O", maximum=20)
    assert night("--full") == {"12345", "67890"}
    assert night() == set()
    return customer_a, customer_b


def snapshot(customer, code, users, taken_at="2026-11-28T01:10:00+00:00") -> bytes:
    return json.dumps(
        {
            "format": 1,
            "environment": code,
            "taken_at": taken_at,
            "users": [
                {
                    "code": f"{customer.number}.{u}",
                    "profit": True,
                    "insite": False,
                    "outsite": False,
                    "blocked": False,
                }
                for u in users
            ],
            "employees": [],
            "declarations": [],
            "clients": [],
        }
    ).encode()


def load_and_import(data: bytes):
    parsed = environment_services.load_snapshot(io.BytesIO(data), source_name="snapshot.json")
    environment_services.import_snapshots(snapshots=[parsed])


def test_a_night_without_changes_counts_nobody_and_keeps_the_counts(counted):
    customer_a, customer_b = counted
    assert night() == set()
    assert (in_use(customer_a), in_use(customer_b)) == (3, 3)


def test_an_import_with_new_content_counts_its_customer(counted):
    customer_a, customer_b = counted
    code = Environment.objects.get(customer=customer_a).code
    with time_machine.travel(NOW + timedelta(minutes=30), tick=False):
        load_and_import(snapshot(customer_a, code, ["anna", "bram", "cor", "dirk"]))
        assert night() == {"12345"}
        assert (in_use(customer_a), in_use(customer_b)) == (4, 3)
        # The same content again the next night: only taken_at, nobody counted.
        load_and_import(
            snapshot(customer_a, code, ["anna", "bram", "cor", "dirk"], "2026-11-28T01:10:00+00:00")
        )
        assert night() == set()


def test_a_block_and_an_unblock_count_their_customer(counted, beheerder):
    customer_a, _ = counted
    identity_id = EnvironmentUser.objects.get(code="12345.anna").identity_id
    for blocked, expected in ((True, 2), (False, 3)):
        user_set_blocked(
            customer=customer_a,
            by=beheerder,
            identity_id=identity_id,
            user_code="12345.anna",
            blocked=blocked,
        )
        assert night() == {"12345"}
        assert in_use(customer_a) == expected


def test_a_back_office_entitlement_change_counts_its_customer_and_corrects_the_portal(counted):
    customer_a, _ = counted
    call_command("set_entitlement", "12345", "profit_users", "O", "25", stdout=io.StringIO())
    assert night() == {"12345"}
    line = LicenseLine.objects.get(license__customer=customer_a, item="profit_users")
    assert (line.maximum, line.portal) == (25, 25)
    assert LicenseWarning.objects.filter(customer=customer_a, kind=WarningKind.DEVIATION).count() == 1


def test_a_self_service_change_and_an_approved_request_count_their_customer(counted, beheerder):
    customer_a, _ = counted
    line = LicenseLine.objects.get(license__customer=customer_a, item="profit_users")
    line_change_quantity(line=line, by=beheerder, quantity=15)
    assert night() == {"12345"}
    request = request_submit(
        customer=customer_a, by=beheerder, line=line, desired_quantity=18, motivation="groei"
    )
    request_approve(license_request=request, by=UserFactory(is_staff=True))
    assert night() == {"12345"}
    assert LicenseLine.objects.get(pk=line.pk).portal == 18


def test_an_environment_added_decommissioned_moved_or_deleted_counts_its_customers(counted):
    customer_a, customer_b = counted
    added = environment_services.environment_save(
        environment=Environment(customer=customer_a, code="T12345AA", type="T", data_taken_at=NOW)
    )
    assert night() == {"12345"}
    assert in_use(customer_a, "environments", "license") == 2

    added.is_active = False
    environment_services.environment_save(environment=added)
    assert night() == {"12345"}
    assert in_use(customer_a, "environments", "license") == 1

    added.customer, added.code, added.is_active = customer_b, "T67890AA", True
    environment_services.environment_save(environment=added)
    assert night() == {"12345", "67890"}
    assert in_use(customer_b, "environments", "license") == 2

    environment_services.environment_delete(environment=added)
    assert night() == {"67890"}
    assert in_use(customer_b, "environments", "license") == 1


def test_a_signal_change_counts_its_customer(counted):
    customer_a, _ = counted
    copy = signal_copy(signal=Signal.objects.get(is_builtin=True), customer=customer_a)
    assert night() == {"12345"}
    signal_update(signal=copy, name="Bijna vol", item="profit_users", scope="O", threshold=20, recipients=[])
    assert night() == {"12345"}
    assert LicenseWarning.objects.filter(signal=copy, resolved_at__isnull=True).count() == 1


def test_counting_now_outside_the_night_leaves_the_customer_for_the_next_night(counted):
    customer_a, _ = counted
    recount_customer(customer=customer_a)
    assert night() == {"12345"}


def test_an_unchanged_customer_still_gets_its_stale_data_warning_and_e_mail(counted):
    customer_a, customer_b = counted
    emails = OutboxEmail.objects.filter(customer=customer_a).count()  # A has a Beheerder to e-mail
    with time_machine.travel(NOW + timedelta(hours=37), tick=False):
        assert night() == set()
    for customer in (customer_a, customer_b):
        assert LicenseWarning.objects.filter(
            customer=customer, kind=WarningKind.STALE_DATA, resolved_at__isnull=True
        ).exists()
    assert OutboxEmail.objects.filter(customer=customer_a).count() == emails + 1
    # Fresh data again (same content: only taken_at): resolved on the next night, still uncounted.
    code = Environment.objects.get(customer=customer_b).code
    with time_machine.travel(NOW + timedelta(hours=38), tick=False):
        load_and_import(snapshot(customer_b, code, ["anna", "bram", "cor"], "2026-11-29T14:30:00+00:00"))
        load_and_import(snapshot(customer_b, code, ["anna", "bram", "cor"], "2026-11-29T14:40:00+00:00"))
        assert night() == {"67890"}  # the first import changed its content (factory rows before)
        assert not LicenseWarning.objects.filter(
            customer=customer_b, kind=WarningKind.STALE_DATA, resolved_at__isnull=True
        ).exists()


def test_a_deviation_of_an_unchanged_customer_is_still_found(counted):
    customer_a, _ = counted
    LicenseLine.objects.filter(license__customer=customer_a).update(maximum=30)  # behind every service's back
    assert night() == {"12345"}  # a deviation makes its customer changed
    line = LicenseLine.objects.get(license__customer=customer_a, item="profit_users")
    assert (line.maximum, line.portal) == (30, 30)
    assert LicenseWarning.objects.filter(customer=customer_a, kind=WarningKind.DEVIATION).exists()


def test_full_and_one_customer_count_regardless(counted):
    assert night("--full") == {"12345", "67890"}
    assert night("--customer", "67890") == {"67890"}


def test_the_scheduled_run_counts_everyone_on_its_weekday(counted, settings):
    saturday, sunday = NOW + timedelta(days=7), NOW + timedelta(days=8)
    settings.LICENSE_FULL_RECOUNT_WEEKDAY = 6
    for day, expected in ((saturday, 0), (sunday, 2)):
        with time_machine.travel(day, tick=False):
            tasks.refresh_all_licenses.delay()
        run = RefreshRun.objects.order_by("id").last()
        assert sum(len(b.customer_ids) for b in run.batches.filter(recount=True)) == expected
        assert run.processed == 2


def test_unchanged_customers_go_in_check_batches_of_their_own_size(counted, settings):
    settings.LICENSE_CHECK_BATCH_SIZE = 1
    night()
    batches = RefreshBatch.objects.filter(run=RefreshRun.objects.order_by("id").last())
    assert [(b.recount, len(b.customer_ids)) for b in batches] == [(False, 1), (False, 1)]


def test_a_change_committed_after_the_versions_were_read_stays_for_the_next_night(customer_a):
    mark_inputs_changed(customer_ids=[customer_a.id])
    versions = input_versions(customer_ids=[customer_a.id])
    mark_inputs_changed(customer_ids=[customer_a.id])  # while the count runs
    inputs_counted(versions=versions)
    assert Customer.objects.filter(changed_since_counted()).get() == customer_a

    inputs_counted(versions=input_versions(customer_ids=[customer_a.id]))
    assert not Customer.objects.filter(changed_since_counted()).exists()


def test_a_customer_never_counted_is_counted(customer_a, customer_b):
    assert night() == {"12345", "67890"}
    MembershipFactory(customer=customer_a, role=Role.BEHEERDER)  # a role is no input of the count
    assert night() == set()
