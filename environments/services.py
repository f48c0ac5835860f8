"""Writes to environments: importing snapshots (and reading them, the one way in for the command and
the API)."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import BinaryIO

from django.db import DataError, IntegrityError, connection, transaction
from django.utils import timezone

from .inputs import mark_inputs_changed
from .models import Client, Declaration, Employee, Environment, EnvironmentUser, UserIdentity
from .snapshot_digest import content_digest, unchanged_snapshot
from .snapshot_messages import SnapshotError, StaleSnapshot, printable
from .snapshot_reading import read_snapshot
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
    stream: BinaryIO, *, source_name: str, gzipped: bool = False, max_bytes: int | None = None
) -> ParsedSnapshot:
    """One snapshot read from `stream` and validated: the one way in of `import_snapshot` and the API.

    Never reads more than `max_bytes` (default SNAPSHOT_MAX_BYTES) of the snapshot, decompressed
    first when `gzipped`; raises SnapshotError (SnapshotTooLarge above the limit) naming every problem.
    """
    raw = read_snapshot(stream, source_name=source_name, gzipped=gzipped, max_bytes=max_bytes)
    digest = content_digest(raw)
    unchanged = unchanged_snapshot(raw, source_name=source_name, digest=digest)
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
            changed = [snapshot for snapshot in snapshots if not snapshot.unchanged]
            touched = Touched()
            if changed:
                identity_ids = _identity_ids({user.code.lower() for s in changed for user in s.users})
                touched = _replace_data(
                    snapshots=changed, environments=environments, identity_ids=identity_ids
                )
            for snapshot in snapshots:
                environment = environments[snapshot.environment]
                environment.data_taken_at = snapshot.taken_at
                environment.data_imported_at = now
                environment.data_digest = snapshot.digest
                environment.save(update_fields=["data_taken_at", "data_imported_at", "data_digest"])
            changed_customers = {environments[s.environment].customer_id for s in changed}
            # Locks the customers' rows until the commit: imports of one customer's environments refresh
            # its summary one after the other, each seeing what the one before committed.
            mark_inputs_changed(customer_ids=changed_customers)
            if changed_customers:  # an unchanged snapshot leaves the summary as it is
                user_summaries_refresh(
                    customer_ids=changed_customers, now=now, identities_of=touched.identities_by_customer()
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


def _identity_ids(codes: set[str]) -> dict[str, int]:
    """{normalised code: identity id}, creating the identities not seen before."""
    ordered = sorted(codes)  # concurrent imports insert in the same order and so never deadlock
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(UserIdentity._meta.db_table)
        with connection.cursor() as cursor:
            # One statement: the new identities from RETURNING, the others from the table as the
            # statement began. One that another import committed meanwhile is in neither: read again.
            cursor.execute(
                f"WITH wanted AS (SELECT unnest(%s::text[]) AS code), "
                f"new AS (INSERT INTO {table} (code) SELECT code FROM wanted "
                f"ON CONFLICT (code) DO NOTHING RETURNING code, id) "
                f"SELECT code, id FROM new "
                f"UNION ALL SELECT code, t.id FROM {table} t JOIN wanted USING (code)",
                [ordered],
            )
            ids = dict(cursor.fetchall())
            if len(ids) < len(ordered):
                missing = [code for code in ordered if code not in ids]
                cursor.execute(f"SELECT code, id FROM {table} WHERE code = ANY(%s::text[])", [missing])
                ids.update(cursor.fetchall())
            return ids
    UserIdentity.objects.bulk_create(
        [UserIdentity(code=code) for code in ordered], ignore_conflicts=True, batch_size=BATCH_SIZE
    )
    ids: dict[str, int] = {}
    for start in range(0, len(ordered), BATCH_SIZE):
        ids.update(
            UserIdentity.objects.filter(code__in=ordered[start : start + BATCH_SIZE]).values_list(
                "code", "id"
            )
        )
    return ids


DATA_MODELS = (EnvironmentUser, Employee, Declaration, Client)
USER_FIELDS = (
    "environment_id",
    "identity_id",
    "code",
    "name",
    "email",
    "profit",
    "insite",
    "outsite",
    "blocked",
    "kind",
    "last_login",
    "employee_guid",
)
EMPLOYEE_FIELDS = ("environment_id", "guid", "name", "in_service", "kind")
DECLARATION_FIELDS = ("environment_id", "number", "display_number")
CLIENT_FIELDS = ("environment_id", "code", "display_code", "name")


@dataclass
class Touched:
    """What an import's new and replaced rows touch, per customer: the identities of their users and the
    GUIDs of their employees (a user elsewhere linked to one may change its cleanup rules)."""

    identities: dict[int, set[int]] = field(default_factory=dict)
    guids: dict[int, set[uuid.UUID]] = field(default_factory=dict)

    def add(
        self, customer_id: int, *, identities: Iterable[int] = (), guids: Iterable[uuid.UUID] = ()
    ) -> None:
        self.identities.setdefault(customer_id, set()).update(identities)
        self.guids.setdefault(customer_id, set()).update(guids)

    def identities_by_customer(self) -> dict[int, set[int]]:
        """The identities whose summary may have changed: those touched, and the customer's users
        linked to a touched employee GUID (read now: the caller holds the customer's lock)."""
        result = {customer_id: set(ids) for customer_id, ids in self.identities.items()}
        for customer_id, guids in self.guids.items():
            if guids:
                result.setdefault(customer_id, set()).update(
                    EnvironmentUser.objects.filter(
                        environment__customer_id=customer_id, employee_guid__in=sorted(guids)
                    ).values_list("identity_id", flat=True)
                )
        return result


_DELETE_DATA = """
WITH users AS (DELETE FROM {users} WHERE environment_id = ANY(%(ids)s) RETURNING environment_id, identity_id),
employees AS (DELETE FROM {employees} WHERE environment_id = ANY(%(ids)s) RETURNING environment_id, guid),
declarations AS (DELETE FROM {declarations} WHERE environment_id = ANY(%(ids)s)),
clients AS (DELETE FROM {clients} WHERE environment_id = ANY(%(ids)s))
SELECT environment_id, identity_id, NULL::uuid FROM users
UNION ALL SELECT environment_id, NULL::bigint, guid FROM employees
"""


def _delete_data(environment_ids: list[int]) -> list[tuple[int, int | None, uuid.UUID | None]]:
    """Deletes the environments' data; returns (environment id, identity id, None) for each user row
    and (environment id, None, GUID) for each employee it deleted. One statement on PostgreSQL."""
    if connection.vendor == "postgresql":
        tables = {
            name: connection.ops.quote_name(model._meta.db_table)
            for name, model in zip(
                ("users", "employees", "declarations", "clients"), DATA_MODELS, strict=True
            )
        }
        with connection.cursor() as cursor:
            cursor.execute(_DELETE_DATA.format(**tables), {"ids": environment_ids})
            return cursor.fetchall()
    old = [
        (environment_id, identity_id, None)
        for environment_id, identity_id in EnvironmentUser.objects.filter(
            environment_id__in=environment_ids
        ).values_list("environment_id", "identity_id")
    ]
    old += [
        (environment_id, None, guid)
        for environment_id, guid in Employee.objects.filter(environment_id__in=environment_ids).values_list(
            "environment_id", "guid"
        )
    ]
    for model in DATA_MODELS:
        rows = model.objects.filter(environment_id__in=environment_ids)
        rows._raw_delete(rows.db)  # nothing refers to these rows: no cascade to collect
    return old


def _replace_data(
    *, snapshots: list[ParsedSnapshot], environments: dict[str, Environment], identity_ids: dict[str, int]
) -> Touched:
    customer_of = {environment.id: environment.customer_id for environment in environments.values()}
    touched = Touched()
    for environment_id, identity_id, guid in _delete_data(
        [environments[s.environment].id for s in snapshots]
    ):
        if identity_id is not None:
            touched.add(customer_of[environment_id], identities=[identity_id])
        else:
            touched.add(customer_of[environment_id], guids=[guid])
    pairs = [(environments[snapshot.environment].id, snapshot) for snapshot in snapshots]
    for environment_id, snapshot in pairs:
        touched.add(
            customer_of[environment_id],
            identities=[identity_ids[user.code.lower()] for user in snapshot.users],
            guids=[employee.guid for employee in snapshot.employees],
        )
    _insert_rows(
        EnvironmentUser,
        USER_FIELDS,
        (
            (
                environment_id,
                identity_ids[user.code.lower()],
                user.code,
                user.name,
                user.email,
                user.profit,
                user.insite,
                user.outsite,
                user.blocked,
                user.kind,
                user.last_login,
                user.employee,
            )
            for environment_id, snapshot in pairs
            for user in snapshot.users
        ),
    )
    _insert_rows(
        Employee,
        EMPLOYEE_FIELDS,
        (
            (environment_id, employee.guid, employee.name, employee.in_service, employee.kind)
            for environment_id, snapshot in pairs
            for employee in snapshot.employees
        ),
    )
    _insert_rows(
        Declaration,
        DECLARATION_FIELDS,
        (
            (environment_id, declaration.number.lower(), declaration.number)
            for environment_id, snapshot in pairs
            for declaration in snapshot.declarations
        ),
    )
    _insert_rows(
        Client,
        CLIENT_FIELDS,
        (
            (environment_id, client.code.lower(), client.code, client.name)
            for environment_id, snapshot in pairs
            for client in snapshot.clients
        ),
    )
    return touched


def _insert_rows(model, fields: tuple[str, ...], rows: Iterable[tuple]) -> None:
    """Writes `rows` (values of `fields`, attribute names) into the model's table.

    PostgreSQL takes them through COPY, without a model object or an INSERT statement per batch:
    100,000 users go in 4x faster than with bulk_create. Constraint violations arrive as Django's
    IntegrityError either way.
    """
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            (model(**dict(zip(fields, row, strict=True))) for row in rows), batch_size=BATCH_SIZE
        )
        return
    column_of = {field.attname: field.column for field in model._meta.concrete_fields}
    quote = connection.ops.quote_name
    columns = ", ".join(quote(column_of[name]) for name in fields)
    sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def environment_save(*, environment: Environment) -> Environment:
    """Add or change an environment (the back office). What it counts for may change (added,
    decommissioned, another type, moved to another customer): both customers are counted again."""
    with transaction.atomic():
        before = Environment.objects.filter(pk=environment.pk).values_list("customer_id", flat=True).first()
        environment.save()
        mark_inputs_changed(customer_ids=[environment.customer_id, before])
        # Its users count elsewhere now: the summaries of the customers it left and joined.
        user_summaries_refresh(customer_ids={environment.customer_id, before} - {None})
    return environment


def environment_delete(*, environment: Environment) -> None:
    with transaction.atomic():
        environment.delete()
        mark_inputs_changed(customer_ids=[environment.customer_id])
        user_summaries_refresh(customer_ids=[environment.customer_id])


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
