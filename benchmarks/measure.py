"""How the recount benchmark measures: a day of changes, settling the database untimed, the timed
recounts and their medians.
"""

import statistics
import time

from django.db import connection

from environments.inputs import mark_inputs_changed
from licensing.recount import recount_customers

from .dataset import Progress
from .reference import differences, raw_recount, stored_counts
from .tables import BOOKKEEPING_TABLES, sql

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
        cursor.execute(sql(A_DAY_OF_CHANGES), {"ids": customer_ids, "fraction": fraction})
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


def a_day(*, customer_ids: list[int], fraction: float, progress: Progress) -> None:
    """A day of changes in every customer's environments (marked as their imports mark them), then the
    database settled as a nightly run finds it."""
    changed = simulate_a_day(customer_ids=customer_ids, fraction=fraction)
    mark_inputs_changed(customer_ids=customer_ids)
    settle(customer_ids=customer_ids)
    progress(f"a day of changes: {changed:,} user rows blocked, unblocked or changed access")


# The customers by their number of user rows, smallest first.
BY_SIZE = """
    SELECT c.id, count(u.id) FROM {customer} c
    LEFT JOIN {environment} e ON e.customer_id = c.id LEFT JOIN {user} u ON u.environment_id = e.id
    WHERE c.id = ANY(%(ids)s) GROUP BY c.id ORDER BY count(u.id), c.id
"""


def a_quiet_day(*, customer_ids: list[int], share: float, fraction: float, progress: Progress) -> list[int]:
    """A day in which only `share` of the customers report changed data (the others' snapshots have
    the digest of the day before): the day's changes in their environments, marked as their imports
    mark them, then settled. Returns the changed customers.

    They are spread evenly over the customers in order of size, so that they hold about `share` of
    the user rows too: in a population this skewed, a random 2 % of the customers may hold 1 % or 5 %."""
    with connection.cursor() as cursor:
        cursor.execute(sql(BY_SIZE), {"ids": customer_ids})
        by_size = cursor.fetchall()
    count = max(1, round(len(by_size) * share))
    chosen = [by_size[int((n + 0.5) * len(by_size) / count)] for n in range(count)]
    changed = sorted(customer_id for customer_id, _rows in chosen)
    rows = simulate_a_day(customer_ids=changed, fraction=fraction)
    mark_inputs_changed(customer_ids=changed)
    settle(customer_ids=customer_ids)
    held = sum(n for _id, n in chosen) / max(1, sum(n for _id, n in by_size))
    progress(
        f"a quiet day: {len(changed):,} customers changed ({held:.1%} of the user rows), "
        f"{rows:,} user rows changed"
    )
    return changed


def timed_recount(*, customer_ids: list[int], batch_size: int) -> float:
    """Seconds the project's recount takes over the customers, in batches of `batch_size`."""
    started = time.monotonic()
    for start in range(0, len(customer_ids), batch_size):
        recount_customers(customer_ids=customer_ids[start : start + batch_size])
    return time.monotonic() - started


def measure_once(
    *, customer_ids: list[int], batch_size: int, daily_change: float, progress: Progress
) -> tuple[float, float, list]:
    """A day of changes, the project's recount timed, a raw SQL recount timed, and their differences."""
    a_day(customer_ids=customer_ids, fraction=daily_change, progress=progress)
    project = timed_recount(customer_ids=customer_ids, batch_size=batch_size)
    started = time.monotonic()
    raw = raw_recount(customer_ids=customer_ids)
    raw_seconds = time.monotonic() - started
    wrong = differences(stored=stored_counts(customer_ids=customer_ids), raw=raw)
    progress(f"compared {len(raw):,} non-zero counts, {len(wrong)} differ")
    return project, raw_seconds, wrong


def medians(
    *, customer_ids: list[int], batch_size: int, daily_change: float, repeat: int, progress: Progress
) -> tuple[float, float, list]:
    """`repeat` measurements; the medians of both timings, and every difference found."""
    project, raw, wrong = [], [], []
    for _ in range(repeat):
        one_project, one_raw, one_wrong = measure_once(
            customer_ids=customer_ids, batch_size=batch_size, daily_change=daily_change, progress=progress
        )
        project.append(one_project)
        raw.append(one_raw)
        wrong += one_wrong
    return statistics.median(project), statistics.median(raw), wrong
