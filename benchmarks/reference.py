"""The oracle of the recount benchmark: a hand-written SQL recount, and its comparison with what the
project's recount stored.

Written by hand on purpose, and kept that way: it is the independent reference the project's recount
is compared with, count for count. It must not reuse the project's counting code or its countable-user
rule (`environments.usage`, the vocabulary's `Q`): a mistake there would then be in both and the
"exact yes" of `bench_refresh` would prove nothing. Only the names of items (the vocabulary) are shared.
"""

from django.db import connection

from environments.vocabulary import Item
from licensing.models import LicenseLine

from .tables import sql

Counts = dict[tuple[int, str, str], int]


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
        for kind, template in RAW_RECOUNT.items():
            cursor.execute(sql(template), {"ids": customer_ids})
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
