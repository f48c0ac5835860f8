"""The nightly job ("actuele gegevens vernieuwen"): the steps per customer, set-based per batch.

`refresh_customers` runs every step for a batch of customers in one transaction and a fixed number
of queries: recount, usage snapshot, deviations, warnings, signals and the e-mail outbox. Rerunning
it on unchanged data changes nothing and queues no e-mail. Runs and batches (`runs.py`) make a run
resumable; the e-mails go out through the outbox (`outbox.py`).
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from environments.inputs import inputs_counted
from environments.models import Environment
from environments.summary import user_summaries_age
from licensing.models import License, LicenseLine, LicenseMutation, MutationSource
from licensing.recount import recount_customers

from . import batch_reads, texts
from .models import (
    CustomerRefresh,
    DeviationCause,
    LicenseWarning,
    RefreshRun,
    Signal,
    UsageSnapshot,
    WarningKind,
)
from .outbox import queue_warning_emails, send_outbox_after_commit

# An environment whose newest data is older than this is not refreshing its data.
STALE_AFTER = timedelta(hours=36)


@dataclass
class BatchResult:
    customers: int = 0
    opened: int = 0
    deviations: int = 0
    emails: int = 0
    failed: list[int] = field(default_factory=list)
    errors: dict[int, str] = field(default_factory=dict)  # failed customer id: its error


# A change since the last good run that explains a deviation; a change in the portal sets both numbers.
CAUSE_OF_SOURCE = {
    MutationSource.REQUEST: DeviationCause.REQUEST,
    MutationSource.BACKOFFICE: DeviationCause.BACKOFFICE,
}


def _cause(*, mutations: list[tuple[datetime, str]], last_ok: datetime | None, last_failed: datetime | None):
    since = [source for created, source in mutations if last_ok is None or created > last_ok]
    for source in reversed(since):
        if source in CAUSE_OF_SOURCE:
            return CAUSE_OF_SOURCE[source]
    if last_failed is not None and (last_ok is None or last_failed > last_ok):
        return DeviationCause.FAILED_RUN
    return DeviationCause.UNKNOWN


def refresh_customers(
    *, customer_ids: Iterable[int], run: RefreshRun | None = None, now: datetime | None = None
) -> BatchResult:
    """Every step of the nightly job for a batch of customers, in one transaction; the customers'
    inputs (environments.inputs) are recorded as counted as they were read before the count."""
    ids = sorted(set(customer_ids))
    result = BatchResult(customers=len(ids))
    if not ids:
        return result
    now = now or timezone.now()
    # No savepoint: the batch is one transaction, and process_batch retries a failed one customer by
    # customer in transactions of their own (a savepoint costs two round trips).
    with transaction.atomic(savepoint=False):
        # Serialises concurrent runs over the same customer (a manual run during the scheduled one).
        # The versions of their inputs are read with the lock, before counting: a change committed
        # after this read keeps the customer changed (environments.inputs).
        licenses, versions = batch_reads.lock_licenses_with_versions(ids)
        if len(licenses) < len(ids):
            License.objects.bulk_create(
                [License(customer_id=i) for i in ids if i not in licenses], ignore_conflicts=True
            )
            licenses, versions = batch_reads.lock_licenses_with_versions(ids)
        recount_customers(customer_ids=ids)
        user_summaries_age(customer_ids=ids, now=now)
        customer_of = {license_id: customer_id for customer_id, license_id in licenses.items()}
        lines = list(
            LicenseLine.objects.filter(license_id__any_of=list(customer_of)).values(
                "id", "license_id", "item", "scope", "maximum", "portal", "in_use"
            )
        )
        for line in lines:
            line["customer_id"] = customer_of[line["license_id"]]

        _store_usage_snapshots(license_ids=list(customer_of), today=timezone.localdate(now))
        deviations = _sync_deviations(ids=ids, lines=lines, run=run, now=now)
        signals = batch_reads.active_signals(ids=ids)
        wanted = {
            WarningKind.OVER_USE: _over_use(lines=lines),
            WarningKind.STALE_DATA: _stale_data(ids=ids, now=now),
            WarningKind.SIGNAL: _fired_signals(ids=ids, lines=lines, signals=signals),
            WarningKind.DEVIATION: {},
        }
        opened = _open_and_resolve(ids=ids, wanted=wanted, run=run, now=now)
        created = LicenseWarning.objects.bulk_create(deviations + opened)
        recipients_of = batch_reads.recipients_of(
            signals, fired={w.signal_id for w in created if w.signal_id}
        )
        result.deviations = len(deviations)
        result.opened = len(created)
        result.emails = queue_warning_emails(warnings=created, recipients_of=recipients_of)

        refreshed = CustomerRefresh.objects.filter(customer_id__any_of=ids).update(refreshed_at=now, run=run)
        if refreshed < len(ids):  # a customer's first run
            CustomerRefresh.objects.bulk_create(
                [CustomerRefresh(customer_id=i, refreshed_at=now, run=run) for i in ids],
                update_conflicts=True,
                unique_fields=["customer"],
                update_fields=["refreshed_at", "run"],
            )
        inputs_counted(versions=versions)
        if result.emails:
            send_outbox_after_commit()
    return result


def check_customers(
    *, customer_ids: Iterable[int], run: RefreshRun | None = None, now: datetime | None = None
) -> BatchResult:
    """The nightly steps for customers whose inputs did not change since their last count.

    Their lines are as counted, so over-use, signals and deviations stand as the last run left them
    (a customer with a deviation counts as changed: runs.start_run); what time alone changes is
    done: the staleness of each environment's data, its warnings opened, resolved and e-mailed, and
    the unique-user summary's no-login rule (environments.summary.user_summaries_age).
    """
    ids = sorted(set(customer_ids))
    result = BatchResult(customers=len(ids))
    if not ids:
        return result
    now = now or timezone.now()
    # A check batch is a run of consecutive customer ids: its reads take the range through an index
    # (as many as 5,000 ids, an id list would be looked up one by one), and keep the batch's own.
    in_range = {"customer_id__gte": ids[0], "customer_id__lte": ids[-1]}
    with transaction.atomic(savepoint=False):
        ageing = batch_reads.ageing_summaries(ids=ids, in_range=in_range, now=now)
        if ageing:
            user_summaries_age(customer_ids=ageing, now=now)
        wanted = {WarningKind.STALE_DATA: _stale_data(ids=ids, now=now)}
        if any(_warning_changes(ids=ids, wanted=wanted, in_range=in_range)):
            # Something to open or resolve: again under the licenses' lock, as a full run takes it.
            batch_reads.lock_licenses(ids)
            created = LicenseWarning.objects.bulk_create(
                _open_and_resolve(ids=ids, wanted=wanted, run=run, now=now)
            )
            result.opened = len(created)
            result.emails = queue_warning_emails(warnings=created, recipients_of={})
            if result.emails:
                send_outbox_after_commit()
    return result


def _store_usage_snapshots(*, license_ids: list[int], today: date) -> None:
    """Step 1: the usage history, one snapshot per line per day; a rerun the same day replaces it.

    Copied by the database from the freshly counted lines: one row for every line, written only where
    it is new or its numbers changed (a rerun the same day mostly finds them as they are).
    """
    lines, params = (
        LicenseLine.objects.filter(license_id__any_of=license_ids)
        .values("id", "in_use", "maximum")
        .order_by()
        .query.sql_with_params()
    )
    table = connection.ops.quote_name(UsageSnapshot._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} "
            f"(line_id, date, in_use, maximum) SELECT q.id, %s, q.in_use, q.maximum FROM ({lines}) q "
            # WHERE true: SQLite would otherwise read ON CONFLICT as the start of a join condition.
            "WHERE true ON CONFLICT (line_id, date) "
            "DO UPDATE SET in_use = excluded.in_use, maximum = excluded.maximum "
            f"WHERE {table}.in_use <> excluded.in_use OR {table}.maximum <> excluded.maximum",
            [today, *params],
        )


def _sync_deviations(*, ids: list[int], lines: list[dict], run: RefreshRun | None, now: datetime) -> list:
    """Step 2: record each deviation with both numbers and its likely cause, then portal := maximum.

    The deviations come back as unsaved warnings, found and corrected in this same run (so each is
    resolved when it opens; one still open is resolved by step 3, which wants none open).
    """
    deviating = [line for line in lines if line["portal"] != line["maximum"]]
    if not deviating:
        return []
    locked = {
        row["id"]: row
        for row in LicenseLine.objects.select_for_update()
        .filter(id__in=[line["id"] for line in deviating])
        .values("id", "maximum", "portal")
    }
    last = {
        row["customer_id"]: row
        for row in CustomerRefresh.objects.filter(customer_id__any_of=ids).values(
            "customer_id", "refreshed_at", "failed_at"
        )
    }
    mutations: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    for line_id, created, source in (
        LicenseMutation.objects.filter(line_id__in=locked)
        .order_by("created_at", "id")
        .values_list("line_id", "created_at", "source")
    ):
        mutations[line_id].append((created, source))
    found = []
    for line in deviating:
        current = locked[line["id"]]
        previous = last.get(line["customer_id"], {})
        found.append(
            LicenseWarning(
                customer_id=line["customer_id"],
                kind=WarningKind.DEVIATION,
                line_id=line["id"],
                run=run,
                maximum=current["maximum"],
                portal=current["portal"],
                in_use=line["in_use"],
                cause=_cause(
                    mutations=mutations[line["id"]],
                    last_ok=previous.get("refreshed_at"),
                    last_failed=previous.get("failed_at"),
                ),
                opened_at=now,
                resolved_at=now,
                params=texts.deviation_params(
                    item=line["item"],
                    scope=line["scope"],
                    portal=current["portal"],
                    maximum=current["maximum"],
                ),
            )
        )
        line["portal"] = line["maximum"] = current["maximum"]
    LicenseLine.objects.filter(id__in=locked).update(portal=F("maximum"))
    return found


WarningKey = tuple[int | None, int | None, int | None]  # line, environment, signal
# What a step finds true now: per warning key, how to make its warning. A warning is made (its
# message translated and formatted) only when it newly opens: night after night most are open already.
Wanted = dict[WarningKey, Callable[[], LicenseWarning]]


def _over_use(*, lines: list[dict]) -> Wanted:
    return {
        (line["id"], None, None): partial(_over_use_warning, line)
        for line in lines
        if line["in_use"] > line["maximum"]
    }


def _over_use_warning(line: dict) -> LicenseWarning:
    return LicenseWarning(
        customer_id=line["customer_id"],
        kind=WarningKind.OVER_USE,
        line_id=line["id"],
        maximum=line["maximum"],
        in_use=line["in_use"],
        params=texts.over_use_params(
            item=line["item"], scope=line["scope"], in_use=line["in_use"], maximum=line["maximum"]
        ),
    )


def _stale_data(*, ids: list[int], now: datetime) -> Wanted:
    """The batch's stale environments: read through the index of data_taken_at (they are few), as the
    range of the batch's ids (a batch's ids may be as many as 5,000), then only the batch's own."""
    if not ids:
        return {}
    batch = set(ids)
    stale = (
        Environment.objects.filter(
            Q(data_taken_at__isnull=True) | Q(data_taken_at__lt=now - STALE_AFTER),
            customer_id__gte=min(ids),
            customer_id__lte=max(ids),
            is_active=True,
        )
        .values("id", "customer_id", "code", "data_taken_at")
        .order_by()
    )
    return {
        (None, environment["id"], None): partial(_stale_data_warning, environment)
        for environment in stale
        if environment["customer_id"] in batch
    }


def _stale_data_warning(environment: dict) -> LicenseWarning:
    return LicenseWarning(
        customer_id=environment["customer_id"],
        kind=WarningKind.STALE_DATA,
        environment_id=environment["id"],
        params=texts.stale_data_params(
            code=environment["code"],
            taken_at=environment["data_taken_at"],
            hours=int(STALE_AFTER.total_seconds() // 3600),
        ),
    )


def signal_applies(signal: Signal, line: dict) -> bool:
    return line["item"] == signal.item and (not signal.scope or line["scope"] == signal.scope)


def _fired_signals(*, ids: list[int], lines: list[dict], signals: list[Signal]) -> Wanted:
    """Step 4: a signal's condition per line; the open warning is its fired state."""
    wanted = {}
    for line in lines:
        available = line["maximum"] - line["in_use"]
        for signal in signals:
            if signal.customer_id not in (None, line["customer_id"]) or not signal_applies(signal, line):
                continue
            if line["maximum"] > 0 and available < signal.threshold:
                wanted[(line["id"], None, signal.id)] = partial(_signal_warning, signal, line)
    return wanted


def _signal_warning(signal: Signal, line: dict) -> LicenseWarning:
    return LicenseWarning(
        customer_id=line["customer_id"],
        kind=WarningKind.SIGNAL,
        line_id=line["id"],
        signal_id=signal.id,
        maximum=line["maximum"],
        in_use=line["in_use"],
        params=texts.signal_params(
            item=line["item"],
            scope=line["scope"],
            name=signal.name,
            builtin=signal.is_builtin,
            available=line["maximum"] - line["in_use"],
            threshold=signal.threshold,
        ),
    )


def _open_and_resolve(
    *, ids: list[int], wanted: dict[str, Wanted], run: RefreshRun | None, now: datetime
) -> list[LicenseWarning]:
    """Step 3: resolve open warnings that are no longer true; return the new ones, unsaved."""
    resolve, opening = _warning_changes(ids=ids, wanted=wanted)
    new = []
    for make_warning in opening:
        warning = make_warning()
        warning.run = run
        warning.opened_at = now
        new.append(warning)
    LicenseWarning.objects.filter(id__in=resolve).update(resolved_at=now)
    return new


def _warning_changes(
    *, ids: list[int], wanted: dict[str, Wanted], in_range: dict | None = None
) -> tuple[list[int], list[Callable]]:
    """The open warnings no longer true (ids), and how to make each warning that newly opens.
    `in_range`: read the open warnings of the batch's range of ids (consecutive ids)."""
    open_now: dict[str, dict[WarningKey, int]] = defaultdict(dict)
    batch = set(ids)
    of_batch = in_range or {"customer_id__any_of": ids}
    for row in (
        LicenseWarning.objects.filter(**of_batch, kind__in=wanted, resolved_at__isnull=True)
        .values("id", "customer_id", "kind", "line_id", "environment_id", "signal_id")
        .order_by()
    ):
        if row["customer_id"] in batch:
            open_now[row["kind"]][(row["line_id"], row["environment_id"], row["signal_id"])] = row["id"]
    resolve, opening = [], []
    for kind, candidates in wanted.items():
        current = open_now[kind]
        resolve += [warning_id for key, warning_id in current.items() if key not in candidates]
        opening += [make_warning for key, make_warning in candidates.items() if key not in current]
    return resolve, opening
