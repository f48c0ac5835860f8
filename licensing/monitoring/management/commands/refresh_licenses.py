import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import timezone

from licensing.monitoring import runs
from licensing.monitoring.models import RefreshBatch, RunKind
from portal.models import Customer


class Command(BaseCommand):
    help = (
        "Runs the nightly job now (recount, usage history, deviations, warnings, signals, e-mail), "
        "for every active customer or one. Counts the customers whose inputs changed since their last "
        "count (--full: every customer; --customer: that one). Runs every time it is called; waits for "
        "or refuses during a run that is in progress."
    )

    def add_arguments(self, parser):
        parser.add_argument("--customer", help="only this five-digit customer number")
        parser.add_argument("--batch-size", type=int, default=settings.LICENSE_REFRESH_BATCH_SIZE)
        parser.add_argument(
            "--full",
            action="store_true",
            help="count every customer again, also those whose inputs did not change (the weekly run does)",
        )
        parser.add_argument(
            "--wait",
            type=int,
            default=0,
            metavar="SECONDS",
            help="wait up to this long for a run in progress to finish instead of refusing",
        )

    def handle(self, *args, customer, batch_size, wait, full, **options):
        if customer:
            ids = list(Customer.objects.filter(number=customer).values_list("id", flat=True))
            if not ids:
                raise CommandError(f"Customer {customer} does not exist.")
        else:
            ids = list(Customer.objects.filter(is_active=True).order_by("id").values_list("id", flat=True))
        self._wait_for_other_run(wait)

        run = runs.start_run(
            kind=RunKind.MANUAL, customer_ids=ids, batch_size=batch_size, full=full or bool(customer)
        )
        counted = sum(len(b.customer_ids) for b in RefreshBatch.objects.filter(run=run, recount=True))
        total = len(ids)
        started = time.monotonic()
        done = opened = deviations = emails = 0
        failed: list[int] = []
        self._progress(done, total, started)
        for batch in RefreshBatch.objects.filter(run=run).order_by("id"):
            try:
                result = runs.process_batch(batch_id=batch.id)
            except DatabaseError as exc:
                # Only a transient error gets here (process_batch fails a customer's own error for that
                # customer alone). Nothing of the batch was kept (one transaction); its customers are
                # reported failed and the run still finishes, so the next run is not refused.
                self.stderr.write("")
                self.stderr.write(f"batch {batch.id} failed: {exc}")
                runs.fail_batch(batch_id=batch.id, error=repr(exc))
                done += len(batch.customer_ids)
                failed += batch.customer_ids
                continue
            if result is not None:
                done += len(batch.customer_ids)
                opened += result.opened
                deviations += result.deviations
                emails += result.emails
                failed += result.failed
                self._report_failed(result.errors)
            self._progress(done, total, started)
        self.stderr.write("")
        self.stdout.write(
            f"refreshed {done - len(failed)} of {total} customers in {time.monotonic() - started:.1f}s "
            f"({counted} counted, the others' inputs unchanged): "
            f"{deviations} deviations corrected, {opened} warnings opened, {emails} e-mails queued"
        )
        if failed:
            numbers = (
                Customer.objects.filter(id__in=failed).order_by("number").values_list("number", flat=True)
            )
            raise CommandError(
                f"refresh failed for customers: {', '.join(numbers)} (their errors above and on the run)"
            )

    def _report_failed(self, errors: dict[int, str]) -> None:
        """Name each customer that failed on its own, with its error, as soon as its batch is done."""
        if not errors:
            return
        numbers = dict(Customer.objects.filter(id__in=errors).values_list("id", "number"))
        self.stderr.write("")
        for customer_id, error in sorted(errors.items(), key=lambda item: numbers.get(item[0], "")):
            self.stderr.write(f"customer {numbers.get(customer_id, f'id {customer_id}')} failed: {error}")

    def _wait_for_other_run(self, wait: int) -> None:
        deadline = time.monotonic() + wait
        while (other := runs.run_in_progress()) is not None:
            if time.monotonic() >= deadline:
                raise CommandError(
                    str(runs.RUN_IN_PROGRESS)
                    % {
                        "run": other.id,
                        "started": timezone.localtime(other.started_at).strftime("%d-%m-%Y %H:%M"),
                        "done": other.processed + other.failed,
                        "total": other.expected,
                    }
                )
            time.sleep(min(2.0, max(deadline - time.monotonic(), 0.1)))

    def _progress(self, done: int, total: int, started: float) -> None:
        width = 30
        filled = width * done // total if total else width
        self.stderr.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} customers, "
            f"{time.monotonic() - started:.1f}s elapsed",
            ending="",
        )
