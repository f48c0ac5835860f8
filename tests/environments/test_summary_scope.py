"""An import refreshes the unique-user summary of what it touched only (its environments' users before and
after, and the customer's users linked to its employees), and that is exact: the same rows and totals as
a summary of the whole customer computed from scratch."""

from datetime import UTC, datetime, timedelta

import pytest

from environments import snapshot_store
from environments.models import Environment, UserSummary, UserSummaryTotals
from environments.services import import_snapshots
from environments.snapshots import parse_snapshot
from environments.summary import (
    ADVICE_MASKS,
    GONE_STAFF,
    NO_LOGIN_DAYS,
    NO_RECENT_LOGIN,
    SEAT_BITS,
    seat_key,
    user_summaries_refresh,
)
from tests.factories import CustomerFactory, EnvironmentFactory

pytestmark = pytest.mark.django_db

TAKEN_AT = datetime(2026, 11, 28, 0, 45, tzinfo=UTC)
GUID = "0b5e7f1c-1d2e-4f3a-8b9c-0d1e2f3a4b5c"
COLUMNS = ("identity_id", "code", "presence", "last_login", "login_ages_at", "seats", "seat_count", "facts")


def user(code: str, **fields) -> dict:
    return {"code": code, "profit": True, "insite": False, "outsite": False, "blocked": False, **fields}


def push(code: str, *, users=(), employees=(), taken_at=TAKEN_AT):
    snapshot = {
        "format": 1,
        "environment": code,
        "taken_at": taken_at.isoformat(),
        "users": list(users),
        "employees": list(employees),
        "declarations": [],
        "clients": [],
    }
    return import_snapshots(snapshots=[parse_snapshot(snapshot, source_name=code, now=taken_at)])


def rows(customer) -> list[dict]:
    return list(UserSummary.objects.filter(customer=customer).order_by("identity_id").values(*COLUMNS))


def totals(customer) -> tuple:
    stored = UserSummaryTotals.objects.get(customer=customer)
    return stored.users, stored.counts, stored.advice


def assert_as_from_scratch(customer) -> None:
    kept, kept_totals = rows(customer), totals(customer)
    user_summaries_refresh(customer_ids=[customer.id], now=TAKEN_AT)
    assert rows(customer) == kept
    assert totals(customer) == kept_totals


@pytest.fixture(autouse=True, params=["one round trip", "copy"])
def write_path(request, monkeypatch):
    """Every test on both of PostgreSQL's ways of writing (elsewhere both are the ORM's)."""
    if request.param == "copy":
        monkeypatch.setattr(snapshot_store, "ONE_ROUND_TRIP_ROWS", -1)
    return request.param


@pytest.fixture
def customer():
    customer = CustomerFactory(number="12345")
    for code in ("O12345AA", "T12345AA", "A12345AA"):
        EnvironmentFactory(customer=customer, code=code, type=code[0])
    return customer


def test_an_employee_leaving_in_one_environment_changes_a_linked_user_in_another(customer):
    # Out of service in T12345AA, in service in O12345AA: not gone, as long as one says in service.
    push("O12345AA", employees=[{"guid": GUID, "in_service": True}])
    push(
        "T12345AA",
        users=[user("jan", employee=GUID), user("piet")],
        employees=[{"guid": GUID, "in_service": False}],
    )
    jan = UserSummary.objects.get(customer=customer, identity_code="jan")
    assert not jan.facts & GONE_STAFF

    # Jan is not in O12345AA; only his employee is, and it left there too.
    push("O12345AA", employees=[{"guid": GUID, "in_service": False}], taken_at=TAKEN_AT + timedelta(hours=1))

    jan = UserSummary.objects.get(customer=customer, identity_code="jan")
    assert jan.facts & GONE_STAFF
    assert_as_from_scratch(customer)


def test_the_rows_of_other_environments_users_are_left_alone(customer):
    push("O12345AA", users=[user("jan"), user("piet")])
    push("T12345AA", users=[user("klaas"), user("piet")])
    untouched = UserSummary.objects.get(customer=customer, identity_code="klaas").pk
    shared = UserSummary.objects.get(customer=customer, identity_code="piet").pk

    push("O12345AA", users=[user("piet", profit=False)], taken_at=TAKEN_AT + timedelta(hours=1))

    # Klaas is only in T12345AA: his row is the same row; Piet's was written again, Jan's is gone.
    assert UserSummary.objects.get(customer=customer, identity_code="klaas").pk == untouched
    assert UserSummary.objects.get(customer=customer, identity_code="piet").pk != shared
    assert not UserSummary.objects.filter(customer=customer, identity_code="jan").exists()
    assert totals(customer)[0] == 2
    assert_as_from_scratch(customer)


def test_the_no_login_rule_is_set_as_the_import_writes_the_row(customer):
    old = TAKEN_AT - timedelta(days=NO_LOGIN_DAYS + 1)
    recent = TAKEN_AT - timedelta(days=3)
    push(
        "A12345AA",
        users=[
            user("oud", last_login=old.isoformat()),
            user("recent", last_login=recent.isoformat()),
            user("nooit"),
        ],
    )
    summary = {row.identity_code: row for row in UserSummary.objects.filter(customer=customer)}
    assert summary["oud"].facts & NO_RECENT_LOGIN and summary["oud"].login_ages_at is None
    assert summary["nooit"].facts & NO_RECENT_LOGIN and summary["nooit"].login_ages_at is None
    assert not summary["recent"].facts & NO_RECENT_LOGIN
    assert summary["recent"].login_ages_at == recent + timedelta(days=NO_LOGIN_DAYS)


def test_the_totals_are_the_sums_over_the_rows(customer):
    push(
        "T12345AA",
        employees=[{"guid": GUID, "in_service": False}],
        users=[
            user("jan", employee=GUID),
            user("stagiair", kind="intern"),
            user("test", kind="test", insite=True),
        ],
    )
    push("A12345AA", users=[user("piet", blocked=True), user("jan", outsite=True)])
    users, counts, advice = totals(customer)
    summary = list(UserSummary.objects.filter(customer=customer))
    assert users == len(summary)
    seats = {seat_key(*pair): bit for pair, bit in SEAT_BITS.items()}
    assert counts == {key: sum(1 for row in summary if row.seats & bit) for key, bit in seats.items()}
    for key, mask in ADVICE_MASKS.items():
        candidates = [row for row in summary if row.facts & mask and row.seat_count > 0]
        assert advice[key]["candidates"] == len(candidates)
        assert advice[key]["freed"] == {
            seat: sum(1 for row in candidates if row.seats & bit) for seat, bit in seats.items()
        }
    assert advice["all"]["candidates"] > 0  # the rules hold for some: the sums are not all zero
    assert_as_from_scratch(customer)


def test_an_environment_of_another_customer_is_not_touched(customer):
    other = CustomerFactory(number="67890")
    Environment.objects.create(customer=other, code="O67890AA", type="O")
    push("O67890AA", users=[user("jan")])
    push("O12345AA", users=[user("jan")])
    assert UserSummary.objects.filter(customer=other).count() == 1
    assert totals(other)[0] == 1
    assert_as_from_scratch(customer)
    assert_as_from_scratch(other)
