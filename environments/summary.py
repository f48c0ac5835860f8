"""The per-customer unique-user summary: one row per identity across the customer's active
environments (what it is in each, what it counts as, which cleanup rules hold), kept where the data
changes so that user maintenance never groups every user row on a page view.

`user_summaries_refresh` is the one writer. The snapshot import, blocking and unblocking, a change
of an environment (activated, decommissioned, moved) and the nightly job call it; the nightly job also
calls `user_summaries_age` for the one rule that time alone makes true (no login for 90 days). Every
row is computed by the database (one INSERT ... SELECT per customer, one GROUP BY over its rows),
exactly by the counting rules: `UserSummaryTotals.counts` equals the recount's user counts.

An import refreshes only the rows it can change (`Touched`): the identities of its environments' user
rows before and after, and the customer's users linked to one of its employees' GUIDs (found in SQL,
after the customer's row is locked, so that concurrent imports of one customer see each other's
data). Its cost follows the environment pushed, not the size of the customer; the totals are then
summed again from the customer's rows grouped by seats and rules (a few dozen groups).
"""

import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
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

from .batch import execute_batch
from .models import Employee, Environment, EnvironmentUser, UserSummary, UserSummaryTotals
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


def _summary_rows(customer_id: int, identities: tuple[str, list] | None):
    """The customer's unique users (those of the subquery `identities`, or all) as UserSummary columns,
    grouped by the database."""
    users = EnvironmentUser.objects.filter(environment__customer_id=customer_id, environment__is_active=True)
    if identities is not None:
        users = users.filter(identity_id__in=RawSQL(*identities))
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


@dataclass
class Touched:
    """What an import touched of one customer: the identities of the user rows it replaced and wrote,
    and the GUIDs of the employees it replaced and wrote (a user of another environment linked to one
    may now be out of service, or a temp)."""

    identities: set[int] = field(default_factory=set)
    guids: set[uuid.UUID] = field(default_factory=set)


# Compiling the grouped query costs more than running it on a small customer (0.1-0.3 s of Python):
# it is compiled once per process and shape (all of a customer, or some identities of it) with
# stand-ins, which are then replaced. The identities and GUIDs are one parameter each (an array in
# PostgreSQL, a JSON list elsewhere), so any number of them has the one shape.
_CUSTOMER_STAND_IN = -7_331_001
_IDENTITY_STAND_IN = -9_000_000
_GUID_STAND_IN = uuid.UUID(int=7_331_001)
# The identities given, and the customer's users linked to one of the GUIDs given.
_IDENTITIES_SQL = {
    "postgresql": "SELECT unnest(%s::bigint[]) UNION SELECT u.identity_id FROM {user} u JOIN {environment} e "
    "ON e.id = u.environment_id WHERE e.customer_id = %s AND u.employee_guid = ANY(%s::uuid[])",
    "": "SELECT value FROM json_each(%s) UNION SELECT u.identity_id FROM {user} u JOIN {environment} e "
    "ON e.id = u.environment_id WHERE e.customer_id = %s AND u.employee_guid IN "
    "(SELECT value FROM json_each(%s))",
}
_compiled: dict[tuple, tuple[str, list]] = {}


def _identities(customer_id: int, touched: Touched) -> tuple[str, list]:
    """SQL (a subquery) and parameters for the identities whose summary rows `touched` may change."""
    quote = connection.ops.quote_name
    tables = {"user": quote(EnvironmentUser._meta.db_table), "environment": quote(Environment._meta.db_table)}
    identities, guids = sorted(touched.identities), sorted(touched.guids)
    if connection.vendor == "postgresql":
        return _IDENTITIES_SQL["postgresql"].format(**tables), [identities, customer_id, guids]
    return _IDENTITIES_SQL[""].format(**tables), [
        json.dumps(identities),
        customer_id,
        json.dumps([guid.hex for guid in guids]),
    ]


def _summary_sql(customer_id: int, touched: Touched | None) -> tuple[str, list]:
    shape = (connection.vendor, touched is None)
    stand_in = (
        None
        if touched is None
        else _identities(_CUSTOMER_STAND_IN, Touched({_IDENTITY_STAND_IN}, {_GUID_STAND_IN}))
    )
    if shape not in _compiled:
        _compiled[shape] = _summary_rows(_CUSTOMER_STAND_IN, stand_in).query.sql_with_params()
    sql, params = _compiled[shape]
    real_of = {}
    if touched is not None:
        real = _identities(customer_id, touched)[1]
        real_of = {repr(standing): value for standing, value in zip(stand_in[1], real, strict=True)}
    values = []
    for param in params:
        if isinstance(param, int) and param == _CUSTOMER_STAND_IN:
            param = customer_id
        elif not isinstance(param, int | bool) and repr(param) in real_of:
            param = real_of[repr(param)]
        values.append(param)
    return sql, values


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
    touched: Mapping[int, Touched] | None = None,
) -> None:
    """Recompute the summary rows of the customers and the customers' totals, in the caller's
    transaction: all of a customer's rows, or only those of `identity_ids` (what a block or unblock
    touched), or per customer those `touched[customer]` may change (what an import touched: the cost
    follows the environments imported, not the size of the customer)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=NO_LOGIN_DAYS)
    shared = None if identity_ids is None else Touched(identities=set(identity_ids))
    groups = {}
    with transaction.atomic(savepoint=False):
        for customer_id in sorted(set(customer_ids)):
            scope = shared
            if touched is not None and customer_id in touched:
                scope = touched[customer_id]
            if scope is not None and not scope.identities and not scope.guids:
                groups[customer_id] = _total_groups(customer_id)
            else:
                groups[customer_id] = _refresh_rows(customer_id, scope, cutoff)
        _write_totals(groups, now=now)


def _refresh_rows(customer_id: int, touched: Touched | None, cutoff: datetime) -> list[tuple]:
    """Replace the customer's summary rows (those `touched` may change, or all) and read what its totals
    need: a DELETE, an INSERT ... SELECT and the totals' groups, one round trip on PostgreSQL, where the
    INSERT also sets the no-login rule (elsewhere two UPDATEs do). Returns the groups."""
    quote = connection.ops.quote_name
    table = quote(UserSummary._meta.db_table)
    delete = f"DELETE FROM {table} WHERE customer_id = %s"
    delete_params: list = [customer_id]
    if touched is not None:
        identities, identity_params = _identities(customer_id, touched)
        delete += f" AND identity_id IN ({identities})"
        delete_params += identity_params
    sql, params = _summary_sql(customer_id, touched)
    inline = connection.vendor == "postgresql"
    columns = ["customer_id", *COLUMNS] + (["login_ages_at"] if inline else [])
    source = [f"q.{quote(name)}" for name in SOURCE]
    extra: list = []
    if inline:
        login = f"q.{quote('newest_login')}"
        old = f"{login} IS NULL OR {login} < %s"
        source[-1] = f"q.{quote('rule_bits')} | CASE WHEN {old} THEN {NO_RECENT_LOGIN} ELSE 0 END"
        source.append(f"CASE WHEN {login} >= %s THEN {login} + %s END")
        extra = [cutoff, cutoff, timedelta(days=NO_LOGIN_DAYS)]
    # WHERE true: SQLite would otherwise read a following clause as part of the join.
    insert = (
        f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) "
        f"SELECT %s, {', '.join(source)} FROM ({sql}) q WHERE true"
    )
    statements = [(delete, delete_params, False), (insert, [customer_id, *extra, *params], False)]
    if inline:
        return execute_batch([*statements, (_totals_sql(), [customer_id], True)])[0]
    execute_batch(statements)
    rows = UserSummary.objects.filter(customer_id=customer_id)
    if touched is not None:
        rows = rows.filter(identity_id__in=RawSQL(*_identities(customer_id, touched)))
    _set_login_facts(rows, cutoff)
    return _total_groups(customer_id)


def _total_groups(customer_id: int) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(_totals_sql(), [customer_id])
        return cursor.fetchall()


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
    rules, without and with Flex) the candidates and the seats blocking them frees."""
    _write_totals({customer_id: _total_groups(customer_id) for customer_id in set(customer_ids)}, now=now)


def _write_totals(groups: dict[int, list[tuple]], *, now: datetime) -> None:
    """The customers' totals from their groups, in one upsert (not a savepoint, a locking read and a
    write per customer)."""
    totals = []
    for customer_id in sorted(groups):
        users, counts, advice = _totals(groups[customer_id])
        totals.append(
            UserSummaryTotals(
                customer_id=customer_id, users=users, counts=counts, advice=advice, advised_at=now
            )
        )
    UserSummaryTotals.objects.bulk_create(
        totals,
        update_conflicts=True,
        unique_fields=["customer"],
        update_fields=["users", "counts", "advice", "advised_at"],
        batch_size=500,
    )
