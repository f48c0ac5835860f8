"""The per-customer unique-user summary: one row per identity across the customer's active
environments (what it is in each, what it counts as, which cleanup rules hold), kept where the data
changes so that user maintenance never groups every user row on a page view.

`user_summaries_refresh` is the one writer. The snapshot import, blocking and unblocking, a change
of an environment (activated, decommissioned, moved) and the nightly job call it; the nightly job also
calls `user_summaries_age` for the one rule that time alone makes true (no login for 90 days). Every
row is computed by the database (one INSERT ... SELECT per customer, one GROUP BY over its rows),
exactly by the counting rules: `UserSummaryTotals.counts` equals the recount's user counts.
"""

import json
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import (
    Aggregate,
    Case,
    F,
    IntegerField,
    JSONField,
    Max,
    Min,
    Q,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone

from .models import Employee, EnvironmentUser, UserSummary, UserSummaryTotals
from .vocabulary import COUNTABLE_USER, USER_ITEM_FLAGS, EnvironmentType, UserKind

# A user row in one environment as bits; PRESENT makes every existing row non-zero.
PROFIT, INSITE, OUTSITE, BLOCKED, COWORKER, PRESENT = 1, 2, 4, 8, 16, 32
ACCESS_FLAGS = {"profit": PROFIT, "insite": INSITE, "outsite": OUTSITE}

# The cleanup rules that hold for a unique user (UserSummary.facts). Out of service is split by
# whether the user is a temp: without Flex the temps are candidates, with Flex the others.
GONE_TEMP, GONE_STAFF, INTERN, TEST_USER, ONLY_TEST_ACCEPT, BLOCKED_IN_PRODUCTION, NO_RECENT_LOGIN = (
    1 << n for n in range(7)
)
FACTS = {
    "gone_temp": GONE_TEMP,
    "gone_staff": GONE_STAFF,
    "intern": INTERN,
    "test_user": TEST_USER,
    "only_test_accept": ONLY_TEST_ACCEPT,
    "blocked_in_production": BLOCKED_IN_PRODUCTION,
    "no_recent_login": NO_RECENT_LOGIN,
}
ALL_FACTS = sum(FACTS.values())
# The candidates of "all rules", without and with Flex.
ADVICE_MASKS = {"all": ALL_FACTS & ~GONE_STAFF, "all_flex": ALL_FACTS & ~GONE_TEMP, **FACTS}
NO_LOGIN_DAYS = 90
TEMP_KIND = "temp"

# (user item, environment type) pairs a user can occupy a seat on: bit n of UserSummary.seats.
SEATS = [(item.value, scope.value) for item in USER_ITEM_FLAGS for scope in EnvironmentType]
SEAT_BITS = {pair: 1 << n for n, pair in enumerate(SEATS)}


def seat_key(item: str, scope: str) -> str:
    return f"{item}:{scope}"


def flag_bit(condition: Q, bit: int) -> Case:
    """`bit` where `condition` holds, else 0: the parts of a user's mask in one environment."""
    return Case(When(condition, then=Value(bit)), default=Value(0), output_field=IntegerField())


def user_mask():
    """A user row as bits: PRESENT, the access flags, BLOCKED, COWORKER."""
    mask = Value(PRESENT, output_field=IntegerField())
    for flag, bit in ACCESS_FLAGS.items():
        mask = mask + flag_bit(Q(**{flag: True}), bit)
    return mask + flag_bit(Q(blocked=True), BLOCKED) + flag_bit(Q(kind=UserKind.COWORKER), COWORKER)


class _ObjectAgg(Aggregate):
    """{key: value} of the group as JSON (jsonb_object_agg; SQLite's json_group_object)."""

    function = "JSONB_OBJECT_AGG"
    output_field = JSONField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="JSON_GROUP_OBJECT", **extra_context)


def _flag(condition: Q) -> Max:
    return Max(flag_bit(condition, 1))


def _summary_rows(customer_id: int, identity_ids):
    """The customer's unique users as UserSummary columns, grouped by the database."""
    users = EnvironmentUser.objects.filter(environment__customer_id=customer_id, environment__is_active=True)
    users = _of_identities(users, identity_ids, adapted=True)
    employees = Employee.objects.filter(environment__customer_id=customer_id, environment__is_active=True)
    # Uncorrelated subqueries: PostgreSQL hashes each once instead of probing per user row.
    out_of_service = Q(
        employee_guid__in=employees.values("guid")
        .annotate(serving=_flag(Q(in_service=True)))
        .filter(serving=0)
        .values("guid")
    )
    is_temp = Q(kind=UserKind.TEMP) | Q(
        employee_guid__in=employees.filter(kind__iexact=TEMP_KIND).values("guid")
    )
    seats = [
        _flag(COUNTABLE_USER & Q(**{USER_ITEM_FLAGS[item]: True}, environment__type=scope))
        for item, scope in SEATS
    ]
    test_or_accept = [EnvironmentType.TEST, EnvironmentType.ACCEPT]
    facts = (
        _flag(out_of_service & is_temp) * GONE_TEMP
        + _flag(out_of_service & ~is_temp) * GONE_STAFF
        + _flag(Q(kind=UserKind.INTERN)) * INTERN
        + _flag(Q(kind=UserKind.TEST)) * TEST_USER
        + (Value(1) - _flag(~Q(environment__type__in=test_or_accept))) * ONLY_TEST_ACCEPT
        + _flag(Q(environment__type=EnvironmentType.PRODUCTION, blocked=True))
        * _flag(Q(blocked=False))
        * BLOCKED_IN_PRODUCTION
    )
    return (
        users.values("identity_id")
        .annotate(
            identity_code=Min("identity__code"),
            shown_code=Min("code"),
            shown_name=Max("name"),
            shown_email=Max("email"),
            min_kind=Min("kind"),
            max_kind=Max("kind"),
            presence=_ObjectAgg("environment_id", user_mask()),
            newest_login=Max("last_login"),
            seat_bits=sum(
                (seat * bit for seat, bit in zip(seats, SEAT_BITS.values(), strict=True)), Value(0)
            ),
            seat_total=sum(seats, Value(0)),
            rule_bits=facts,
        )
        .order_by()
    )


# Compiling the grouped query costs more than running it on a small customer (0.1-0.3 s of Python):
# it is compiled once per process and shape (all customers, or some identities of one) with
# stand-ins, which are then replaced. The identities are one parameter (an array in PostgreSQL, a
# JSON list elsewhere), so any number of them has the one shape.
_CUSTOMER_STAND_IN = -7_331_001
_IDENTITY_STAND_IN = -9_000_000
_IDENTITIES_SQL = {True: "SELECT unnest(%s::bigint[])", False: "SELECT value FROM json_each(%s)"}
_compiled: dict[tuple, tuple[str, list]] = {}


def _identities_param(identity_ids: list[int]):
    return identity_ids if connection.vendor == "postgresql" else json.dumps(identity_ids)


def _of_identities(rows, identity_ids, *, adapted: bool = False):
    """`rows` of these identities (all for None), the ids given as one parameter (`adapted`: already
    in the database's form)."""
    if identity_ids is None:
        return rows
    param = identity_ids if adapted else _identities_param(identity_ids)
    return rows.filter(identity_id__in=RawSQL(_IDENTITIES_SQL[connection.vendor == "postgresql"], [param]))


def _summary_sql(customer_id: int, identity_ids: list[int] | None) -> tuple[str, list]:
    shape = (connection.vendor, identity_ids is None)
    stand_in = _identities_param([_IDENTITY_STAND_IN])
    if shape not in _compiled:
        _compiled[shape] = _summary_rows(
            _CUSTOMER_STAND_IN, None if identity_ids is None else stand_in
        ).query.sql_with_params()
    sql, params = _compiled[shape]
    identities = None if identity_ids is None else _identities_param(identity_ids)
    real = []
    for param in params:
        if isinstance(param, int) and param == _CUSTOMER_STAND_IN:
            param = customer_id
        elif identities is not None and type(param) is type(stand_in) and param == stand_in:
            param = identities
        real.append(param)
    return sql, real


COLUMNS = (
    "identity_id",
    "identity_code",
    "code",
    "name",
    "email",
    "min_kind",
    "max_kind",
    "presence",
    "last_login",
    "seats",
    "seat_count",
    "facts",
)
SOURCE = (
    "identity_id",
    "identity_code",
    "shown_code",
    "shown_name",
    "shown_email",
    "min_kind",
    "max_kind",
    "presence",
    "newest_login",
    "seat_bits",
    "seat_total",
    "rule_bits",
)


def user_summaries_refresh(
    *,
    customer_ids: Iterable[int],
    identity_ids: Iterable[int] | None = None,
    now: datetime | None = None,
    identities_of: Mapping[int, Iterable[int]] | None = None,
) -> None:
    """Recompute the summary rows of the customers and the customers' totals, in the caller's
    transaction: all of a customer's rows, or only those of `identity_ids` (what a block or unblock
    touched), or per customer those of `identities_of[customer]` (what an import touched: the cost
    follows the environments imported, not the size of the customer)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=NO_LOGIN_DAYS)
    shared = None if identity_ids is None else sorted(set(identity_ids))
    customers = sorted(set(customer_ids))
    with transaction.atomic(savepoint=False):
        for customer_id in customers:
            identities = shared
            if identities_of is not None and customer_id in identities_of:
                identities = sorted(set(identities_of[customer_id]))
            if identities != []:
                _refresh_rows(customer_id, identities, cutoff)
        _store_totals(customer_ids=customers, now=now)


def _refresh_rows(customer_id: int, identities: list[int] | None, cutoff: datetime) -> None:
    """Replace the customer's summary rows (of `identities`, or all): one DELETE and one INSERT ...
    SELECT, which on PostgreSQL also sets the no-login rule (elsewhere two UPDATEs do)."""
    quote = connection.ops.quote_name
    table = quote(UserSummary._meta.db_table)
    stale = _of_identities(UserSummary.objects.filter(customer_id=customer_id), identities)
    stale._raw_delete(stale.db)  # no signals, no cascade: nothing refers to a summary row
    sql, params = _summary_sql(customer_id, identities)
    inline = connection.vendor == "postgresql"
    columns = ["customer_id", *COLUMNS] + (["login_ages_at"] if inline else [])
    source = [f"q.{quote(name)}" for name in SOURCE]
    extra: list = []
    if inline:
        old_login = f"(q.{quote('newest_login')} IS NULL OR q.{quote('newest_login')} < %s)"
        source[-1] = f"q.{quote('rule_bits')} | CASE WHEN {old_login} THEN {NO_RECENT_LOGIN} ELSE 0 END"
        source.append(f"CASE WHEN q.{quote('newest_login')} >= %s THEN q.{quote('newest_login')} + %s END")
        extra = [cutoff, cutoff, timedelta(days=NO_LOGIN_DAYS)]
    with connection.cursor() as cursor:
        # WHERE true: SQLite would otherwise read a following clause as part of the join.
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) "
            f"SELECT %s, {', '.join(source)} FROM ({sql}) q WHERE true",
            [customer_id, *extra, *params],  # the select list's parameters come before the subquery's
        )
    if not inline:
        _set_login_facts(
            _of_identities(UserSummary.objects.filter(customer_id=customer_id), identities), cutoff
        )


def _set_login_facts(rows, cutoff: datetime) -> None:
    rows.filter(Q(last_login__isnull=True) | Q(last_login__lt=cutoff)).update(
        facts=F("facts").bitor(NO_RECENT_LOGIN), login_ages_at=None
    )
    rows.filter(last_login__gte=cutoff).update(login_ages_at=F("last_login") + timedelta(days=NO_LOGIN_DAYS))


def user_summaries_age(*, customer_ids: Iterable[int], now: datetime | None = None) -> int:
    """The nightly job's part: the users whose last login became 90 days old since the last run get
    the no-login rule, and their customers new totals. Reads only those rows (an index on
    `login_ages_at`); returns how many there were."""
    now = now or timezone.now()
    ids = sorted(set(customer_ids))
    ageing = UserSummary.objects.filter(customer_id__in=ids, login_ages_at__lte=now)
    customers = set(ageing.values_list("customer_id", flat=True).distinct())
    if not customers:
        return 0
    aged = ageing.update(facts=F("facts").bitor(NO_RECENT_LOGIN), login_ages_at=None)
    _store_totals(customer_ids=customers, now=now)
    return aged


def _totals_sql() -> str:
    """A customer's summary rows grouped by what the totals read: a few dozen groups (plain SQL, cheap
    to plan; 130 filtered aggregates cost more to plan than to run, and tempted the planner into a
    parallel scan)."""
    table = connection.ops.quote_name(UserSummary._meta.db_table)
    return (
        f"SELECT seats, facts, seat_count > 0, COUNT(*) FROM {table} WHERE customer_id = %s "
        "GROUP BY seats, facts, seat_count > 0"
    )


def _totals(groups: Iterable[tuple[int, int, bool, int]]) -> tuple[int, dict[str, int], dict]:
    """(unique users, unique users per seat, per advice key its candidates and the seats they free)."""
    seats = [seat_key(*pair) for pair in SEATS]
    bits = list(SEAT_BITS.values())
    users = 0
    counts = dict.fromkeys(seats, 0)
    advice = {key: {"candidates": 0, "freed": dict.fromkeys(seats, 0)} for key in ADVICE_MASKS}
    for seat_bits, facts, seated, number in groups:
        users += number
        held = [key for key, bit in zip(seats, bits, strict=True) if seat_bits & bit]
        for key in held:
            counts[key] += number
        if not seated:
            continue
        for key, mask in ADVICE_MASKS.items():
            if facts & mask:
                advice[key]["candidates"] += number
                freed = advice[key]["freed"]
                for seat in held:
                    freed[seat] += number
    return users, counts, advice


def _store_totals(*, customer_ids: Iterable[int], now: datetime) -> None:
    """Per customer: its unique users, the unique users per seat, and per cleanup rule (and for all
    rules, without and with Flex) the candidates and the seats blocking them frees; one query each."""
    sql = _totals_sql()
    for customer_id in sorted(set(customer_ids)):
        with connection.cursor() as cursor:
            cursor.execute(sql, [customer_id])
            users, counts, advice = _totals(cursor.fetchall())
        totals = UserSummaryTotals(
            customer_id=customer_id,
            users=users,
            counts=counts,
            advice=advice,
            advised_at=now,
        )
        # One upsert (update_or_create would take a savepoint, a locking read and a write).
        UserSummaryTotals.objects.bulk_create(
            [totals],
            update_conflicts=True,
            unique_fields=["customer"],
            update_fields=["users", "counts", "advice", "advised_at"],
        )
