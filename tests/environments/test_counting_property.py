"""Property: random snapshots imported through the service; the database count equals a plain set count."""

from collections import defaultdict
from datetime import UTC, datetime

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from environments.models import Environment
from environments.services import import_snapshots
from environments.snapshots import parse_snapshot
from environments.usage import count_usage
from environments.vocabulary import UserKind
from portal.models import Customer

pytestmark = pytest.mark.django_db

CUSTOMERS = ("12345", "67890")
USER_CODES = ("anna", "bram", "12345.cor", "12345.dirk", "eva.de.vries", "54321.extern", "ß-test")
GUIDS = tuple(f"6f1c2d3e-0000-4000-8000-00000000{n:04x}" for n in (0xABC1, 0xABC2, 0xABC3, 0xABC4, 5))
DECLARATIONS = ("123456789L01", "123456789L02", "987654321B01")
CLIENTS = ("C0001", "C0002", "kl-A", "kl-B")
TAKEN_AT = datetime(2026, 11, 28, 0, 45, tzinfo=UTC).isoformat()
SUFFIXES = ("AA", "AB", "AC", "BA", "BB", "ZZ", "QX", "XQ")


def plain_count(environments) -> dict[int | str, dict[tuple[str, str], int]]:
    """DESIGN.md "What is counted" in plain Python, from (customer, type, active, snapshot) tuples."""
    found = defaultdict(lambda: defaultdict(set))
    for customer, type_, active, data in environments:
        if not active:
            continue
        sets = found[customer]
        sets[("environments", "license")].add(data["environment"])
        for employee in data["employees"]:
            if employee["in_service"]:
                sets[("employees", "license")].add(employee["guid"].lower())
        for declaration in data["declarations"]:
            sets[("declarations", "license")].add(declaration["number"].lower())
        for client in data["clients"]:
            sets[("clients", type_)].add(client["code"].lower())
        for user in data["users"]:
            if user["blocked"] or user.get("kind") == "coworker":
                continue
            for item, flag in (
                ("profit_users", "profit"),
                ("insite_users", "insite"),
                ("outsite_users", "outsite"),
            ):
                if user[flag]:
                    sets[(item, type_)].add(user["code"].lower())
    return {
        customer: {key: len(values) for key, values in sets.items() if values}
        for customer, sets in found.items()
    }


@st.composite
def spelling(draw, word: str) -> str:
    """The same code in a random mix of upper and lower case."""
    mask = draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
    return "".join(char.upper() if upper else char for char, upper in zip(word, mask, strict=True))


@st.composite
def environment_data(draw) -> tuple[str, str, bool, dict]:
    customer = draw(st.sampled_from(CUSTOMERS))
    type_ = draw(st.sampled_from("OTAD"))
    active = draw(st.sampled_from([True, True, False]))  # some decommissioned
    users = [
        {
            "code": draw(spelling(code)),
            "profit": draw(st.booleans()),
            "insite": draw(st.booleans()),
            "outsite": draw(st.booleans()),
            "blocked": draw(st.sampled_from([False, False, True])),
            "kind": draw(st.sampled_from(UserKind.values)),
        }
        for code in draw(st.lists(st.sampled_from(USER_CODES), unique=True, max_size=len(USER_CODES)))
    ]
    employees = [
        {"guid": draw(spelling(guid)), "in_service": draw(st.booleans())}
        for guid in draw(st.lists(st.sampled_from(GUIDS), unique=True))
    ]
    declarations = [
        {"number": draw(spelling(number))}
        for number in draw(st.lists(st.sampled_from(DECLARATIONS), unique=True))
    ]
    clients = [
        {"code": draw(spelling(code))} for code in draw(st.lists(st.sampled_from(CLIENTS), unique=True))
    ]
    snapshot = {
        "format": 1,
        "environment": "",  # the code is given when the environments are numbered
        "taken_at": TAKEN_AT,
        "users": users,
        "employees": employees,
        "declarations": declarations,
        "clients": clients,
    }
    return customer, type_, active, snapshot


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(environments=st.lists(environment_data(), min_size=1, max_size=len(SUFFIXES)))
def test_the_database_count_equals_a_plain_set_count(environments):
    for position, (customer, type_, _active, snapshot) in enumerate(environments):
        snapshot["environment"] = f"{type_}{customer}{SUFFIXES[position]}"
    # Each example in a savepoint that is rolled back, so examples do not see each other's rows.
    with transaction.atomic():
        customers = {number: Customer.objects.create(number=number, name=number) for number in CUSTOMERS}
        for customer, type_, active, snapshot in environments:
            Environment.objects.create(
                customer=customers[customer], type=type_, code=snapshot["environment"], is_active=active
            )
        import_snapshots(
            snapshots=[
                parse_snapshot(snapshot, source_name=snapshot["environment"]) for *_, snapshot in environments
            ]
        )

        counted = count_usage([customer.id for customer in customers.values()])

        expected = plain_count(environments)
        assert {customers[number].id: usage for number, usage in expected.items()} == counted
        transaction.set_rollback(True)
