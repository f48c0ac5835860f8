"""The nightly job ("actuele gegevens vernieuwen"): the steps per customer, set-based per batch.

`refresh_customers` runs every step for a batch of customers in one transaction and a fixed number
of queries: recount, usage snapshot, deviations, warnings, signals and the e-mail outbox. Rerunning
it on unchanged data changes nothing and queues no e-mail. Runs and batches (`start_run`,
`process_batch`) make a run resumable: a batch is marked done in the same transaction as its work,
so a redelivered task after a crash either redoes the whole batch or nothing. When the batch fails
on one customer's data, its customers are refreshed one by one instead: that customer alone fails.
"""

import hashlib
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from environments.models import Environment
from environments.vocabulary import Item, Scope
from portal.models import Customer, Membership, Role

from .models import (
    CustomerRefresh,
    DeviationCause,
    License,
    LicenseLine,
    LicenseMutation,
    OutboxEmail,
    RefreshBatch,
    RefreshRun,
    RunKind,
    Signal,
    UsageSnapshot,
    Warning,
    WarningKind,
)
from .recount import recount_customers

logger = logging.getLogger(__name__)

# An environment whose newest data is older than this is not refreshing its data.
STALE_AFTER = timedelta(hours=36)
# A run unfinished after this long is considered dead (its workers were lost), no longer "in progress".
RUN_STALE_AFTER = timedelta(hours=6)
BUILTIN_SIGNAL_NAME = "Beschikbare aantal Profit-gebruikers van de licentie is bijna op"
BUILTIN_SIGNAL_THRESHOLD = 5
OUTBOX_MAX_ATTEMPTS = 5

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


@dataclass
class BatchResult:
    customers: int = 0
    opened: int = 0
    deviations: int = 0
    emails: int = 0
    failed: list[int] = field(default_factory=list)
    errors: dict[int, str] = field(default_factory=dict)  # failed customer id: its error


def builtin_signal() -> Signal:
    signal, _created = Signal.objects.get_or_create(
        is_builtin=True,
        defaults={
            "name": BUILTIN_SIGNAL_NAME,
            "item": Item.PROFIT_USERS,
            "scope": "",
            "threshold": BUILTIN_SIGNAL_THRESHOLD,
        },
    )
    return signal


def _label(item: str, scope: str) -> str:
    return f"{Item(item).label} ({Scope(scope).label})"


def _cause(*, mutations: list[tuple[datetime, str]], last_ok: datetime | None, last_failed: datetime | None):
    since = [source for created, source in mutations if last_ok is None or created > last_ok]
    for source in reversed(since):
        if source == "request":
            return DeviationCause.REQUEST
        if source == "backoffice":
            return DeviationCause.BACKOFFICE
    if last_failed is not None and (last_ok is None or last_failed > last_ok):
        return DeviationCause.FAILED_RUN
    return DeviationCause.UNKNOWN


def refresh_customers(
    *, customer_ids: Iterable[int], run: RefreshRun | None = None, now: datetime | None = None
) -> BatchResult:
    """Every step of the nightly job for a batch of customers, in one transaction."""
    ids = sorted(set(customer_ids))
    result = BatchResult(customers=len(ids))
    if not ids:
        return result
    now = now or timezone.now()
    signal = builtin_signal()
    with transaction.atomic(), translation.override("nl"):
        # Serialises concurrent runs over the same customer (a manual run during the scheduled one).
        licenses = _lock_licenses(ids)
        if len(licenses) < len(ids):
            License.objects.bulk_create(
                [License(customer_id=i) for i in ids if i not in licenses], ignore_conflicts=True
            )
            licenses = _lock_licenses(ids)
        recount_customers(customer_ids=ids)
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
        signals = list(
            Signal.objects.filter(
                Q(id=signal.id) | Q(customer_id__any_of=ids), is_active=True
            ).prefetch_related("recipients__user")
        )
        wanted = {
            WarningKind.OVER_USE: _over_use(lines=lines),
            WarningKind.STALE_DATA: _stale_data(ids=ids, now=now),
            WarningKind.SIGNAL: _fired_signals(ids=ids, lines=lines, signals=signals),
        }
        opened = _open_and_resolve(ids=ids, wanted=wanted, run=run, now=now)
        created = Warning.objects.bulk_create(deviations + opened)
        recipients_of = {s.id: {c.user.email for c in s.recipients.all() if c.user.email} for s in signals}
        result.deviations = len(deviations)
        result.opened = len(created)
        result.emails = _queue_emails(warnings=created, recipients_of=recipients_of)

        refreshed = CustomerRefresh.objects.filter(customer_id__any_of=ids).update(refreshed_at=now, run=run)
        if refreshed < len(ids):  # a customer's first run
            CustomerRefresh.objects.bulk_create(
                [CustomerRefresh(customer_id=i, refreshed_at=now, run=run) for i in ids],
                update_conflicts=True,
                unique_fields=["customer"],
                update_fields=["refreshed_at", "run"],
            )
        if result.emails:
            transaction.on_commit(_send_outbox_later)
    return result


def _lock_licenses(ids: list[int]) -> dict[int, int]:
    """{customer id: license id} of the batch, the licenses locked in id order."""
    return dict(
        License.objects.select_for_update()
        .filter(customer_id__any_of=ids)
        .order_by("id")
        .values_list("customer_id", "id")
    )


def _store_usage_snapshots(*, license_ids: list[int], today: date) -> None:
    """Step 1: the usage history, one snapshot per line per day; a rerun the same day replaces it.

    Copied by the database from the freshly counted lines: a run writes one row for every line.
    """
    lines, params = (
        LicenseLine.objects.filter(license_id__any_of=license_ids)
        .values("id", "in_use", "maximum")
        .order_by()
        .query.sql_with_params()
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(UsageSnapshot._meta.db_table)} "
            f"(line_id, date, in_use, maximum) SELECT q.id, %s, q.in_use, q.maximum FROM ({lines}) q "
            # WHERE true: SQLite would otherwise read ON CONFLICT as the start of a join condition.
            "WHERE true ON CONFLICT (line_id, date) "
            "DO UPDATE SET in_use = excluded.in_use, maximum = excluded.maximum",
            [today, *params],
        )


def _sync_deviations(*, ids: list[int], lines: list[dict], run: RefreshRun | None, now: datetime) -> list:
    """Step 2: record each deviation with both numbers and its likely cause, then portal := maximum.

    The deviations come back as unsaved warnings, found and corrected in this same run.
    """
    Warning.objects.filter(
        customer_id__any_of=ids, kind=WarningKind.DEVIATION, resolved_at__isnull=True
    ).update(resolved_at=now)
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
        message = _g(
            "%(line)s: het portaal toonde %(portal)s, u heeft feitelijk recht op %(maximum)s. "
            "Het portaalaantal is bijgewerkt naar %(maximum)s."
        ) % {"line": _label(line["item"], line["scope"]), **current}
        found.append(
            Warning(
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
                message=message,
            )
        )
        line["portal"] = line["maximum"] = current["maximum"]
    LicenseLine.objects.filter(id__in=locked).update(portal=F("maximum"))
    return found


WarningKey = tuple[int | None, int | None, int | None]  # line, environment, signal
# What a step finds true now: per warning key, how to make its warning. A warning is made (its
# message translated and formatted) only when it newly opens: night after night most are open already.
Wanted = dict[WarningKey, Callable[[], Warning]]


def _over_use(*, lines: list[dict]) -> Wanted:
    return {
        (line["id"], None, None): partial(_over_use_warning, line)
        for line in lines
        if line["in_use"] > line["maximum"]
    }


def _over_use_warning(line: dict) -> Warning:
    message = _g(
        "%(line)s: %(in_use)s in gebruik, terwijl u recht heeft op %(maximum)s. Verlaag het "
        "gebruik of verhoog de licentie."
    ) % {"line": _label(line["item"], line["scope"]), **line}
    return Warning(
        customer_id=line["customer_id"],
        kind=WarningKind.OVER_USE,
        line_id=line["id"],
        maximum=line["maximum"],
        in_use=line["in_use"],
        message=message,
    )


def _stale_data(*, ids: list[int], now: datetime) -> Wanted:
    stale = Environment.objects.filter(
        Q(data_taken_at__isnull=True) | Q(data_taken_at__lt=now - STALE_AFTER),
        customer_id__any_of=ids,
        is_active=True,
    ).values("id", "customer_id", "code", "data_taken_at")
    return {
        (None, environment["id"], None): partial(_stale_data_warning, environment) for environment in stale
    }


def _stale_data_warning(environment: dict) -> Warning:
    taken = environment["data_taken_at"]
    if taken is None:
        message = _g(
            "Van omgeving %(code)s zijn nog nooit gegevens ontvangen: de geplande verversing van de "
            "licentiegegevens draait niet. Controleer of de taak in de omgeving is ingepland en of "
            "de omgeving het portaal kan bereiken."
        ) % {"code": environment["code"]}
    else:
        message = _g(
            "De gegevens van omgeving %(code)s zijn van %(taken)s, ouder dan %(hours)s uur: de "
            "geplande verversing van de licentiegegevens draait niet. Controleer of de taak in de "
            "omgeving is ingepland en of de omgeving het portaal kan bereiken."
        ) % {
            "code": environment["code"],
            "taken": timezone.localtime(taken).strftime("%d-%m-%Y %H:%M"),
            "hours": int(STALE_AFTER.total_seconds() // 3600),
        }
    return Warning(
        customer_id=environment["customer_id"],
        kind=WarningKind.STALE_DATA,
        environment_id=environment["id"],
        message=message,
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


def _signal_warning(signal: Signal, line: dict) -> Warning:
    available = line["maximum"] - line["in_use"]
    message = _g("%(signal)s — %(line)s: nog %(available)s beschikbaar (drempel %(threshold)s).") % {
        "signal": signal.name,
        "line": _label(line["item"], line["scope"]),
        "available": max(available, 0),
        "threshold": signal.threshold,
    }
    return Warning(
        customer_id=line["customer_id"],
        kind=WarningKind.SIGNAL,
        line_id=line["id"],
        signal_id=signal.id,
        maximum=line["maximum"],
        in_use=line["in_use"],
        message=message,
    )


def _open_and_resolve(
    *, ids: list[int], wanted: dict[str, Wanted], run: RefreshRun | None, now: datetime
) -> list[Warning]:
    """Step 3: resolve open warnings that are no longer true; return the new ones, unsaved."""
    open_now: dict[str, dict[WarningKey, int]] = defaultdict(dict)
    for row in Warning.objects.filter(
        customer_id__any_of=ids, kind__in=wanted, resolved_at__isnull=True
    ).values("id", "kind", "line_id", "environment_id", "signal_id"):
        open_now[row["kind"]][(row["line_id"], row["environment_id"], row["signal_id"])] = row["id"]
    resolve, new = [], []
    for kind, candidates in wanted.items():
        current = open_now[kind]
        resolve += [warning_id for key, warning_id in current.items() if key not in candidates]
        for key, make_warning in candidates.items():
            if key not in current:
                warning = make_warning()
                warning.run = run
                warning.opened_at = now
                new.append(warning)
    Warning.objects.filter(id__in=resolve).update(resolved_at=now)
    return new


def _send_outbox_later() -> None:
    from .tasks import send_outbox

    send_outbox.delay()


def _queue_emails(*, warnings: Sequence[Warning], recipients_of: dict[int, set[str]]) -> int:
    if not warnings:
        return 0
    by_customer: dict[int, list[Warning]] = defaultdict(list)
    for warning in warnings:
        by_customer[warning.customer_id].append(warning)
    beheerders: dict[int, set[str]] = defaultdict(set)
    for customer_id, email in Membership.objects.filter(
        customer_id__in=by_customer, role=Role.BEHEERDER
    ).values_list("customer_id", "contact__user__email"):
        if email:
            beheerders[customer_id].add(email)
    numbers = dict(Customer.objects.filter(id__in=by_customer).values_list("id", "number"))
    link = settings.SITE_URL.rstrip("/") + reverse("licensing:warnings")
    emails = []
    for customer_id, found in by_customer.items():
        per_address: dict[str, list[Warning]] = defaultdict(list)
        for warning in found:
            addresses = set(beheerders[customer_id])
            if warning.kind == WarningKind.SIGNAL:
                addresses |= recipients_of.get(warning.signal_id, set())
            for address in addresses:
                per_address[address].append(warning)
        for address, listed in sorted(per_address.items()):
            ids = ",".join(str(w.id) for w in sorted(listed, key=lambda w: w.id))
            digest = hashlib.sha256(f"{customer_id}|{address}|{ids}".encode()).hexdigest()
            emails.append(
                OutboxEmail(
                    customer_id=customer_id,
                    to=address,
                    subject=_g("Licentieportaal: nieuwe meldingen voor klant %(number)s")
                    % {"number": numbers[customer_id]},
                    body=_email_body(listed, link=link),
                    dedupe_key=f"warnings:{customer_id}:{digest}",
                )
            )
    return len(OutboxEmail.objects.bulk_create(emails, ignore_conflicts=True))


def _email_body(warnings: list[Warning], *, link: str) -> str:
    deviations = [w for w in warnings if w.kind == WarningKind.DEVIATION]
    others = [w for w in warnings if w.kind != WarningKind.DEVIATION]
    parts = [_g("Beste beheerder,"), ""]
    parts.append(_g("Bij het vernieuwen van de licentiegegevens vannacht is het volgende nieuw gevonden."))
    if deviations:
        parts += ["", _g("Afwijkingen, gevonden en gecorrigeerd:")]
        for warning in deviations:
            cause = DeviationCause(warning.cause).label if warning.cause else ""
            parts.append(f"- {warning.message}" + (f" ({_g('oorzaak')}: {cause})" if cause else ""))
    if others:
        parts += ["", _g("Nieuwe waarschuwingen:")]
        parts += [f"- {warning.get_kind_display()}: {warning.message}" for warning in others]
    parts += ["", _g("Bekijk alle afwijkingen en signalen in het portaal:"), link, "", _g("Licentieportaal")]
    return "\n".join(parts) + "\n"


def pending_emails():
    """The outbox's e-mails still to send: not sent, and not given up on after too many attempts."""
    return OutboxEmail.objects.filter(sent_at__isnull=True, attempts__lt=OUTBOX_MAX_ATTEMPTS)


def send_pending_emails(*, limit: int = 500) -> int:
    """Send what the outbox holds, each row locked while it is sent so two senders never both send it."""
    sent = 0
    skipped: list[int] = []
    for _attempt in range(limit):
        with transaction.atomic():
            email = (
                pending_emails()
                .select_for_update(skip_locked=True)
                .exclude(id__in=skipped)
                .order_by("id")
                .first()
            )
            if email is None:
                break
            message = EmailMessage(
                subject=email.subject,
                body=email.body,
                to=[email.to],
                headers={
                    "Message-ID": f"<{hashlib.sha256(email.dedupe_key.encode()).hexdigest()}@licentieportaal>"
                },
            )
            try:
                message.send()
            except OSError as exc:
                email.attempts += 1
                email.last_error = str(exc)[:2000]
                email.save(update_fields=["attempts", "last_error"])
                skipped.append(email.id)
                continue
            email.sent_at = timezone.now()
            email.attempts += 1
            email.save(update_fields=["sent_at", "attempts"])
            sent += 1
    return sent


# --- Runs and batches ---


def start_run(
    *,
    kind: str = RunKind.MANUAL,
    customer_ids: Sequence[int] | None = None,
    run_date: date | None = None,
    batch_size: int | None = None,
) -> RefreshRun | None:
    """A run with its batches; None when a scheduled run for `run_date` already exists (the daily lock)."""
    if customer_ids is None:
        customer_ids = list(
            Customer.objects.filter(is_active=True).order_by("id").values_list("id", flat=True)
        )
    ids = list(customer_ids)
    size = max(batch_size or settings.LICENSE_REFRESH_BATCH_SIZE, 1)
    try:
        with transaction.atomic():
            run = RefreshRun.objects.create(kind=kind, run_date=run_date, expected=len(ids))
            RefreshBatch.objects.bulk_create(
                [RefreshBatch(run=run, customer_ids=ids[i : i + size]) for i in range(0, len(ids), size)]
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
            result = refresh_customers(customer_ids=batch.customer_ids, run=batch.run)
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
            one = refresh_customers(customer_ids=[customer_id], run=batch.run)
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
    RefreshRun.objects.filter(id=batch.run_id).update(
        processed=F("processed") + len(batch.customer_ids) - len(failed), failed=F("failed") + len(failed)
    )
    finished = (
        RefreshRun.objects.filter(id=batch.run_id, finished_at__isnull=True)
        .alias(total=F("processed") + F("failed"))
        .filter(total__gte=F("expected"))
        .update(finished_at=now)
    )
    if finished:
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
