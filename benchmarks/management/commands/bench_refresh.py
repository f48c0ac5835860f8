"""`manage.py bench_refresh`: the project's recount timed against a hand-written SQL recount, and the
nightly job on two Celery workers, over a synthetic population of bench customers (90000-99999)."""

import os
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from benchmarks import dataset, measure, reference
from benchmarks.guard import add_allow_other_customers, refuse_other_customers
from benchmarks.population import BENCH_MAX_CUSTOMERS, first_number_for, plan_population
from benchmarks.server import database_url
from benchmarks.workers import peak_memory
from licensing.monitoring import outbox, runs
from licensing.monitoring.models import OutboxEmail, RefreshRun, RunKind
from licensing.monitoring.tasks import dispatch_run
from portal.celery import app

# The share of customers whose data changes on the incremental night's day.
CHANGED_SHARE = 0.02


class Command(BaseCommand):
    help = (
        "Builds a synthetic data set (bench customers only), times the project's full recount against "
        "a hand-written SQL recount of the same data, and checks that they agree exactly."
    )

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=10_000)
        parser.add_argument(
            "--scale",
            type=int,
            default=1,
            help="multiply the number of customers (5: 50,000 customers, 250,000 environments, 10 million "
            "user rows)",
        )
        parser.add_argument("--environments-per-customer", type=float, default=5.0)
        parser.add_argument("--users-per-environment", type=float, default=40.0)
        parser.add_argument("--batch-size", type=int, default=settings.LICENSE_REFRESH_BATCH_SIZE)
        parser.add_argument(
            "--daily-change",
            type=float,
            default=0.01,
            help="fraction of user rows blocked/unblocked and of rows changing InSite access between the "
            "first count and the measured nightly recount (default 0.01 each)",
        )
        parser.add_argument(
            "--repeat",
            type=int,
            default=5,
            help="measure each recount this many times (each after its own day of changes); medians count",
        )
        parser.add_argument(
            "--no-nightly",
            action="store_true",
            help="skip the full nightly job on two Celery worker processes (it needs REDIS_URL)",
        )
        parser.add_argument(
            "--discard-first-emails",
            action="store_true",
            help="mark the first nightly run's e-mails sent instead of sending them before the measured "
            "nights (at --scale 5 there are ~48,000)",
        )
        parser.add_argument("--keep", action="store_true", help="leave the bench data in the database")
        parser.add_argument(
            "--reuse",
            action="store_true",
            help="reuse the environments' data a --keep run left (same --customers); licenses are rebuilt",
        )
        add_allow_other_customers(parser)

    def handle(
        self,
        *args,
        customers,
        scale,
        environments_per_customer,
        users_per_environment,
        batch_size,
        daily_change,
        repeat,
        no_nightly,
        discard_first_emails,
        keep,
        reuse,
        allow_other_customers,
        **o,
    ):
        customers *= scale
        if not 1 <= customers <= BENCH_MAX_CUSTOMERS:
            raise CommandError(f"--customers times --scale must be between 1 and {BENCH_MAX_CUSTOMERS}.")
        if environments_per_customer < 1 or users_per_environment < 1 or batch_size < 1 or repeat < 1:
            raise CommandError(
                "--environments-per-customer, --users-per-environment, --batch-size and --repeat "
                "must be >= 1."
            )
        try:
            dataset.require_postgresql()
            dataset.check_numbers_free(customers)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from None
        refuse_other_customers(
            command="bench_refresh",
            first=f"{first_number_for(customers):05d}",
            last="99999",
            allowed=allow_other_customers,
        )

        self.stdout.write(f"cores: {os.cpu_count()}, autovacuum: {measure.autovacuum_setting()}")
        started = time.monotonic()
        customer_shapes, environment_shapes = plan_population(
            customers=customers,
            environments_per_customer=environments_per_customer,
            users_per_environment=users_per_environment,
            first_number=first_number_for(customers),
        )
        reuse = reuse and dataset.bench_customers().count() == customers
        if reuse:
            self.stdout.write("reusing the bench environments' data; rebuilding licenses")
            dataset.delete_bench_licenses()
        else:
            dataset.delete_bench_data(progress=self.stdout.write)
            self.stdout.write(
                f"generating {len(customer_shapes):,} customers, {len(environment_shapes):,} environments, "
                f"{sum(e.users for e in environment_shapes):,} user rows"
            )
        dataset.generate(
            customer_shapes=customer_shapes,
            environment_shapes=environment_shapes,
            progress=self.stdout.write,
            licenses_only=reuse,
        )
        dataset.vacuum_analyze(progress=self.stdout.write)
        self.stdout.write(f"generated in {time.monotonic() - started:.1f}s")
        sizes = dataset.bench_sizes()
        self.stdout.write("sizes: " + ", ".join(f"{label} {n:,}" for label, n in sizes.items()))

        ids = sorted(dataset.bench_customers().values_list("id", flat=True))
        reference.raw_recount(customer_ids=ids)  # warm the cache, so neither timing pays for cold reads

        # The first count writes nearly every line; a nightly one finds most numbers unchanged. Each
        # measured recount follows a day of changes and is checked against a raw recount right after.
        first = measure.timed_recount(customer_ids=ids, batch_size=len(ids))
        self.stdout.write(f"first recount (writes nearly every line): {first:.2f}s")
        project, raw_seconds, wrong = self._medians(ids, len(ids), daily_change, repeat)
        self.stdout.write(
            f"full recount, one set-based pass: {project:.2f}s, raw {raw_seconds:.2f}s, "
            f"ratio {project / raw_seconds:.2f} (medians of {repeat})"
        )
        batched, batched_raw, batched_wrong = self._medians(ids, batch_size, daily_change, repeat)
        self.stdout.write(
            f"recount in nightly batches of {batch_size}: {batched:.2f}s, raw {batched_raw:.2f}s, "
            f"ratio {batched / batched_raw:.2f} (medians of {repeat})"
        )
        wrong += batched_wrong
        per_million = 1e6 / max(sizes["environment users"], 1)
        self.stdout.write(
            f"per million user rows: full recount {project * per_million:.3f}s, "
            f"raw {raw_seconds * per_million:.3f}s"
        )
        if not no_nightly:
            self.discard_first_emails = discard_first_emails
            wrong += self._nightly(ids, batch_size, raw_seconds, daily_change, per_million)
        for (customer_id, item, scope), stored, expected in wrong[:20]:
            self.stdout.write(
                f"  differs: customer id {customer_id} {item} {scope}: project {stored}, raw {expected}"
            )

        if not keep:
            dataset.delete_bench_data(progress=self.stdout.write)
        exact = "no" if wrong else "yes"
        self.stdout.write(
            f"recount: project {project:.2f}s, raw {raw_seconds:.2f}s, "
            f"ratio {project / raw_seconds:.2f}, exact {exact}"
        )
        if wrong:
            raise CommandError(
                f"the project's recount differs from the raw SQL recount in {len(wrong)} counts"
            )

    def _medians(self, ids: list[int], batch_size: int, daily_change: float, repeat: int):
        return measure.medians(
            customer_ids=ids,
            batch_size=batch_size,
            daily_change=daily_change,
            repeat=repeat,
            progress=self.stdout.write,
        )

    def _nightly_run(self, ids, batch_size, queue, worker, *, full) -> tuple[float, RefreshRun, int]:
        """One run on the workers; its wall time runs from before start_run to the `finished_at` its
        last batch stamps (the same clock), so that waiting for it can poll slowly: a poll every 10 ms
        took a share of this machine's two cores from the workers it measured."""
        emails_before = OutboxEmail.objects.count()
        started = timezone.now()
        run = runs.start_run(kind=RunKind.MANUAL, customer_ids=ids, batch_size=batch_size, full=full)
        dispatch_run(run.id, queue=queue)
        while not RefreshRun.objects.filter(id=run.id, finished_at__isnull=False).exists():
            if worker.poll() is not None:
                raise CommandError("the Celery worker stopped during the nightly job")
            time.sleep(0.1)
        run.refresh_from_db()
        wall = (run.finished_at - started).total_seconds()
        return wall, run, OutboxEmail.objects.count() - emails_before

    def _nightly(self, ids, batch_size, raw_seconds, daily_change, per_million) -> list:
        """The whole nightly job over the bench customers, fanned out to two Celery worker processes: a
        regular night (every customer changed) and an incremental one (CHANGED_SHARE changed), which
        must leave exactly the counts of a full recount. Returns the counts that differ."""
        if not settings.REDIS_URL:
            self.stdout.write("nightly job: skipped (the Celery workers need REDIS_URL)")
            return []
        # A queue of its own, so the bench never takes or leaves tasks of a real deployment.
        queue = f"bench-nightly-{os.getpid()}"
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "portal",
                "worker",
                "--concurrency",
                "2",
                "--pool",
                "prefork",
                "--queues",
                queue,
                "--loglevel",
                "warning",
                "--without-gossip",
                "--without-mingle",
                "--hostname",
                f"{queue}@%h",
            ],
            env={
                **os.environ,
                "DATABASE_URL": database_url(),
                "EMAIL_URL": "dummymail://",
                "CELERY_TASK_ALWAYS_EAGER": "false",
                "CELERY_QUEUE": queue,
                # Production's persistent connections (README "Production"): without them every
                # batch opens a connection of its own and warms a fresh server process's caches.
                "CONN_MAX_AGE": "60",
            },
        )
        try:
            self._wait_for_worker(worker, queue)
            # The first run opens every warning there is to open; a night after that is the usual case.
            measure.settle(customer_ids=ids)
            first, _run, first_emails = self._nightly_run(ids, batch_size, queue, worker, full=True)
            self.stdout.write(f"first nightly run: {first:.2f}s, {first_emails:,} e-mails queued")
            # Its e-mails go out on the same workers; the next night starts when they are sent.
            if self.discard_first_emails:
                OutboxEmail.objects.filter(sent_at__isnull=True).update(sent_at=timezone.now())
                self.stdout.write("  e-mails marked sent, not sent (--discard-first-emails)")
            sending = self._wait_for_outbox(worker)
            self.stdout.write(f"  e-mails sent {sending:.2f}s after the run finished")
            measure.a_day(customer_ids=ids, fraction=daily_change, progress=self.stdout.write)
            wall, run, emails = self._nightly_run(ids, batch_size, queue, worker, full=False)
            self.stdout.write(
                f"nightly: {run.processed:,} customers processed, {run.failed} failed, "
                f"{emails:,} e-mails queued"
            )
            self.stdout.write(
                f"nightly job: wall {wall:.2f}s with 2 worker processes, raw {raw_seconds:.2f}s, "
                f"ratio {wall / raw_seconds:.2f} (regular night: every customer changed)"
            )
            self._wait_for_outbox(worker)
            changed = measure.a_quiet_day(
                customer_ids=ids, share=CHANGED_SHARE, fraction=daily_change, progress=self.stdout.write
            )
            quiet, run, emails = self._nightly_run(ids, batch_size, queue, worker, full=False)
            wrong = reference.differences(
                stored=reference.stored_counts(customer_ids=ids), raw=reference.raw_recount(customer_ids=ids)
            )
            memory = peak_memory(worker.pid)
        finally:
            worker.terminate()
            worker.wait(timeout=60)
        self.stdout.write(
            f"incremental night: {len(changed):,} of {len(ids):,} customers changed, {run.processed:,} "
            f"processed, {run.failed} failed, {emails:,} e-mails queued; wall {quiet:.2f}s, "
            f"raw {raw_seconds:.2f}s, ratio {quiet / raw_seconds:.3f}, exact {'no' if wrong else 'yes'}"
        )
        self.stdout.write(
            f"per million user rows: regular night {wall * per_million:.3f}s, "
            f"incremental night {quiet * per_million:.3f}s"
        )
        self.stdout.write(memory)
        return wrong

    def _wait_for_outbox(self, worker: subprocess.Popen) -> float:
        started = time.monotonic()
        while outbox.pending_emails().exists():
            if worker.poll() is not None or time.monotonic() - started > 600:
                raise CommandError("the nightly job's e-mails were not sent within 10 minutes")
            time.sleep(0.1)
        return time.monotonic() - started

    def _wait_for_worker(self, worker: subprocess.Popen, queue: str) -> None:
        deadline = time.monotonic() + 60
        hostname = f"{queue}@{socket.gethostname()}"
        while not app.control.ping(destination=[hostname], timeout=0.5):
            if worker.poll() is not None or time.monotonic() > deadline:
                raise CommandError("the Celery worker for the nightly job did not start")
