"""The nightly job through a real Celery worker and the real Redis, started by the test.

The worker is a separate process on the test database (transaction=True, so it sees committed data).
One test runs the dispatcher end to end; the other kills the worker with SIGKILL in the middle of a
batch and lets a new worker pick the batch up again: the result is exact and no e-mail goes twice.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
import redis
from django.conf import settings
from django.db import connection

from licensing.models import License, LicenseLine
from licensing.monitoring import tasks
from licensing.monitoring.models import LicenseWarning, OutboxEmail, RefreshBatch, RefreshRun, UsageSnapshot
from portal.celery import app
from portal.models import Role
from tests.factories import (
    CustomerFactory,
    EnvironmentFactory,
    EnvironmentUserFactory,
    LicenseLineFactory,
    MembershipFactory,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

CUSTOMERS = 6
BATCH_SIZE = 2
CELERY = Path(sys.executable).with_name("celery")


@pytest.fixture
def broker():
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL: a real Redis for the real worker")
    client = redis.Redis.from_url(settings.REDIS_URL)
    app.conf.task_always_eager = False

    def clear():
        app.control.purge()
        client.delete("unacked", "unacked_index", "unacked_mutex")

    clear()
    yield client
    clear()


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    def __init__(self, tmp_path: Path, name: str):
        self.mail_dir = tmp_path / "mail"
        self.log = tmp_path / f"{name}.log"
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "CELERY_VISIBILITY_TIMEOUT": "3",
            "LICENSE_REFRESH_BATCH_SIZE": str(BATCH_SIZE),
            "EMAIL_URL": f"filemail:///{self.mail_dir}",  # environ drops one leading slash
        }
        self.process = subprocess.Popen(
            [str(CELERY), "-A", "portal", "worker", "-c", "2", "-n", f"{name}@%h", "-l", "info"]
            + ["--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(lambda: "ready." in self.log.read_text(), what=f"worker {name} to start", log=self.log)

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_for(condition, *, what: str, timeout: float = 60, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.2)
    detail = log.read_text()[-3000:] if log and log.exists() else ""
    raise AssertionError(f"timed out waiting for {what}\n{detail}")


@pytest.fixture
def data(db):
    customers = []
    for n in range(CUSTOMERS):
        customer = CustomerFactory(number=f"{70000 + n:05d}")
        environment = EnvironmentFactory(customer=customer, type="O", code=f"O{customer.number}AA")
        for u in range(n + 2):
            EnvironmentUserFactory(environment=environment, code=f"user{u}")
        LicenseLineFactory(license__customer=customer, item="profit_users", scope="O", maximum=20, portal=15)
        LicenseLineFactory(license__customer=customer, item="environments", scope="license", maximum=3)
        MembershipFactory(customer=customer, role=Role.BEHEERDER)
        customers.append(customer)
    return customers


def waiting_on_a_lock() -> int:
    """Backends blocked on a lock; asked outside any transaction, where pg_stat_activity is fresh."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def sent_messages(mail_dir: Path) -> int:
    return sum(path.read_text().count("Message-ID:") for path in mail_dir.glob("*.log"))


def assert_exact_state(customers, mail_dir: Path) -> None:
    run = RefreshRun.objects.get()
    assert (run.expected, run.processed, run.failed, run.failed_customers) == (CUSTOMERS, CUSTOMERS, 0, [])
    assert RefreshBatch.objects.filter(done_at__isnull=True).count() == 0
    for n, customer in enumerate(customers):
        line = LicenseLine.objects.get(license__customer=customer, item="profit_users")
        assert (line.maximum, line.portal, line.in_use) == (20, 20, n + 2)
    assert UsageSnapshot.objects.count() == 2 * CUSTOMERS
    assert sorted(LicenseWarning.objects.values_list("kind", flat=True)) == sorted(
        ["deviation"] * CUSTOMERS + ["stale_data"] * CUSTOMERS
    )
    assert LicenseWarning.objects.filter(kind="deviation", maximum=20, portal=15).count() == CUSTOMERS
    assert OutboxEmail.objects.count() == CUSTOMERS
    wait_for(
        lambda: not OutboxEmail.objects.filter(sent_at__isnull=True).exists(), what="the outbox to be sent"
    )
    time.sleep(1)  # a duplicate send, if there were one, would land now
    assert sent_messages(mail_dir) == CUSTOMERS


def test_the_dispatcher_fans_batches_out_over_a_real_worker(broker, data, tmp_path):
    worker = Worker(tmp_path, "nightly")
    try:
        tasks.refresh_all_licenses.delay()
        tasks.refresh_all_licenses.delay()  # a second beat by mistake: the daily lock keeps one run

        wait_for(
            lambda: RefreshRun.objects.filter(finished_at__isnull=False).exists(),
            what="the run to finish",
            log=worker.log,
        )
        assert_exact_state(data, worker.mail_dir)
        assert RefreshRun.objects.get().kind == "scheduled"
        assert "refresh_license_batch" in worker.log.read_text()
    finally:
        worker.stop()


def test_a_worker_killed_in_the_middle_of_a_batch_ends_exact_without_duplicate_emails(broker, data, tmp_path):
    blocked = data[3]
    lock = psycopg.connect(
        **{
            "dbname": connection.settings_dict["NAME"],
            "user": connection.settings_dict["USER"],
            "host": connection.settings_dict["HOST"] or "127.0.0.1",
            "port": connection.settings_dict["PORT"] or 5432,
            "password": connection.settings_dict["PASSWORD"] or None,
        }
    )
    first = Worker(tmp_path, "first")
    second = None
    try:
        # Hold the license row of one customer, so its batch stops inside its transaction.
        lock.execute("SELECT id FROM licensing_license WHERE customer_id = %s FOR UPDATE", [blocked.id])
        tasks.refresh_all_licenses.delay()
        wait_for(
            lambda: waiting_on_a_lock() > 0,
            what="the worker to wait on the locked customer",
            log=first.log,
        )
        first.kill()
        lock.rollback()

        run = RefreshRun.objects.get()
        assert run.finished_at is None
        assert run.batches.filter(done_at__isnull=True).exists()
        assert not LicenseLine.objects.filter(
            license__customer=blocked, item="profit_users", portal=20
        ).exists()
        assert not UsageSnapshot.objects.filter(line__license__customer=blocked).exists()

        time.sleep(3.5)  # past the visibility timeout: the killed worker's message is delivered again
        second = Worker(tmp_path, "second")
        wait_for(
            lambda: RefreshRun.objects.filter(finished_at__isnull=False).exists(),
            what="the run to finish after the restart",
            log=second.log,
        )
        assert_exact_state(data, second.mail_dir)
        assert License.objects.get(customer=blocked).counted_at is not None
    finally:
        first.kill()
        if second:
            second.stop()
        lock.close()
