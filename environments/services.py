"""Writes to environments: importing snapshots (and reading them, the one way in for the command and
the API)."""

from dataclasses import dataclass, replace
from datetime import datetime
from typing import BinaryIO

from django.db import DataError, IntegrityError, transaction
from django.utils import timezone

from .employee_summary import employee_summaries_refresh
from .inputs import mark_inputs_changed
from .models import Environment, EnvironmentUser
from .snapshot_bulk import DATA_MODELS
from .snapshot_digest import content_digest, unchanged_snapshot
from .snapshot_messages import SnapshotError, StaleSnapshot, printable
from .snapshot_reading import read_snapshot
from .snapshot_store import store_snapshots
from .snapshots import ParsedSnapshot, parse_snapshot
from .summary import user_summaries_refresh

BATCH_SIZE = 2000
# The database's own words, cut to this length: enough to name the constraint.
DETAIL_LENGTH = 300

UNKNOWN_ENVIRONMENT = "environment {code} does not exist"
WRONG_CUSTOMER = "environment {code} does not fit its customer {number}"
ENVIRONMENT_TWICE = "environment {code} is also imported from {other}"
STALE = "snapshot taken at {taken_at} is older than the data it would replace (taken at {current})"
NOT_STORED = "could not be stored: {detail}"
CHANGED_MEANWHILE = "the data of environment {code} changed while this snapshot was read; send it again"


@dataclass(frozen=True)
class ImportResult:
    source_name: str
    environment: str
    taken_at: datetime
    users: int
    employees: int
    declarations: int
    clients: int


def load_snapshot(
    stream: BinaryIO,
    *,
    source_name: str,
    gzipped: bool = False,
    max_bytes: int | None = None,
    environment: Environment | None = None,
) -> ParsedSnapshot:
    """One snapshot read from `stream` and validated: the one way in of `import_snapshot` and the API.

    Never reads more than `max_bytes` (default SNAPSHOT_MAX_BYTES) of the snapshot, decompressed
    first when `gzipped`; raises SnapshotError (SnapshotTooLarge above the limit) naming every problem.
    `environment`: the one the caller expects, as just read (its digest then needs no query).
    """
    raw = read_snapshot(stream, source_name=source_name, gzipped=gzipped, max_bytes=max_bytes)
    digest = content_digest(raw)
    unchanged = unchanged_snapshot(raw, source_name=source_name, digest=digest, known=environment)
    if unchanged is not None:  # the environment's last import: only taken_at is read
        return unchanged
    return replace(parse_snapshot(raw, source_name=source_name, max_bytes=max_bytes), digest=digest)


def import_snapshots(*, snapshots: list[ParsedSnapshot], now: datetime | None = None) -> list[ImportResult]:
    """Replaces the users, employees, declarations and clients of each snapshot's environment.

    All snapshots go in one transaction: when any of them is refused (unknown environment, code
    not of its customer, stale, the same environment twice), nothing is changed and SnapshotError
    names every problem. Everything that needs no database (types, text, the date window, a
    taken_at in the future) was refused by `parse_snapshot`. A snapshot `unchanged` since its
    environment's last import (`load_snapshot` saw the digest) writes only its taken_at.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            environments = _lock_environments(snapshots=snapshots)
            # Writes the data, the environments' rows, and marks the customers whose content changed,
            # which locks their rows until the commit: imports of one customer's environments refresh
            # its summary one after the other, each seeing what the one before committed.
            touched = store_snapshots(snapshots=snapshots, environments=environments, now=now)
            if touched:  # an unchanged snapshot leaves the summary as it is
                user_summaries_refresh(customer_ids=touched, now=now, touched=touched)
                employee_summaries_refresh(
                    customer_ids=touched, guids={customer: t.guids for customer, t in touched.items()}
                )
    except (IntegrityError, DataError) as exc:
        # Parsing should have refused anything the database would; this keeps a miss a clear refusal.
        names = ", ".join(snapshot.source_name for snapshot in snapshots)
        message = NOT_STORED.format(detail=printable(str(exc), DETAIL_LENGTH))
        raise SnapshotError(f"{names}: {message}", fields=[("", message)]) from exc
    return [_result(snapshot, environments[snapshot.environment]) for snapshot in snapshots]


def _result(snapshot: ParsedSnapshot, environment: Environment) -> ImportResult:
    if snapshot.unchanged:  # what the last import stored, and still there
        sizes = [model.objects.filter(environment=environment).count() for model in DATA_MODELS]
    else:
        sizes = [len(snapshot.users), len(snapshot.employees), len(snapshot.declarations)]
        sizes.append(len(snapshot.clients))
    return ImportResult(snapshot.source_name, snapshot.environment, snapshot.taken_at, *sizes)


def _lock_environments(*, snapshots: list[ParsedSnapshot]) -> dict[str, Environment]:
    """The snapshots' environments, locked so that concurrent imports cannot both pass the stale check."""
    codes = sorted({snapshot.environment for snapshot in snapshots})
    environments = {
        environment.code: environment
        for environment in Environment.objects.select_for_update(of=("self",))
        .select_related("customer")
        .filter(code__in=codes)
        .order_by("id")
    }
    errors: list[str] = []
    fields: list[tuple[str, str]] = []
    stale = 0

    def refuse(source: str, field: str, message: str) -> None:
        errors.append(f"{source}: {field}: {message}")
        fields.append((field, message))

    seen: dict[str, str] = {}
    for snapshot in snapshots:
        code, source = snapshot.environment, snapshot.source_name
        if code in seen:
            refuse(source, "environment", ENVIRONMENT_TWICE.format(code=code, other=seen[code]))
            continue
        seen[code] = source
        environment = environments.get(code)
        if environment is None:
            refuse(source, "environment", UNKNOWN_ENVIRONMENT.format(code=code))
            continue
        if environment.customer_digits != environment.customer.number or code[0] != environment.type:
            refuse(
                source, "environment", WRONG_CUSTOMER.format(code=code, number=environment.customer.number)
            )
        taken_at = snapshot.taken_at
        if environment.data_taken_at and taken_at < environment.data_taken_at:
            current = environment.data_taken_at.astimezone(taken_at.tzinfo).isoformat()
            refuse(source, "taken_at", STALE.format(taken_at=taken_at.isoformat(), current=current))
            stale += 1
        elif snapshot.unchanged and snapshot.digest != environment.data_digest:
            refuse(source, "environment", CHANGED_MEANWHILE.format(code=code))
            stale += 1
    if errors:
        refusal = StaleSnapshot if stale == len(errors) else SnapshotError
        raise refusal.from_errors(errors, fields=fields)
    return environments


def environment_save(*, environment: Environment) -> Environment:
    """Add or change an environment (the back office). What it counts for may change (added,
    decommissioned, another type, moved to another customer): both customers are counted again."""
    with transaction.atomic():
        before = Environment.objects.filter(pk=environment.pk).values_list("customer_id", flat=True).first()
        environment.save()
        mark_inputs_changed(customer_ids=[environment.customer_id, before])
        # Its users count elsewhere now: the summaries of the customers it left and joined.
        user_summaries_refresh(customer_ids={environment.customer_id, before} - {None})
        employee_summaries_refresh(customer_ids={environment.customer_id, before})
    return environment


def environment_delete(*, environment: Environment) -> None:
    with transaction.atomic():
        environment.delete()
        mark_inputs_changed(customer_ids=[environment.customer_id])
        user_summaries_refresh(customer_ids=[environment.customer_id])
        employee_summaries_refresh(customer_ids=[environment.customer_id])


def environment_users_set_blocked(
    *, customer_id: int, identity_id: int, blocked: bool, environment_id: int | None = None
) -> list[str]:
    """Block or unblock one user (identity) in the customer's active environments, or in one of them.

    Returns the codes of the environments where it changed, in code order. The next snapshot of an
    environment replaces this again: the environment's own data stays the truth. The license is not
    this app's business: call it through licensing.maintenance.services, which refuses an unblock
    that would take a line above its maximum.
    """
    with transaction.atomic():
        users = EnvironmentUser.objects.select_for_update(of=("self",)).filter(
            identity_id=identity_id,
            environment__customer_id=customer_id,
            environment__is_active=True,
            blocked=not blocked,
        )
        if environment_id is not None:
            users = users.filter(environment_id=environment_id)
        changed = dict(users.order_by("environment__code").values_list("id", "environment__code"))
        EnvironmentUser.objects.filter(id__in=changed).update(blocked=blocked)
        if changed:
            # The data is no longer what the last snapshot said: its next import is imported in full.
            Environment.objects.filter(code__in=changed.values()).update(data_digest="")
            mark_inputs_changed(customer_ids=[customer_id])
            user_summaries_refresh(customer_ids=[customer_id], identity_ids=[identity_id])
    return list(changed.values())
