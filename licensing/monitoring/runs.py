"""Runs and batches of the nightly job: a run is resumable and a batch idempotent.

A batch is marked done in the same transaction as its work, so a redelivered task after a crash
either redoes the whole batch or nothing. When the batch fails on one customer's data, its customers
are refreshed one by one instead: that customer alone fails.
"""

import logging
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from environments.inputs import changed_since_counted
from licensing.models import LicenseLine
from portal.models import Customer

from . import nightly
from .models import CustomerRefresh, RefreshBatch, RefreshRun, RunKind
from .nightly import BatchResult

logger = logging.getLogger(__name__)

# A run unfinished after this long is considered dead (its workers were lost), no longer "in progress".
RUN_STALE_AFTER = timedelta(hours=6)

# Errors of the database itself rather than of a customer's data (a dropped connection, a deadlock, a
# failover): the whole batch is retried. Any other error (DataError, IntegrityError, ProgrammingError,
# InternalError, a bug meeting odd data) is taken to be one customer's and isolated to it.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)
# One line of a failed customer's error on its batch; the log has the traceback.
ERROR_MAX_LENGTH = 500

RUN_IN_PROGRESS = _(
    "Er loopt al een vernieuwing (run %(run)s, gestart %(started)s, %(done)s van %(total)s klanten klaar). "
    "Probeer het later opnieuw of gebruik --wait om te wachten."
)


def start_run(
    *,
    kind: str = RunKind.MANUAL,
    customer_ids: Sequence[int] | None = None,
    run_date: date | None = None,
    batch_size: int | None = None,
    full: bool = True,
) -> RefreshRun | None:
    """A run with its batches; None when a scheduled run for `run_date` already exists (the daily lock).

    `full=False`: only the customers whose inputs changed since their last count (or never counted)
    are counted, in batches of `batch_size`; the others are checked for what time
    alone changes, in batches of LICENSE_CHECK_BATCH_SIZE (see nightly.check_customers).
    """
    customers = Customer.objects.filter(is_active=True).order_by("id")
    ids = list(customers.values_list("id", flat=True)) if customer_ids is None else list(customer_ids)
    changed = ids
    if not full:
        # All changed customers at once (one join), then those of the run: cheaper than a list of ids.
        # A line whose portal number is not its maximum (a deviation: no change that marks the inputs
        # leaves one behind) makes its customer changed too, so every deviation is still found. Both
        # in one statement: a single round trip.
        dirty = (
            Customer.objects.filter(changed_since_counted())
            .order_by()
            .values_list("id", flat=True)
            .union(
                LicenseLine.objects.exclude(portal=F("maximum"))
                .order_by()
                .values_list("license__customer_id", flat=True)
            )
        )
        changed = sorted(set(ids).intersection(dirty))
    unchanged = sorted(set(ids) - set(changed))
    size = max(batch_size or settings.LICENSE_REFRESH_BATCH_SIZE, 1)
    check_size = max(settings.LICENSE_CHECK_BATCH_SIZE, 1)
    batches = [(changed[i : i + size], True) for i in range(0, len(changed), size)]
    batches += [(unchanged[i : i + check_size], False) for i in range(0, len(unchanged), check_size)]
    try:
        with transaction.atomic():
            run = RefreshRun.objects.create(kind=kind, run_date=run_date, expected=len(ids))
            RefreshBatch.objects.bulk_create(
                [RefreshBatch(run=run, customer_ids=part, recount=recount) for part, recount in batches]
            )
            if not ids:
                run.finished_at = timezone.now()
                run.save(update_fields=["finished_at"])
    except IntegrityError:
        if run_date is None:
            raise
        return None
    return run


def run_in_progress(*, now: datetime | None = None) -> RefreshRun | None:
    now = now or timezone.now()
    return (
        RefreshRun.objects.filter(finished_at__isnull=True, started_at__gte=now - RUN_STALE_AFTER)
        .order_by("started_at")
        .first()
    )


def process_batch(*, batch_id: int) -> BatchResult | None:
    """Run one batch; None if it was done already (a redelivered task).

    Normally the whole batch goes in one set-based pass. If that fails on anything but a transient
    database error, its customers are refreshed one by one, each in its own transaction, so that one
    customer's bad data fails that customer only: the others commit, and the failed one is named on
    the batch with its error. Transient errors propagate, so the task retries the whole batch.
    """
    batch = RefreshBatch.objects.select_related("run").get(id=batch_id)
    if batch.done_at is not None:
        return None
    try:
        with transaction.atomic():
            result = _steps(batch)(customer_ids=batch.customer_ids, run=batch.run)
            if not _finish_batch(batch=batch, errors={}):
                raise _AlreadyDone
        return result
    except _AlreadyDone:
        return None
    except TRANSIENT_ERRORS:
        raise
    except Exception:
        logger.exception("refresh batch %s failed; refreshing its customers one by one", batch.id)
    result = BatchResult()
    for customer_id in batch.customer_ids:
        try:
            with transaction.atomic():  # its own transaction (or savepoint): the steps take none
                one = _steps(batch)(customer_ids=[customer_id], run=batch.run)
        except TRANSIENT_ERRORS:
            raise
        except Exception as exc:
            logger.exception("refresh of customer id %s failed", customer_id)
            result.failed.append(customer_id)
            result.errors[customer_id] = describe_error(exc)
            continue
        result.customers += 1
        result.opened += one.opened
        result.deviations += one.deviations
        result.emails += one.emails
    with transaction.atomic():
        _finish_batch(batch=batch, errors=result.errors)
    return result


def _steps(batch: RefreshBatch):
    """All the nightly steps, or only the checks for customers whose inputs did not change."""
    return nightly.refresh_customers if batch.recount else nightly.check_customers


def describe_error(exc: BaseException) -> str:
    """The error as one line: its kind and the first line of its message (PostgreSQL adds context)."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else ''}"[:ERROR_MAX_LENGTH]


class _AlreadyDone(Exception):
    pass


def fail_batch(*, batch_id: int, error: str) -> None:
    """A batch that kept failing on database errors: every customer in it is reported as failed."""
    batch = RefreshBatch.objects.select_related("run").get(id=batch_id)
    with transaction.atomic():
        _finish_batch(batch=batch, errors=dict.fromkeys(batch.customer_ids, ""), error=error[:4000])


def _finish_batch(*, batch: RefreshBatch, errors: dict[int, str], error: str = "") -> bool:
    """Mark the batch done with its failed customers, `errors` {customer id: its error}; `error` is
    the batch's own (one for all its customers). False if the batch was done already."""
    now = timezone.now()
    failed = list(errors)
    number_of = dict(Customer.objects.filter(id__in=failed).values_list("id", "number"))
    failed_numbers = sorted(number_of.values())
    # One line per failed customer, "12345: DataError: ...", in the order of their numbers.
    described = sorted(
        (number_of.get(customer_id, f"id {customer_id}"), message)
        for customer_id, message in errors.items()
        if message
    )
    done = RefreshBatch.objects.filter(id=batch.id, done_at__isnull=True).update(
        done_at=now,
        failed_customers=failed_numbers,
        error="\n".join([error, *(f"{number}: {message}" for number, message in described)]).strip(),
    )
    if not done:
        return False
    if number_of:  # a customer deleted since the run started has nothing left to mark
        CustomerRefresh.objects.bulk_create(
            [CustomerRefresh(customer_id=i, failed_at=now, run=batch.run) for i in number_of],
            update_conflicts=True,
            unique_fields=["customer"],
            update_fields=["failed_at", "run"],
        )
    finished, run_failed = _count_batch(
        run_id=batch.run_id, processed=len(batch.customer_ids) - len(failed), failed=len(failed), now=now
    )
    if finished and run_failed:  # a run without failures keeps its empty list
        all_failed = sorted(
            number
            for numbers in RefreshBatch.objects.filter(run_id=batch.run_id).values_list(
                "failed_customers", flat=True
            )
            for number in numbers
        )
        RefreshRun.objects.filter(id=batch.run_id).update(failed_customers=all_failed)
        if all_failed:
            logger.error("refresh run %s finished; customers failed: %s", batch.run_id, ", ".join(all_failed))
    return True


# The batch's customers counted on its run, which finishes (in the same statement) with its last batch.
_COUNT_BATCH = """
UPDATE {run} SET processed = processed + %s, failed = failed + %s,
    finished_at = CASE WHEN finished_at IS NULL AND processed + failed + %s >= expected THEN %s
        ELSE finished_at END
WHERE id = %s RETURNING finished_at = %s, failed
"""


def _count_batch(*, run_id: int, processed: int, failed: int, now: datetime) -> tuple[bool, int]:
    """Add a batch's customers to its run: whether this batch finished it, and the run's failed."""
    stamp = connection.ops.adapt_datetimefield_value(now)  # as the ORM stores it (SQLite: text)
    with connection.cursor() as cursor:
        cursor.execute(
            _COUNT_BATCH.format(run=connection.ops.quote_name(RefreshRun._meta.db_table)),
            [processed, failed, processed + failed, stamp, run_id, stamp],
        )
        row = cursor.fetchone()
    return (bool(row[0]), row[1]) if row else (False, 0)
