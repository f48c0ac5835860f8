"""The per-customer unique-user summary: one row per identity across the customer's active
environments (what it is in each, what it counts as, which cleanup rules hold), kept where the data
changes so that user maintenance never groups every user row on a page view.

`user_summaries_refresh` is the one writer. The snapshot import, blocking and unblocking, a change
of an environment (activated, decommissioned, moved) and the nightly job call it; the nightly job also
calls `user_summaries_age` for the one rule that time alone makes true (no login for 90 days). Every
row is computed by the database (one INSERT ... SELECT per customer, one GROUP BY over its rows),
exactly by the counting rules: `UserSummaryTotals.counts` equals the recount's user counts.
"""

from collections.abc import Iterable
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


def _summary_rows(customer_id: int, identity_ids: list[int] | None):
    """The customer's unique users as UserSummary columns, grouped by the database."""
    users = EnvironmentUser.objects.filter(environment__customer_id=customer_id, environment__is_active=True)
    if identity_ids is not None:
        users = users.filter(identity_id__in=identity_ids)
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
# it is compiled once per process and shape with stand-in ids, which are then replaced.
_CUSTOMER_STAND_IN = -7_331_001
_IDENTITY_STAND_IN = -9_000_000
_compiled: dict[tuple, tuple[str, list]] = {}


def _summary_sql(customer_id: int, identity_ids: list[int] | None) -> tuple[str, list]:
    shape = (connection.vendor, None if identity_ids is None else len(identity_ids))
    if shape not in _compiled:
        stand_ins = (
            None if identity_ids is None else [_IDENTITY_STAND_IN - n for n in range(len(identity_ids))]
        )
        _compiled[shape] = _summary_rows(_CUSTOMER_STAND_IN, stand_ins).query.sql_with_params()
    sql, params = _compiled[shape]
    real = {_CUSTOMER_STAND_IN: customer_id}
    real.update({_IDENTITY_STAND_IN - n: identity for n, identity in enumerate(identity_ids or [])})
    return sql, [real.get(param, param) if isinstance(param, int) else param for param in params]


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
    *, customer_ids: Iterable[int], identity_ids: Iterable[int] | None = None, now: datetime | None = None
) -> None:
    """Recompute the summary rows of the customers (of only these identities, when given: what a
    block or unblock touched) and the customers' totals, in the caller's transaction."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=NO_LOGIN_DAYS)
    identities = None if identity_ids is None else sorted(set(identity_ids))
    table = connection.ops.quote_name(UserSummary._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(column) for column in ("customer_id", *COLUMNS))
    with transaction.atomic():
        for customer_id in sorted(set(customer_ids)):
            if identities == []:
                break
            stale = UserSummary.objects.filter(customer_id=customer_id)
            if identities is not None:
                stale = stale.filter(identity_id__in=identities)
            stale.delete()
            sql, params = _summary_sql(customer_id, identities)
            source = ", ".join(f"q.{connection.ops.quote_name(name)}" for name in SOURCE)
            with connection.cursor() as cursor:
                # WHERE true: SQLite would otherwise read a following clause as part of the join.
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) SELECT %s, {source} FROM ({sql}) q WHERE true",
                    [customer_id, *params],
                )
            fresh = UserSummary.objects.filter(customer_id=customer_id)
            if identities is not None:
                fresh = fresh.filter(identity_id__in=identities)
            _set_login_facts(fresh, cutoff)
        _store_totals(customer_ids=customer_ids, now=now)


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
    """The totals of one customer's summary rows in one pass (plain SQL: the ORM spends more time
    compiling 130 filtered aggregates than the database spends on them)."""
    quote = connection.ops.quote_name
    seat = "CASE WHEN seats & {bit} <> 0 THEN 1 ELSE 0 END"
    candidate = "CASE WHEN facts & {mask} <> 0 AND seat_count > 0 {also} THEN 1 ELSE 0 END"
    columns = ["COUNT(*)"]
    columns += [f"SUM({seat.format(bit=bit)})" for bit in SEAT_BITS.values()]
    for mask in ADVICE_MASKS.values():
        columns.append(f"SUM({candidate.format(mask=mask, also='')})")
        columns += [
            f"SUM({candidate.format(mask=mask, also=f'AND seats & {bit} <> 0')})"
            for bit in SEAT_BITS.values()
        ]
    return f"SELECT {', '.join(columns)} FROM {quote(UserSummary._meta.db_table)} WHERE customer_id = %s"


def _store_totals(*, customer_ids: Iterable[int], now: datetime) -> None:
    """Per customer: its unique users, the unique users per seat, and per cleanup rule (and for all
    rules, without and with Flex) the candidates and the seats blocking them frees; one query each."""
    sql = _totals_sql()
    seats = [seat_key(*pair) for pair in SEATS]
    for customer_id in sorted(set(customer_ids)):
        with connection.cursor() as cursor:
            cursor.execute(sql, [customer_id])
            values = [value or 0 for value in cursor.fetchone()]
        users, counts, rest = values[0], values[1 : 1 + len(SEATS)], values[1 + len(SEATS) :]
        advice = {}
        for n, key in enumerate(ADVICE_MASKS):
            part = rest[n * (1 + len(SEATS)) : (n + 1) * (1 + len(SEATS))]
            advice[key] = {"candidates": part[0], "freed": dict(zip(seats, part[1:], strict=True))}
        UserSummaryTotals.objects.update_or_create(
            customer_id=customer_id,
            defaults={
                "users": users,
                "counts": dict(zip(seats, counts, strict=True)),
                "advice": advice,
                "advised_at": now,
            },
        )
