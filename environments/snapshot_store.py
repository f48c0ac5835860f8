"""Writing imported snapshots (for `environments.services.import_snapshots`, inside its transaction and
its lock on the environments): each environment's data replaced, its row stamped, its customer marked
as changed, and per customer what the import touched, for the unique-user summary.

On PostgreSQL an import of up to ONE_ROUND_TRIP_ROWS rows (a pushed snapshot of an ordinary
environment) is one round trip to the database: the identities, the deletes, the inserts (arrays
unnested, the identities joined by code), the environments' rows and the mark go as one batch of
statements. A larger one takes a few statements per table and COPY, which pays from thousands of rows.
"""

from datetime import datetime

from django.db import IntegrityError, connection

from .batch import execute_batch
from .inputs import mark_inputs_changed, mark_inputs_statements
from .models import Client, Declaration, Employee, Environment, EnvironmentUser, UserIdentity
from .snapshot_bulk import (
    DATA_MODELS,
    DELETE_DATA,
    USER_FIELDS,
    identity_ids_of,
    note_deleted,
    replace_data,
    table_of,
)
from .snapshots import ParsedSnapshot
from .summary import Touched

ONE_ROUND_TRIP_ROWS = 5000
ROWS_LOST = "{missing} user rows found no identity"


def store_snapshots(
    *, snapshots: list[ParsedSnapshot], environments: dict[str, Environment], now: datetime
) -> dict[int, Touched]:
    """Store `snapshots` (their environments locked, every check passed); returns {customer id: what
    was touched} for the customers whose content changed (an `unchanged` snapshot touches nothing)."""
    if not snapshots:
        return {}
    changed = [snapshot for snapshot in snapshots if not snapshot.unchanged]
    touched = {environments[snapshot.environment].customer_id: Touched() for snapshot in changed}
    for snapshot in snapshots:
        environment = environments[snapshot.environment]
        environment.data_taken_at = snapshot.taken_at
        environment.data_imported_at = now
        environment.data_digest = snapshot.digest
    rows = sum(len(s.users) + len(s.employees) + len(s.declarations) + len(s.clients) for s in changed)
    if connection.vendor == "postgresql" and rows <= ONE_ROUND_TRIP_ROWS:
        _store_in_one_round_trip(
            snapshots=snapshots, changed=changed, environments=environments, touched=touched
        )
        return touched
    if changed:
        identity_ids = identity_ids_of({user.code.lower() for s in changed for user in s.users})
        replace_data(snapshots=changed, environments=environments, identity_ids=identity_ids, touched=touched)
    for snapshot in snapshots:
        environments[snapshot.environment].save(
            update_fields=["data_taken_at", "data_imported_at", "data_digest"]
        )
    mark_inputs_changed(customer_ids=touched)
    return touched


def _unnest_insert(model, arrays: dict[str, str], *, select: str = "", tail: str = "") -> str:
    """INSERT of the model's rows from parameter arrays, `arrays` {name: element type}: the names that are
    the model's attributes, as they come; or the attributes of `select`'s order (`USER_FIELDS`)."""
    column_of = {field.attname: field.column for field in model._meta.concrete_fields}
    names = USER_FIELDS if select else [name for name in arrays if name in column_of]
    columns = ", ".join(connection.ops.quote_name(column_of[name]) for name in names)
    source = select or ", ".join(f"r.{name}" for name in names)
    unnest = ", ".join(f"%s::{kind}[]" for kind in arrays.values())
    return (
        f"INSERT INTO {table_of(model)} ({columns}) "
        f"SELECT {source} FROM unnest({unnest}) AS r({', '.join(arrays)}) {tail}"
    )


def _store_in_one_round_trip(
    *,
    snapshots: list[ParsedSnapshot],
    changed: list[ParsedSnapshot],
    environments: dict[str, Environment],
    touched: dict[int, Touched],
) -> None:
    statements: list[tuple[str, list, bool]] = []  # (sql, parameters, has rows to read)
    ids = [environments[snapshot.environment].id for snapshot in changed]
    pairs = [(environments[snapshot.environment].id, snapshot) for snapshot in changed]
    users = [(environment_id, user) for environment_id, snapshot in pairs for user in snapshot.users]
    if users:
        # In code order: concurrent imports insert the same new identities in the same order, no deadlock.
        codes = sorted({user.code.lower() for _, user in users})
        statements.append(
            (
                f"INSERT INTO {table_of(UserIdentity)} (code) SELECT unnest(%s::text[]) "
                "ON CONFLICT (code) DO NOTHING",
                [codes],
                False,
            )
        )
    if ids:
        tables = dict(
            zip(("users", "employees", "declarations", "clients"), map(table_of, DATA_MODELS), strict=True)
        )
        statements.append((DELETE_DATA.format(**tables).replace("%(ids)s", "%s"), [ids] * 4, True))
    if users:
        statements.append(
            (
                _unnest_insert(
                    EnvironmentUser,
                    {
                        "environment_id": "bigint",
                        "lower_code": "text",
                        "code": "text",
                        "name": "text",
                        "email": "text",
                        "profit": "boolean",
                        "insite": "boolean",
                        "outsite": "boolean",
                        "blocked": "boolean",
                        "kind": "text",
                        "last_login": "timestamptz",
                        "employee_guid": "uuid",
                    },
                    select=(
                        "r.environment_id, i.id, r.code, r.name, r.email, r.profit, r.insite, r.outsite, "
                        "r.blocked, r.kind, r.last_login, r.employee_guid"
                    ),
                    tail=(
                        f"JOIN {table_of(UserIdentity)} i ON i.code = r.lower_code "
                        "RETURNING environment_id, identity_id"
                    ),
                ),
                [
                    [environment_id for environment_id, _ in users],
                    [user.code.lower() for _, user in users],
                    [user.code for _, user in users],
                    [user.name for _, user in users],
                    [user.email for _, user in users],
                    [user.profit for _, user in users],
                    [user.insite for _, user in users],
                    [user.outsite for _, user in users],
                    [user.blocked for _, user in users],
                    [user.kind for _, user in users],
                    [user.last_login for _, user in users],
                    [user.employee for _, user in users],
                ],
                True,
            )
        )
    employees = [
        (environment_id, employee) for environment_id, snapshot in pairs for employee in snapshot.employees
    ]
    if employees:
        statements.append(
            (
                _unnest_insert(
                    Employee,
                    {
                        "environment_id": "bigint",
                        "guid": "uuid",
                        "name": "text",
                        "in_service": "boolean",
                        "kind": "text",
                    },
                ),
                [
                    [environment_id for environment_id, _ in employees],
                    [employee.guid for _, employee in employees],
                    [employee.name for _, employee in employees],
                    [employee.in_service for _, employee in employees],
                    [employee.kind for _, employee in employees],
                ],
                False,
            )
        )
    declarations = [(environment_id, d) for environment_id, snapshot in pairs for d in snapshot.declarations]
    if declarations:
        statements.append(
            (
                _unnest_insert(
                    Declaration, {"environment_id": "bigint", "number": "text", "display_number": "text"}
                ),
                [
                    [environment_id for environment_id, _ in declarations],
                    [declaration.number.lower() for _, declaration in declarations],
                    [declaration.number for _, declaration in declarations],
                ],
                False,
            )
        )
    clients = [(environment_id, c) for environment_id, snapshot in pairs for c in snapshot.clients]
    if clients:
        statements.append(
            (
                _unnest_insert(
                    Client,
                    {"environment_id": "bigint", "code": "text", "display_code": "text", "name": "text"},
                ),
                [
                    [environment_id for environment_id, _ in clients],
                    [client.code.lower() for _, client in clients],
                    [client.code for _, client in clients],
                    [client.name for _, client in clients],
                ],
                False,
            )
        )
    stamped = [environments[snapshot.environment] for snapshot in snapshots]
    statements.append(
        (
            f"UPDATE {table_of(Environment)} e SET data_taken_at = v.taken_at, data_imported_at = %s, "
            "data_digest = v.digest FROM unnest(%s::bigint[], %s::timestamptz[], %s::text[]) "
            "AS v(id, taken_at, digest) WHERE e.id = v.id",
            [
                stamped[0].data_imported_at,
                [environment.id for environment in stamped],
                [environment.data_taken_at for environment in stamped],
                [environment.data_digest for environment in stamped],
            ],
            False,
        )
    )
    statements += [(sql, params, False) for sql, params in mark_inputs_statements(customer_ids=touched)]
    results = execute_batch(statements)
    customer_of = {environment.id: environment.customer_id for environment in environments.values()}
    if ids:
        note_deleted(touched, customer_of, results.pop(0))
    if users:
        inserted = results.pop(0)
        if len(inserted) != len(users):  # every code's identity was inserted first: cannot happen
            raise IntegrityError(ROWS_LOST.format(missing=len(users) - len(inserted)))
        for environment_id, identity_id in inserted:
            touched[customer_of[environment_id]].identities.add(identity_id)
    for _, snapshot in pairs:
        touched[environments[snapshot.environment].customer_id].guids.update(
            e.guid for e in snapshot.employees
        )
