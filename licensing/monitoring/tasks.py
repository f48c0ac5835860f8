"""Celery tasks of the nightly job: a dispatcher fans batches of customer ids out over the workers.

The tasks keep the names they had in `licensing.tasks`: the beat schedule and messages already
queued know them by those names.
"""

from celery import group, shared_task
from django.conf import settings
from django.utils import timezone

from portal.tasks import EMAIL_RETRY

from . import outbox, runs
from .models import RefreshBatch, RefreshRun, RunKind

# Database errors (a dropped connection, a deadlock, a failover) are worth retrying with backoff. Any
# other error is one customer's: process_batch isolates it to that customer and finishes the batch.
NIGHTLY_RETRY_ERRORS = runs.TRANSIENT_ERRORS


@shared_task(name="licensing.tasks.refresh_all_licenses", acks_late=True, ignore_result=True)
def refresh_all_licenses() -> int | None:
    """The scheduled run: at most once per day, however many beat processes send it. It counts the
    customers whose inputs changed; on LICENSE_FULL_RECOUNT_WEEKDAY every customer."""
    today = timezone.localdate()
    full = today.weekday() == settings.LICENSE_FULL_RECOUNT_WEEKDAY
    run = runs.start_run(kind=RunKind.SCHEDULED, run_date=today, full=full)
    if run is None:
        # Today's run exists. Dispatch again only if it never was (a crash between commit and send);
        # a batch already done is a no-op when redelivered.
        run = RefreshRun.objects.filter(run_date=today, dispatched_at__isnull=True).first()
        if run is None:
            return None
    dispatch_run(run.id)
    send_outbox.delay()
    return run.id


def dispatch_run(run_id: int, *, queue: str | None = None) -> None:
    batch_ids = list(
        RefreshBatch.objects.filter(run_id=run_id, done_at__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)
    )
    if batch_ids:
        group(refresh_license_batch.si(batch_id) for batch_id in batch_ids).apply_async(queue=queue)
    RefreshRun.objects.filter(id=run_id).update(dispatched_at=timezone.now())


@shared_task(
    name="licensing.tasks.refresh_license_batch",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=5,
    ignore_result=True,
)
def refresh_license_batch(self, batch_id: int) -> None:
    """One batch of a run; retried with exponential backoff on transient database errors, then reported
    failed. A customer whose data fails is reported failed on its own; the rest of the batch is done."""
    try:
        runs.process_batch(batch_id=batch_id)
    except NIGHTLY_RETRY_ERRORS as exc:
        if self.request.retries >= self.max_retries:
            runs.fail_batch(batch_id=batch_id, error=repr(exc))
            raise
        raise self.retry(exc=exc, countdown=min(600, 10 * 2**self.request.retries)) from exc


@shared_task(
    name="licensing.tasks.send_outbox",
    acks_late=True,
    **EMAIL_RETRY,
    ignore_result=True,
)
def send_outbox() -> int:
    """Send the e-mails the outbox holds; safe to run at any time and in parallel."""
    return outbox.send_pending_emails()
