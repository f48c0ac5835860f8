"""The recount benchmark's data set in the database: generating, sizing and deleting it.

What is bench data is decided in `population` (customer numbers, name prefix, identity codes);
deleting bench data touches nothing else. Generation is set-based SQL and therefore PostgreSQL only.
The generator writes the product's vocabulary (items, scopes, user kinds) as the product defines it:
it builds input for the recount, it does not count.
"""

import time
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from environments.models import Environment
from environments.vocabulary import Item, Scope
from licensing.models import License, LicenseLine
from portal.models import Customer

from .population import (
    BENCH_CODE_PREFIX,
    BENCH_EMAIL_DOMAIN,
    BENCH_LOWEST_NUMBER,
    BENCH_NAME_PREFIX,
    CustomerShape,
    EnvironmentShape,
    first_number_for,
)
from .tables import TABLES, sql

NOT_POSTGRESQL = (
    "bench_refresh needs PostgreSQL (set DATABASE_URL); it generates its data with set-based SQL."
)
NUMBERS_TAKEN = (
    "Customer numbers {first}-{last} are needed for bench data but {taken} of them hold real customers."
)

Progress = Callable[[str], None]

IN_BENCH_ENVIRONMENTS = "environment_id IN (SELECT id FROM {environment} WHERE customer_id = ANY(%s))"
BENCH_LINES = (
    "SELECT l.id FROM {line} l JOIN {license} c ON c.id = l.license_id WHERE c.customer_id = ANY(%s)"
)
# What the nightly job wrote about the lines goes first: the history and the warnings refer to them.
DELETE_LINES = (
    "DELETE FROM {snapshot} WHERE line_id IN (" + BENCH_LINES + ")",
    "DELETE FROM {warning} WHERE customer_id = ANY(%s)",
    "DELETE FROM {line} WHERE id IN (" + BENCH_LINES + ")",
)


def bench_customers():
    return Customer.objects.filter(
        number__gte=str(BENCH_LOWEST_NUMBER), number__lte="99999", name__startswith=BENCH_NAME_PREFIX
    )


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        raise RuntimeError(NOT_POSTGRESQL)


def delete_bench_data(*, progress: Progress) -> None:
    """Remove all bench data; non-bench data is never touched."""
    customer_ids = list(bench_customers().values_list("id", flat=True))
    if customer_ids:
        progress(f"deleting previous bench data ({len(customer_ids)} customers)")
        with connection.cursor() as cursor:
            # The big tables by hand: the ORM would load millions of rows into memory to delete them.
            for table in ("user", "employee", "declaration", "client"):
                cursor.execute(
                    sql("DELETE FROM {table} WHERE " + IN_BENCH_ENVIRONMENTS, table=TABLES[table]),
                    [customer_ids],
                )
            for statement in DELETE_LINES:
                cursor.execute(sql(statement), [customer_ids])
        # The rest through the ORM, so whatever else refers to these rows is handled by its on_delete.
        Environment.objects.filter(customer_id__in=customer_ids).delete()
        License.objects.filter(customer_id__in=customer_ids).delete()
        Customer.objects.filter(id__in=customer_ids).delete()
    get_user_model().objects.filter(username__endswith=BENCH_EMAIL_DOMAIN).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            sql(
                "DELETE FROM {identity} i WHERE i.code LIKE %s "
                "AND NOT EXISTS (SELECT 1 FROM {user} u WHERE u.identity_id = i.id)"
            ),
            [BENCH_CODE_PREFIX + "%"],
        )


def check_numbers_free(customers: int) -> None:
    first = first_number_for(customers)
    last = first + customers - 1
    taken = (
        Customer.objects.filter(number__gte=f"{first:05d}", number__lte=f"{last:05d}")
        .exclude(name__startswith=BENCH_NAME_PREFIX)
        .count()
    )
    if taken:
        raise RuntimeError(NUMBERS_TAKEN.format(first=first, last=last, taken=taken))


def _copy(cursor, table: str, columns: tuple[str, ...], rows) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def generate(
    *,
    customer_shapes: list[CustomerShape],
    environment_shapes: list[EnvironmentShape],
    progress: Progress,
    licenses_only: bool = False,
) -> None:
    """Write the planned population with set-based SQL. `licenses_only`: the environments' data is
    already there (left by an earlier run), write the licenses and their lines afresh."""
    require_postgresql()
    with transaction.atomic(), connection.cursor() as outer:
        cursor = outer.cursor  # the psycopg cursor, for COPY
        cursor.execute(
            "CREATE TEMP TABLE bench_customer (number text PRIMARY KEY, user_pool int, employee_pool int, "
            "declaration_pool int, client_pool int, edition text) ON COMMIT DROP"
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_environment (number text, code text PRIMARY KEY, type text, "
            "ordinal int, is_active bool, users int, user_offset int, employees int, declarations int, "
            "clients int) ON COMMIT DROP"
        )
        _copy(
            cursor,
            "bench_customer",
            ("number", "user_pool", "employee_pool", "declaration_pool", "client_pool", "edition"),
            (
                (c.number, c.user_pool, c.employee_pool, c.declaration_pool, c.client_pool, c.edition)
                for c in customer_shapes
            ),
        )
        _copy(
            cursor,
            "bench_environment",
            (
                "number",
                "code",
                "type",
                "ordinal",
                "is_active",
                "users",
                "user_offset",
                "employees",
                "declarations",
                "clients",
            ),
            (
                (
                    e.number,
                    e.code,
                    e.type,
                    e.ordinal,
                    e.is_active,
                    e.users,
                    e.user_offset,
                    e.employees,
                    e.declarations,
                    e.clients,
                )
                for e in environment_shapes
            ),
        )
        cursor.execute("ANALYZE bench_customer")
        cursor.execute("ANALYZE bench_environment")
        cursor.execute("SELECT setseed(0.2026)")

        def step(label: str, template: str) -> None:
            if licenses_only and label not in ("licenses", "license lines"):
                return
            started = time.monotonic()
            cursor.execute(sql(template))
            progress(f"  {label}: {cursor.rowcount:,} rows ({time.monotonic() - started:.1f}s)")

        step(
            "customers",
            "INSERT INTO {customer} (number, name, is_active, created_at) "
            f"SELECT number, '{BENCH_NAME_PREFIX}' || number, true, now() FROM bench_customer",
        )
        # One Beheerder per customer, so the nightly job has someone to e-mail.
        step(
            "beheerders (users)",
            "INSERT INTO {auth_user} (password, is_superuser, username, first_name, last_name, email, "
            "is_staff, is_active, date_joined) "
            f"SELECT '!', false, 'beheerder.' || number || '{BENCH_EMAIL_DOMAIN}', '', '', "
            f"'beheerder.' || number || '{BENCH_EMAIL_DOMAIN}', false, true, now() FROM bench_customer",
        )
        step(
            "beheerders (contacts)",
            "INSERT INTO {contact} (user_id, name) "
            "SELECT u.id, 'Beheerder ' || b.number FROM bench_customer b "
            f"JOIN {{auth_user}} u ON u.username = 'beheerder.' || b.number || '{BENCH_EMAIL_DOMAIN}'",
        )
        step(
            "beheerders (roles)",
            "INSERT INTO {membership} (contact_id, customer_id, role, created_at) "
            "SELECT p.id, c.id, 'beheerder', now() FROM bench_customer b "
            "JOIN {customer} c ON c.number = b.number "
            f"JOIN {{auth_user}} u ON u.username = 'beheerder.' || b.number || '{BENCH_EMAIL_DOMAIN}' "
            "JOIN {contact} p ON p.user_id = u.id",
        )
        step(
            "environments",
            "INSERT INTO {environment} (customer_id, code, type, name, is_active, decommissioned_at, "
            "data_taken_at, data_imported_at, created_at) "
            "SELECT c.id, b.code, b.type, 'Benchmark ' || b.code, b.is_active, "
            "CASE WHEN b.is_active THEN NULL ELSE now() - interval '30 days' END, "
            "now() - interval '1 hour', now(), now() "
            "FROM bench_environment b JOIN {customer} c ON c.number = b.number",
        )
        step(
            "user identities",
            "INSERT INTO {identity} (code) "
            f"SELECT '{BENCH_CODE_PREFIX}' || b.number || '.gebruiker' || g "
            "FROM bench_customer b, generate_series(1, b.user_pool) g",
        )
        # Row flags: ~5 % blocked per row (so blocked in one environment, not in another), ~4 % of
        # the identities co-working users in all their environments, mixed access rights.
        step(
            "environment users",
            "INSERT INTO {user} (environment_id, identity_id, code, name, email, profit, insite, outsite, "
            "blocked, kind, last_login) "
            "SELECT e.id, i.id, "
            "CASE (b.ordinal + u.idx) % 4 WHEN 1 THEN upper(i.code) WHEN 2 THEN initcap(i.code) "
            "ELSE i.code END, "
            "'Gebruiker ' || u.idx, 'gebruiker' || u.idx || '@example.nl', "
            "random() < 0.85, random() < 0.45, random() < 0.10, random() < 0.05, "
            "CASE WHEN abs(hashtext(i.code)) % 25 = 0 THEN 'coworker' WHEN u.idx % 29 = 0 THEN 'temp' "
            "WHEN u.idx % 53 = 0 THEN 'intern' WHEN u.idx % 97 = 0 THEN 'system' ELSE 'person' END, "
            "now() - random() * interval '60 days' "
            "FROM bench_environment b "
            "JOIN bench_customer c ON c.number = b.number "
            "JOIN {environment} e ON e.code = b.code "
            "CROSS JOIN LATERAL (SELECT (b.user_offset + g) % c.user_pool + 1 AS idx "
            "  FROM generate_series(0, b.users - 1) g) u "
            f"JOIN {{identity}} i ON i.code = '{BENCH_CODE_PREFIX}' || b.number || '.gebruiker' || u.idx",
        )
        step(
            "employees",
            "INSERT INTO {employee} (environment_id, guid, name, in_service, kind) "
            "SELECT e.id, md5('bench' || b.number || '.' || ((b.user_offset + g) % c.employee_pool))::uuid, "
            "'Medewerker ' || g, random() < 0.9, 'staff' "
            "FROM bench_environment b JOIN bench_customer c ON c.number = b.number "
            "JOIN {environment} e ON e.code = b.code, generate_series(0, b.employees - 1) g",
        )
        step(
            "declarations",
            "INSERT INTO {declaration} (environment_id, number, display_number) "
            "SELECT e.id, b.number || lpad(g::text, 4, '0') || 'l01', "
            "b.number || lpad(g::text, 4, '0') || 'L01' "
            "FROM bench_environment b JOIN {environment} e ON e.code = b.code, "
            "generate_series(1, b.declarations) g",
        )
        step(
            "clients",
            "INSERT INTO {client} (environment_id, code, display_code, name) "
            "SELECT e.id, 'c' || lpad(g::text, 5, '0'), 'C' || lpad(g::text, 5, '0'), 'Cliënt ' || g "
            "FROM bench_environment b JOIN {environment} e ON e.code = b.code, "
            "generate_series(1, b.clients) g",
        )
        step(
            "licenses",
            "INSERT INTO {license} (customer_id, edition, flex, counted_at) "
            "SELECT c.id, b.edition, false, now() - interval '1 day' "
            "FROM bench_customer b JOIN {customer} c ON c.number = b.number WHERE b.edition IS NOT NULL",
        )
        # Lines as the contract has them, with yesterday's (stale) in-use figures; some lines are for
        # scopes without any environment, so the recount must bring them to 0.
        lines = ", ".join(
            f"('{item}', '{scope}')"
            for item, scope in (
                (Item.ENVIRONMENTS, Scope.LICENSE),
                (Item.EMPLOYEES, Scope.LICENSE),
                (Item.PROFIT_USERS, Scope.PRODUCTION),
                (Item.INSITE_USERS, Scope.PRODUCTION),
                (Item.PROFIT_USERS, Scope.TEST),
                (Item.OUTSITE_USERS, Scope.DEMO),
            )
        )
        step(
            "license lines",
            "INSERT INTO {line} (license_id, item, scope, maximum, portal, in_use) "
            "SELECT l.id, x.item, x.scope, m.maximum, m.maximum, (m.maximum * 0.8)::int "
            "FROM bench_customer b JOIN {customer} c ON c.number = b.number "
            "JOIN {license} l ON l.customer_id = c.id "
            f"CROSS JOIN (VALUES {lines}) x(item, scope) "
            "CROSS JOIN LATERAL (SELECT (b.user_pool * (1 + random()))::int + 1 AS maximum) m",
        )


def delete_bench_licenses() -> None:
    customer_ids = list(bench_customers().values_list("id", flat=True))
    with connection.cursor() as cursor:
        for statement in DELETE_LINES:
            cursor.execute(sql(statement), [customer_ids])
    License.objects.filter(customer_id__in=customer_ids).delete()


def bench_sizes() -> dict[str, int]:
    """Rows of bench data per table."""
    ids = list(bench_customers().values_list("id", flat=True))
    sizes = {"customers": len(ids)}
    with connection.cursor() as cursor:
        cursor.execute(
            sql(
                "SELECT count(*), count(*) FILTER (WHERE NOT is_active) FROM {environment} "
                "WHERE customer_id = ANY(%s)"
            ),
            [ids],
        )
        sizes["environments"], sizes["decommissioned"] = cursor.fetchone()
        cursor.execute(sql("SELECT count(*) FROM {identity} WHERE code LIKE %s"), [BENCH_CODE_PREFIX + "%"])
        sizes["user identities"] = cursor.fetchone()[0]
        for label, table in (
            ("environment users", "user"),
            ("employees", "employee"),
            ("declarations", "declaration"),
            ("clients", "client"),
        ):
            cursor.execute(
                sql("SELECT count(*) FROM {table} WHERE " + IN_BENCH_ENVIRONMENTS, table=TABLES[table]),
                [ids],
            )
            sizes[label] = cursor.fetchone()[0]
        cursor.execute(
            sql(
                "SELECT count(*) FILTER (WHERE blocked), count(*) FILTER (WHERE kind = 'coworker') "
                "FROM {user} WHERE " + IN_BENCH_ENVIRONMENTS
            ),
            [ids],
        )
        sizes["blocked users"], sizes["coworker users"] = cursor.fetchone()
        sizes["licenses"] = License.objects.filter(customer_id__in=ids).count()
        sizes["license lines"] = LicenseLine.objects.filter(license__customer_id__in=ids).count()
    return sizes


def vacuum_analyze(*, progress: Progress) -> None:
    started = time.monotonic()
    with connection.cursor() as cursor:
        for table in TABLES.values():
            cursor.execute(f"VACUUM ANALYZE {table}")
    progress(f"  VACUUM ANALYZE ({time.monotonic() - started:.1f}s)")
