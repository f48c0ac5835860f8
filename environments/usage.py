"""The counting rules of DESIGN.md "What is counted", computed in the database.

`count_usage` returns, per customer, the exact number in use for every (item, scope) that has
any use. Everything is aggregated in SQL with COUNT(DISTINCT ...) over normalised identities;
no user row is loaded into Python.
"""

from collections import defaultdict
from collections.abc import Iterable

from django.db import connection, models
from django.db.models import Count, F, Q

from .models import Client, Declaration, Employee, Environment, EnvironmentUser
from .vocabulary import COUNTABLE_USER, USER_ITEM_FLAGS, Item, Scope

Usage = dict[tuple[str, str], int]


@models.ForeignKey.register_lookup
class AnyOf(models.Lookup):
    """`customer_id__any_of=ids`: one array parameter (`= ANY(%s)`) on PostgreSQL, where a batch's long
    IN list costs measurably more to send and parse; a plain IN list elsewhere."""

    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self):
        return [int(value) for value in self.rhs]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, self.rhs]
        return f"{lhs} IN ({', '.join(['%s'] * len(self.rhs))})", [*lhs_params, *self.rhs]


def _querysets(ids: list[int]) -> dict[str, models.QuerySet]:
    """The counting rules as querysets of (customer, [scope,] n...) rows, one per kind of count."""
    active = Q(environment__is_active=True, environment__customer_id__any_of=ids)
    customer, scope = F("environment__customer_id"), F("environment__type")
    return {
        Item.ENVIRONMENTS: Environment.objects.filter(is_active=True, customer_id__any_of=ids)
        .values(customer_key=F("customer_id"))
        .annotate(n=Count("id")),
        Item.EMPLOYEES: Employee.objects.filter(active, in_service=True)
        .values(customer_key=customer)
        .annotate(n=Count("guid", distinct=True)),
        Item.DECLARATIONS: Declaration.objects.filter(active)
        .values(customer_key=customer)
        .annotate(n=Count("number", distinct=True)),
        Item.CLIENTS: Client.objects.filter(active)
        .values(customer_key=customer, scope_key=scope)
        .annotate(n=Count("code", distinct=True)),
        # The condition of the partial index `user_countable`, so PostgreSQL reads that index alone.
        "users": EnvironmentUser.objects.filter(active, COUNTABLE_USER)
        .values(customer_key=customer, scope_key=scope)
        .annotate(
            **{
                flag: Count("identity_id", distinct=True, filter=Q(**{flag: True}))
                for flag in USER_ITEM_FLAGS.values()
            }
        ),
    }


def usage_sql(customer_ids: Iterable[int]) -> tuple[str, list]:
    """SQL and parameters of a WITH clause defining `counted (customer_id, item, scope, n)`.

    One row for every (customer, item, scope) with n > 0. The caller appends the statement that
    uses it (a SELECT, or the recount's upsert), so the counting never leaves the database.
    """
    querysets = _querysets(sorted(set(customer_ids)))
    params: list = []

    def sql_of(queryset) -> str:
        sql, query_params = queryset.order_by().query.sql_with_params()
        params.extend(query_params)
        return sql

    users = sql_of(querysets.pop("users"))
    parts = []
    for item, queryset in querysets.items():
        scope = "q.scope_key" if item == Item.CLIENTS else f"'{Scope.LICENSE.value}'"
        parts.append(f"SELECT q.customer_key, '{item.value}', {scope}, q.n FROM ({sql_of(queryset)}) q")
    for item, flag in USER_ITEM_FLAGS.items():
        parts.append(
            f"SELECT u.customer_key, '{item.value}', u.scope_key, u.{flag} FROM users u WHERE u.{flag} > 0"
        )
    union = "\n    UNION ALL ".join(parts)
    return f"WITH users AS ({users}),\ncounted (customer_id, item, scope, n) AS (\n    {union}\n)", params


def count_usage(customer_ids: Iterable[int]) -> dict[int, Usage]:
    """Exact usage per customer id: {customer_id: {(item, scope): in_use}}.

    Only (item, scope) pairs with a non-zero count appear; a missing pair means 0.
    One query, whatever the number of customers.
    """
    ids = list(customer_ids)
    if not ids:
        return {}
    sql, params = usage_sql(ids)
    result: dict[int, Usage] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql}\nSELECT customer_id, item, scope, n FROM counted WHERE n > 0", params)
        for customer_id, item, scope, n in cursor.fetchall():
            result[customer_id][(item, scope)] = n
    return dict(result)
