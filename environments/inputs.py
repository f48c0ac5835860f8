"""Which customers' count inputs changed since the nightly job last counted them.

Every write that changes what a customer's count reads calls `mark_inputs_changed` in its own
transaction, as its last statement (the row lock it takes is then held only until that commit):
an import with new content, a block or unblock, an environment added, decommissioned or moved, an
entitlement change, a signal change and a count outside the nightly job ("Nu tellen"). The nightly
job reads the versions before it counts (`input_versions`) and, in the same transaction, records
them as counted (`inputs_counted`): a change committed after that read raised the version again, so
the customer stays changed for the next night. Nothing here knows about licenses.
"""

from collections.abc import Iterable

from django.db import connection
from django.db.models import F, Q
from django.utils import timezone

from .models import CustomerInputs

# Customers per statement, within SQLite's limit of parameters (the built-in signal marks them all).
MARK_CHUNK = 2000
_MARK = """
INSERT INTO {table} (customer_id, version, counted_version, changed_at) VALUES {rows}
ON CONFLICT (customer_id) DO UPDATE SET version = {table}.version + 1, changed_at = excluded.changed_at
"""


def mark_inputs_changed(*, customer_ids: Iterable[int]) -> None:
    """The customers' inputs changed: the next nightly run counts them (one statement, in id order)."""
    with connection.cursor() as cursor:
        for sql, params in mark_inputs_statements(customer_ids=customer_ids):
            cursor.execute(sql, params)


def mark_inputs_statements(*, customer_ids: Iterable[int]) -> list[tuple[str, list]]:
    """The statements of `mark_inputs_changed`, for a caller that sends them with others."""
    ids = sorted({customer_id for customer_id in customer_ids if customer_id is not None})
    now = timezone.now()
    table = connection.ops.quote_name(CustomerInputs._meta.db_table)
    statements = []
    for start in range(0, len(ids), MARK_CHUNK):
        chunk = ids[start : start + MARK_CHUNK]
        statements.append(
            (
                _MARK.format(table=table, rows=", ".join(["(%s, 1, 0, %s)"] * len(chunk))),
                [value for customer_id in chunk for value in (customer_id, now)],
            )
        )
    return statements


def input_versions(*, customer_ids: list[int]) -> dict[int, int]:
    """{customer id: version of its inputs} as committed now; 0 for a customer never marked."""
    versions = dict.fromkeys(customer_ids, 0)
    versions.update(
        CustomerInputs.objects.filter(customer_id__in=customer_ids).values_list("customer_id", "version")
    )
    return versions


def inputs_counted(*, versions: dict[int, int]) -> None:
    """Record `versions` (read by `input_versions` before counting) as counted."""
    CustomerInputs.objects.bulk_create(
        [
            CustomerInputs(customer_id=customer_id, version=version, counted_version=version)
            for customer_id, version in sorted(versions.items())
        ],
        update_conflicts=True,
        unique_fields=["customer"],
        update_fields=["counted_version"],
    )


def changed_since_counted() -> Q:
    """Customers (a Customer filter) whose inputs changed since their last count, or never counted."""
    return Q(count_inputs__isnull=True) | ~Q(count_inputs__version=F("count_inputs__counted_version"))
