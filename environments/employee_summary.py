"""The per-customer employee summary: one row per employee (GUID) across the customer's active
environments (its name and kind, whether it is in service anywhere, where it is in or out of service,
its user accounts), kept where the data changes so that the Medewerkers tab never groups every employee
row on a page view.

`employee_summaries_refresh` is the one writer: the snapshot import and a change of an environment
(added, activated, decommissioned, moved, deleted) call it for the customers concerned. Blocking does not
change it (a block is a user's, not an employee's), nor does time. On PostgreSQL the rows are computed by
the database (one INSERT ... SELECT per customer); elsewhere (SQLite) by the same rules in Python.
"""

from collections.abc import Iterable, Mapping

from django.db import connection, transaction
from django.db.models import Count, Q

from .models import (
    Employee,
    EmployeeSummary,
    EmployeeSummaryTotals,
    Environment,
    EnvironmentUser,
    UserIdentity,
)

OUT_OF_SERVICE, IN_SERVICE = 1, 3  # PRESENT, and PRESENT | IN_SERVICE (environments.selectors' bits)


def _insert_sql(*, some: bool) -> str:
    """The customer's rows, or with `some` only those of the GUIDs in %(guids)s."""
    quote = connection.ops.quote_name
    employee, environment = quote(Employee._meta.db_table), quote(Environment._meta.db_table)
    user, identity = quote(EnvironmentUser._meta.db_table), quote(UserIdentity._meta.db_table)
    summary = quote(EmployeeSummary._meta.db_table)
    # A user code once per employee and identity (the identity is the lower-cased code): the smallest
    # spelling, in identity order.
    only_user = "AND u.employee_guid = ANY(%(guids)s::uuid[])" if some else ""
    only_employee = "AND e.guid = ANY(%(guids)s::uuid[])" if some else ""
    return f"""
        INSERT INTO {summary} (customer_id, guid, name, kind, serving, presence, users)
        WITH accounts AS (
            SELECT DISTINCT ON (u.employee_guid, i.code) u.employee_guid AS guid, i.code AS identity_code,
                   u.code AS code
            FROM {user} u
            JOIN {environment} v ON v.id = u.environment_id
            JOIN {identity} i ON i.id = u.identity_id
            WHERE v.customer_id = %(customer)s AND v.is_active AND u.employee_guid IS NOT NULL {only_user}
            ORDER BY u.employee_guid, i.code, u.code
        ), per_employee AS (
            SELECT guid, JSONB_AGG(code ORDER BY identity_code) AS users FROM accounts GROUP BY guid
        )
        SELECT %(customer)s, e.guid, MAX(e.name), MAX(e.kind), BOOL_OR(e.in_service),
               JSONB_OBJECT_AGG(e.environment_id::text,
                                CASE WHEN e.in_service THEN {IN_SERVICE} ELSE {OUT_OF_SERVICE} END),
               COALESCE(p.users, '[]'::jsonb)
        FROM {employee} e
        JOIN {environment} v ON v.id = e.environment_id
        LEFT JOIN per_employee p ON p.guid = e.guid
        WHERE v.customer_id = %(customer)s AND v.is_active {only_employee}
        GROUP BY e.guid, p.users
    """


def _rows_in_python(customer_id: int, guids: set | None) -> list[EmployeeSummary]:
    """The same rows as `_insert_sql`, for a database without its SQL (the names' MAX by Python's order)."""
    active = Q(environment__customer_id=customer_id, environment__is_active=True)
    users, employees = Q(employee_guid__isnull=False), Q()
    if guids is not None:
        users, employees = Q(employee_guid__in=guids), Q(guid__in=guids)
    accounts: dict = {}
    for guid, identity_code, code in (
        EnvironmentUser.objects.filter(active, users)
        .order_by("identity__code", "code")
        .values_list("employee_guid", "identity__code", "code")
    ):
        accounts.setdefault(guid, {}).setdefault(identity_code, code)
    rows: dict = {}
    for guid, environment_id, name, kind, in_service in Employee.objects.filter(
        active, employees
    ).values_list("guid", "environment_id", "name", "kind", "in_service"):
        row = rows.setdefault(
            guid, EmployeeSummary(customer_id=customer_id, guid=guid, name=name, kind=kind, presence={})
        )
        row.name, row.kind, row.serving = max(row.name, name), max(row.kind, kind), row.serving or in_service
        row.presence[str(environment_id)] = IN_SERVICE if in_service else OUT_OF_SERVICE
        row.users = list(accounts.get(guid, {}).values())
    return list(rows.values())


def employee_summaries_refresh(
    *, customer_ids: Iterable[int], guids: Mapping[int, set] | None = None
) -> None:
    """Recompute the summary rows and the totals of the customers, in the caller's transaction: all of
    a customer's rows, or only those of `guids[customer]` (what an import touched: the employees it
    replaced and wrote, whose user accounts are the environment's own, so the cost follows the
    environment imported, not the size of the customer)."""
    with transaction.atomic():
        for customer_id in sorted(set(customer_ids) - {None}):
            some = None if guids is None else set(guids.get(customer_id, ()))
            if some is not None and not some:
                continue  # no employee touched: rows and totals stay as they are
            rows = EmployeeSummary.objects.filter(customer_id=customer_id)
            (rows if some is None else rows.filter(guid__in=some)).delete()
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        _insert_sql(some=some is not None),
                        {"customer": customer_id, "guids": sorted(some or ())},
                    )
            else:
                EmployeeSummary.objects.bulk_create(_rows_in_python(customer_id, some))
            counts = rows.aggregate(employees=Count("pk"), serving=Count("pk", filter=Q(serving=True)))
            EmployeeSummaryTotals.objects.update_or_create(customer_id=customer_id, defaults=counts)
