"""The recount benchmark: a synthetic population, and a hand-written SQL recount to compare against.

Bench data is recognisable: customers numbered from BENCH_FIRST_NUMBER whose name starts with
BENCH_NAME_PREFIX, and user identities whose code starts with BENCH_CODE_PREFIX. Deleting bench
data touches nothing else. Generation is set-based SQL and therefore PostgreSQL only.
"""

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from environments.models import Client, Declaration, Employee, Environment, EnvironmentUser, UserIdentity
from environments.vocabulary import Item, Scope
from portal.models import Contact, Customer, Membership

from .models import CustomerRefresh, License, LicenseLine, OutboxEmail, UsageSnapshot, Warning

BENCH_FIRST_NUMBER = 90000
BENCH_MAX_CUSTOMERS = 100000 - BENCH_FIRST_NUMBER
BENCH_NAME_PREFIX = "Benchmark klant "
BENCH_CODE_PREFIX = "bench:"
BENCH_EMAIL_DOMAIN = "@bench.example.nl"
NOT_POSTGRESQL = (
    "bench_refresh needs PostgreSQL (set DATABASE_URL); it generates its data with set-based SQL."
)
NUMBERS_TAKEN = (
    "Customer numbers {first}-{last} are needed for bench data but {taken} of them hold real customers."
)

TYPE_WEIGHTS = (("O", 50), ("T", 30), ("A", 15), ("D", 5))
MAX_ENVIRONMENTS_PER_TYPE = 26 * 26

Progress = Callable[[str], None]
Counts = dict[tuple[int, str, str], int]

TABLES = {
    "customer": Customer._meta.db_table,
    "environment": Environment._meta.db_table,
    "identity": UserIdentity._meta.db_table,
    "user": EnvironmentUser._meta.db_table,
    "employee": Employee._meta.db_table,
    "declaration": Declaration._meta.db_table,
    "client": Client._meta.db_table,
    "license": License._meta.db_table,
    "line": LicenseLine._meta.db_table,
    "auth_user": get_user_model()._meta.db_table,
    "contact": Contact._meta.db_table,
    "membership": Membership._meta.db_table,
    "snapshot": UsageSnapshot._meta.db_table,
    "warning": Warning._meta.db_table,
}
# The tables the recount and the nightly job write to every night (every license's counted_at, the
# lines that changed, the day's snapshots, warnings, e-mails and per-customer run records).
BOOKKEEPING_TABLES = (
    License._meta.db_table,
    LicenseLine._meta.db_table,
    UsageSnapshot._meta.db_table,
    Warning._meta.db_table,
    OutboxEmail._meta.db_table,
    CustomerRefresh._meta.db_table,
)


def _sql(template: str, **names: str) -> str:
    return template.format(**TABLES, **names)


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


@dataclass(frozen=True)
class EnvironmentShape:
    number: str
    code: str
    type: str
    ordinal: int
    is_active: bool
    users: int
    user_offset: int
    employees: int
    declarations: int
    clients: int


@dataclass(frozen=True)
class CustomerShape:
    number: str
    user_pool: int
    employee_pool: int
    declaration_pool: int
    client_pool: int
    edition: str | None  # None: no license yet, the recount creates one


def bench_customers():
    last = BENCH_FIRST_NUMBER + BENCH_MAX_CUSTOMERS - 1
    return Customer.objects.filter(
        number__gte=str(BENCH_FIRST_NUMBER), number__lte=str(last), name__startswith=BENCH_NAME_PREFIX
    )


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        raise RuntimeError(NOT_POSTGRESQL)


def plan_population(
    *, customers: int, environments_per_customer: float, users_per_environment: float, seed: int = 2026
) -> tuple[list[CustomerShape], list[EnvironmentShape]]:
    """A skewed population: most customers have one or two small environments, a few have hundreds
    of environments and thousands of users. The averages match the arguments."""
    rng = random.Random(seed)
    # Pareto weights (the 80/20 rule): the size of a customer.
    weights = [min(rng.paretovariate(1.16), 400.0) for _ in range(customers)]
    total_environments = max(customers, round(customers * environments_per_customer))
    extra = total_environments - customers
    weight_sum = sum(weights)
    env_counts = [1 + int(extra * w / weight_sum) for w in weights]
    for _ in range(total_environments - sum(env_counts)):
        env_counts[rng.randrange(customers)] += 1
    env_counts = [min(n, 4 * MAX_ENVIRONMENTS_PER_TYPE // 2) for n in env_counts]

    # Users per environment grow more slowly than the customer's size; scaled to hit the average.
    draws = []
    for n_envs, weight in zip(env_counts, weights, strict=True):
        per_env = weight**0.7 * rng.uniform(0.6, 1.4)
        draws.append((per_env, [per_env * rng.uniform(0.5, 1.5) for _ in range(n_envs)]))
    scale = total_environments * users_per_environment / sum(sum(users) for _, users in draws)
    customer_shapes: list[CustomerShape] = []
    environment_shapes: list[EnvironmentShape] = []
    for index, (n_envs, (per_env, raw_users)) in enumerate(zip(env_counts, draws, strict=True)):
        number = f"{BENCH_FIRST_NUMBER + index:05d}"
        per_env *= scale
        env_users = [max(1, round(users * scale)) for users in raw_users]
        # Users recur across a customer's environments: the pool is much smaller than the rows.
        pool = max(max(env_users), round(per_env * (1 + 0.5 * (n_envs - 1) ** 0.5)))
        employee_pool = max(1, round(pool * 0.7))
        declaration_pool = max(1, round(pool * 0.1)) if rng.random() < 0.6 else 0
        client_pool = rng.randint(10, 50 + pool // 2) if rng.random() < 0.1 else 0
        edition = rng.choices(["profit", "small_business", "enterprise", None], [70, 12, 8, 10])[0]
        customer_shapes.append(
            CustomerShape(number, pool, employee_pool, declaration_pool, client_pool, edition)
        )
        per_type = {letter: 0 for letter, _ in TYPE_WEIGHTS}
        for ordinal in range(n_envs):
            if ordinal == 0:
                letter = "O"
            else:
                letter = rng.choices([t for t, _ in TYPE_WEIGHTS], [w for _, w in TYPE_WEIGHTS])[0]
            if per_type[letter] >= MAX_ENVIRONMENTS_PER_TYPE:
                continue
            n = per_type[letter]
            per_type[letter] += 1
            suffix = chr(65 + n // 26) + chr(65 + n % 26)
            users = env_users[ordinal]
            is_production = letter == "O"
            environment_shapes.append(
                EnvironmentShape(
                    number=number,
                    code=f"{letter}{number}{suffix}",
                    type=letter,
                    ordinal=ordinal,
                    is_active=ordinal == 0 or rng.random() > 0.02,
                    users=users,
                    user_offset=(ordinal * max(1, users // 2)) % pool,
                    employees=min(employee_pool, round(users * (0.5 if is_production else 0.1))),
                    declarations=declaration_pool
                    if is_production and (ordinal == 0 or rng.random() < 0.3)
                    else 0,
                    clients=rng.randint(client_pool // 2, client_pool)
                    if client_pool and letter in "OT"
                    else 0,
                )
            )
    return customer_shapes, environment_shapes


def delete_bench_data(*, progress: Progress) -> None:
    """Remove all bench data; non-bench data is never touched."""
    customer_ids = list(bench_customers().values_list("id", flat=True))
    if customer_ids:
        progress(f"deleting previous bench data ({len(customer_ids)} customers)")
        with connection.cursor() as cursor:
            # The big tables by hand: the ORM would load millions of rows into memory to delete them.
            for table in ("user", "employee", "declaration", "client"):
                cursor.execute(
                    _sql("DELETE FROM {table} WHERE " + IN_BENCH_ENVIRONMENTS, table=TABLES[table]),
                    [customer_ids],
                )
            for statement in DELETE_LINES:
                cursor.execute(_sql(statement), [customer_ids])
        # The rest through the ORM, so whatever else refers to these rows is handled by its on_delete.
        Environment.objects.filter(customer_id__in=customer_ids).delete()
        License.objects.filter(customer_id__in=customer_ids).delete()
        Customer.objects.filter(id__in=customer_ids).delete()
    get_user_model().objects.filter(username__endswith=BENCH_EMAIL_DOMAIN).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            _sql(
                "DELETE FROM {identity} i WHERE i.code LIKE %s "
                "AND NOT EXISTS (SELECT 1 FROM {user} u WHERE u.identity_id = i.id)"
            ),
            [BENCH_CODE_PREFIX + "%"],
        )


def check_numbers_free(customers: int) -> None:
    first, last = BENCH_FIRST_NUMBER, BENCH_FIRST_NUMBER + customers - 1
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

        def step(label: str, sql: str) -> None:
            if licenses_only and label not in ("licenses", "license lines"):
                return
            started = time.monotonic()
            cursor.execute(_sql(sql))
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


# A day in the customers' environments between two nightly runs: some users are blocked or
# unblocked and some get or lose InSite access.
A_DAY_OF_CHANGES = """
    UPDATE {user} u
    SET blocked = CASE WHEN r < %(fraction)s THEN NOT u.blocked ELSE u.blocked END,
        insite = CASE WHEN r >= %(fraction)s THEN NOT u.insite ELSE u.insite END
    FROM (
        SELECT u.id, random() * 2 * %(fraction)s AS r
        FROM {user} u JOIN {environment} e ON e.id = u.environment_id
        WHERE e.customer_id = ANY(%(ids)s) AND random() < 2 * %(fraction)s
    ) changed
    WHERE u.id = changed.id
"""


def simulate_a_day(*, customer_ids: list[int], fraction: float) -> int:
    """Changes about 2 x `fraction` of the bench's user rows; returns how many."""
    with connection.cursor() as cursor:
        cursor.execute(_sql(A_DAY_OF_CHANGES), {"ids": customer_ids, "fraction": fraction})
        return cursor.rowcount


def settle(*, customer_ids: list[int]) -> None:
    """Bring the database in the state a nightly run finds after a day of changes, untimed.

    - The first read of a changed row sets its hint bits (a write of ~36,000 pages after a day of
      changes): whichever recount ran first after the changes would pay for that and the other
      not. In a real night the day's readers paid for it long before.
    - The recount and the nightly job write their own tables every night (every license's
      counted_at: 10,000 dead rows per run). Autovacuum cleans them after each night on a default
      server; this bench vacuums them itself, so the figures do not depend on whether autovacuum
      is on. The environments' data is left as the day left it: at ~2 % of rows a day, autovacuum
      would not have reached it.
    """
    raw_recount(customer_ids=customer_ids)
    with connection.cursor() as cursor:
        for table in BOOKKEEPING_TABLES:
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")


def autovacuum_setting() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        return cursor.fetchone()[0]


def delete_bench_licenses() -> None:
    customer_ids = list(bench_customers().values_list("id", flat=True))
    with connection.cursor() as cursor:
        for statement in DELETE_LINES:
            cursor.execute(_sql(statement), [customer_ids])
    License.objects.filter(customer_id__in=customer_ids).delete()


def bench_sizes() -> dict[str, int]:
    """Rows of bench data per table."""
    ids = list(bench_customers().values_list("id", flat=True))
    sizes = {"customers": len(ids)}
    with connection.cursor() as cursor:
        cursor.execute(
            _sql(
                "SELECT count(*), count(*) FILTER (WHERE NOT is_active) FROM {environment} "
                "WHERE customer_id = ANY(%s)"
            ),
            [ids],
        )
        sizes["environments"], sizes["decommissioned"] = cursor.fetchone()
        cursor.execute(_sql("SELECT count(*) FROM {identity} WHERE code LIKE %s"), [BENCH_CODE_PREFIX + "%"])
        sizes["user identities"] = cursor.fetchone()[0]
        for label, table in (
            ("environment users", "user"),
            ("employees", "employee"),
            ("declarations", "declaration"),
            ("clients", "client"),
        ):
            cursor.execute(
                _sql("SELECT count(*) FROM {table} WHERE " + IN_BENCH_ENVIRONMENTS, table=TABLES[table]),
                [ids],
            )
            sizes[label] = cursor.fetchone()[0]
        cursor.execute(
            _sql(
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


# The baseline: one plain hand-written set-based query per kind over all the given customers at
# once, straight from the base tables, the results fetched to the client.
RAW_RECOUNT = {
    "environments": """
        SELECT e.customer_id, 'environments', 'license', count(*)
        FROM {environment} e
        WHERE e.is_active AND e.customer_id = ANY(%(ids)s)
        GROUP BY e.customer_id""",
    "employees": """
        SELECT e.customer_id, 'employees', 'license', count(DISTINCT m.guid)
        FROM {employee} m JOIN {environment} e ON e.id = m.environment_id
        WHERE e.is_active AND m.in_service AND e.customer_id = ANY(%(ids)s)
        GROUP BY e.customer_id""",
    "declarations": """
        SELECT e.customer_id, 'declarations', 'license', count(DISTINCT d.number)
        FROM {declaration} d JOIN {environment} e ON e.id = d.environment_id
        WHERE e.is_active AND e.customer_id = ANY(%(ids)s)
        GROUP BY e.customer_id""",
    "clients": """
        SELECT e.customer_id, 'clients', e.type, count(DISTINCT c.code)
        FROM {client} c JOIN {environment} e ON e.id = c.environment_id
        WHERE e.is_active AND e.customer_id = ANY(%(ids)s)
        GROUP BY e.customer_id, e.type""",
    "users": """
        SELECT e.customer_id, e.type,
               count(DISTINCT u.identity_id) FILTER (WHERE u.profit),
               count(DISTINCT u.identity_id) FILTER (WHERE u.insite),
               count(DISTINCT u.identity_id) FILTER (WHERE u.outsite)
        FROM {user} u JOIN {environment} e ON e.id = u.environment_id
        WHERE e.is_active AND NOT u.blocked AND u.kind <> 'coworker' AND e.customer_id = ANY(%(ids)s)
        GROUP BY e.customer_id, e.type""",
}


def raw_recount(*, customer_ids: list[int]) -> Counts:
    """{(customer_id, item, scope): in_use} for every non-zero count, computed by hand-written SQL."""
    counts: Counts = {}
    with connection.cursor() as cursor:
        for kind, sql in RAW_RECOUNT.items():
            cursor.execute(_sql(sql), {"ids": customer_ids})
            if kind == "users":
                for customer_id, scope, profit, insite, outsite in cursor.fetchall():
                    for item, n in ((Item.PROFIT_USERS, profit), (Item.INSITE_USERS, insite)):
                        counts[(customer_id, item.value, scope)] = n
                    counts[(customer_id, Item.OUTSITE_USERS.value, scope)] = outsite
            else:
                for customer_id, item, scope, n in cursor.fetchall():
                    counts[(customer_id, item, scope)] = n
    return {key: n for key, n in counts.items() if n}


def stored_counts(*, customer_ids: list[int]) -> Counts:
    """The in-use figures the project's recount stored, as {(customer_id, item, scope): in_use}."""
    return {
        (customer_id, item, scope): in_use
        for customer_id, item, scope, in_use in LicenseLine.objects.filter(
            license__customer_id__in=customer_ids
        ).values_list("license__customer_id", "item", "scope", "in_use")
    }


def differences(*, stored: Counts, raw: Counts) -> list[tuple[tuple[int, str, str], int, int]]:
    """Every (customer, item, scope) where the two disagree, zero where missing."""
    return [
        (key, stored.get(key, 0), raw.get(key, 0))
        for key in sorted(stored.keys() | raw.keys())
        if stored.get(key, 0) != raw.get(key, 0)
    ]
