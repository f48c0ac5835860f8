"""The recount: in use for every line of a batch of customers, counted and stored by the database.

Also the two reads a change needs under its lock: every line of a customer locked in the one order
that cannot deadlock with the nightly job, and one line's in use counted fresh.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from environments.inputs import mark_inputs_changed
from environments.usage import count_usage, usage_sql
from portal.models import Customer

from .models import License, LicenseLine


@dataclass(frozen=True)
class RecountResult:
    customers: int
    changed: int


# The counts of a batch go straight from the counting query into the lines: an upsert that
# creates a line (maximum 0) for an item in use without one, sets a line no longer in use to 0,
# and leaves every unchanged line alone, so a nightly run writes only what changed.
_STORE_IN_USE = """
{counted},
counted_lines (license_id, item, scope, n) AS (
    SELECT l.id, c.item, c.scope, c.n FROM counted c JOIN {license} l ON l.customer_id = c.customer_id
),
stored (license_id, item, scope, in_use) AS (
    SELECT s.license_id, s.item, s.scope, s.in_use
    FROM {line} s JOIN {license} l ON l.id = s.license_id
    WHERE {in_batch}
)
INSERT INTO {line} (license_id, item, scope, maximum, portal, in_use)
{changed}
ON CONFLICT (license_id, item, scope) DO UPDATE SET in_use = excluded.in_use
"""
# The lines whose number changes: counted and stored side by side in one hash join.
_CHANGED = """
SELECT coalesce(c.license_id, s.license_id), coalesce(c.item, s.item), coalesce(c.scope, s.scope),
    0, 0, coalesce(c.n, 0)
FROM counted_lines c FULL JOIN stored s
    ON s.license_id = c.license_id AND s.item = c.item AND s.scope = c.scope
WHERE s.in_use IS NULL OR s.in_use <> coalesce(c.n, 0)
"""
# The same rows for SQLite, which has FULL JOIN only from 3.39 (2022): the counts that differ
# from their line, then the lines in use that were not counted.
_CHANGED_WITHOUT_FULL_JOIN = """
SELECT c.license_id, c.item, c.scope, 0, 0, c.n
FROM counted_lines c LEFT JOIN stored s
    ON s.license_id = c.license_id AND s.item = c.item AND s.scope = c.scope
WHERE s.in_use IS NULL OR s.in_use <> c.n
UNION ALL
SELECT s.license_id, s.item, s.scope, 0, 0, 0
FROM stored s
WHERE s.in_use <> 0 AND NOT EXISTS (
    SELECT 1 FROM counted_lines c
    WHERE c.license_id = s.license_id AND c.item = s.item AND c.scope = s.scope
)
"""


# Up to this many customers a recount reads a small slice of each table, through its indexes.
SMALL_BATCH = 1000


def _in_batch(ids: list[int]) -> tuple[str, list]:
    if connection.vendor == "postgresql":
        return "l.customer_id = ANY(%s)", [ids]
    return f"l.customer_id IN ({', '.join(['%s'] * len(ids))})", ids


def recount_customers(*, customer_ids: Iterable[int]) -> RecountResult:
    """Set-based recount of a batch of customers: in use for every line, counted and stored by the
    database in one statement, whatever the size of the batch.

    Items in use without a line get a line with maximum 0 (and so show as over-use); lines no
    longer in use get 0. Only lines whose number changed are written: night after night most
    counts stay the same. The time of the count is the license's `counted_at`.
    Customers without a license get one (edition Profit) so their usage is never dropped.
    """
    ids = sorted(set(customer_ids))
    if not ids:
        return RecountResult(customers=0, changed=0)
    now = timezone.now()
    # No savepoint inside a caller's transaction (two round trips): a failure fails the whole of it.
    with transaction.atomic(savepoint=False):
        # The licenses first (the nightly job locks them in this order too), then their lines.
        if connection.vendor == "postgresql":
            stamped = _stamp_and_tune(ids=ids, now=now)
        else:
            stamped = License.objects.filter(customer_id__any_of=ids).update(counted_at=now)
        if stamped < len(ids):
            licensed = License.objects.filter(customer_id__any_of=ids).values_list("customer_id", flat=True)
            License.objects.bulk_create(
                [License(customer_id=i, counted_at=now) for i in sorted(set(ids) - set(licensed))],
                ignore_conflicts=True,
            )
        counted, params = usage_sql(ids)
        in_batch, in_batch_params = _in_batch(ids)
        quote = connection.ops.quote_name
        sql = _STORE_IN_USE.format(
            counted=counted,
            license=quote(License._meta.db_table),
            line=quote(LicenseLine._meta.db_table),
            in_batch=in_batch,
            changed=_CHANGED if connection.vendor == "postgresql" else _CHANGED_WITHOUT_FULL_JOIN,
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *in_batch_params])
            changed = cursor.rowcount
            if changed < 0:  # SQLite does not report the rows of a statement that starts with WITH
                cursor.execute("SELECT changes()")
                changed = cursor.fetchone()[0]
    return RecountResult(customers=len(ids), changed=changed)


def _stamp_and_tune(*, ids: list[int], now) -> int:
    """PostgreSQL: stamp the licenses' `counted_at` and set the planner settings for the counting
    statement, for this transaction only, in one round trip; the number of licenses stamped."""
    # JIT-compiling the statement's ~150 expressions costs more (70 ms) than it saves. (A larger
    # work_mem was tried: it keeps the sorts in memory but tips the planner into sorting all user
    # rows instead of reading them per environment through the partial index, 25 % slower.)
    settings = {"jit": "off"}
    if len(ids) <= SMALL_BATCH:
        # With the default random_page_cost (4, for spinning disks) the planner scans all
        # declarations and clients for every small batch instead of reading its slice through
        # the indexes: 6.0 s against 4.1 s for the bench's 40 batches. A large batch reads
        # most of every table, where those scans are the better plan.
        settings["random_page_cost"] = "1.1"
    tune = ", ".join(["set_config(%s, %s, true)"] * len(settings))
    license_table = connection.ops.quote_name(License._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH stamped AS (UPDATE {license_table} SET counted_at = %s WHERE customer_id = ANY(%s) "
            f"RETURNING 1) SELECT (SELECT count(*) FROM stamped), {tune}",
            [now, ids, *(value for setting in settings.items() for value in setting)],
        )
        return cursor.fetchone()[0]


def recount_customer(*, customer: Customer) -> RecountResult:
    """A count outside the nightly job ("Nu tellen"): its warnings and signals follow at the next
    nightly run, which therefore takes the customer in full."""
    with transaction.atomic():
        result = recount_customers(customer_ids=[customer.id])
        mark_inputs_changed(customer_ids=[customer.id])
    return result


def lock_license_lines(*, customer_id: int) -> dict[tuple[str, str], LicenseLine]:
    """Lock the customer's license, then all its lines in id order, for a change whose effect on in
    use must be counted fresh under the lock (unblocking a user); {(item, scope): line}.

    The license first, as the nightly job and the recount lock it, so this never deadlocks with
    them; a mutation (`line_change_quantity`) locks one of these lines only and so either waits for
    the holder or is waited for, and then counts what the other committed.
    """
    list(License.objects.select_for_update().filter(customer_id=customer_id).values_list("pk", flat=True))
    lines = (
        LicenseLine.objects.select_for_update(of=("self",))
        .filter(license__customer_id=customer_id)
        .order_by("pk")
    )
    return {(line.item, line.scope): line for line in lines}


def fresh_in_use(*, line: LicenseLine) -> int:
    """The in-use count of one line computed now from the environments' data."""
    usage = count_usage([line.license.customer_id])
    return usage.get(line.license.customer_id, {}).get((line.item, line.scope), 0)
