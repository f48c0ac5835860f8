"""Property: after random imports and environment changes (decommissioned, activated, moved, deleted), the
Medewerkers tab read from the employee summary lists exactly what grouping every employee row from scratch
gives: the same employees in the same order, with their names, kinds, service, environments, user accounts,
and the same count."""

import pytest
from django.db import transaction
from django.db.models import Case, IntegerField, Max, Q, Value, When
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from environments.models import Employee, Environment, EnvironmentUser
from environments.selectors import EmployeeFilter, active_environments, customer_employees
from environments.services import environment_delete, environment_save, import_snapshots
from environments.snapshots import parse_snapshot
from portal.models import Customer
from tests.environments.test_counting_property import CUSTOMERS, SUFFIXES, environment_data

pytestmark = pytest.mark.django_db

NAMES = ("", "Anna", "anna", "Bram de Vries", "Zoë")
KINDS = ("", "temp", "vast")


@st.composite
def employee_environment(draw) -> tuple[str, str, bool, dict]:
    """An environment's snapshot whose employees have names and kinds and whose users point to some of
    them (a user's employee is one of its snapshot's)."""
    customer, type_, active, snapshot = draw(environment_data())
    for employee in snapshot["employees"]:
        employee["name"] = draw(st.sampled_from(NAMES))
        employee["kind"] = draw(st.sampled_from(KINDS))
    for user in snapshot["users"]:
        guid = draw(st.sampled_from((None, *[employee["guid"] for employee in snapshot["employees"]])))
        if guid is not None:
            user["employee"] = guid
    return customer, type_, active, snapshot


def from_scratch(customer: Customer, in_service: bool | None) -> list[tuple]:
    """The employees grouped from every employee row of the active environments (as the tab did before the
    summary), in the tab's order, with each employee's user codes once per identity."""
    environments = active_environments(customer)
    mark = Case(When(in_service=True, then=Value(3)), default=Value(1), output_field=IntegerField())
    per_environment = {
        f"env_{e.id}": Max(Case(When(environment_id=e.id, then=mark), output_field=IntegerField()))
        for e in environments
    }
    rows = (
        Employee.objects.filter(environment__in=environments)
        .values("guid")
        .annotate(
            shown_name=Max("name"),
            shown_kind=Max("kind"),
            serving=Max(Case(When(Q(in_service=True), then=Value(1)), default=Value(0))),
            **per_environment,
        )
        .order_by("shown_name", "guid")
    )
    accounts: dict = {}
    for guid, code in (
        EnvironmentUser.objects.filter(environment__in=environments, employee_guid__isnull=False)
        .order_by("identity__code", "code")
        .values_list("employee_guid", "code")
    ):
        accounts.setdefault(guid, {}).setdefault(code.lower(), code)
    return [
        (
            row["guid"],
            row["shown_name"],
            row["shown_kind"],
            bool(row["serving"]),
            [(e.code, row[f"env_{e.id}"] == 3) for e in environments if row[f"env_{e.id}"]],
            list(accounts.get(row["guid"], {}).values()),
        )
        for row in rows
        if in_service is None or bool(row["serving"]) == in_service
    ]


def from_summary(customer: Customer, in_service: bool | None) -> tuple[list[tuple], int]:
    listing = customer_employees(customer, EmployeeFilter(in_service=in_service))
    rows = listing.rows
    shown = [
        (
            row.guid,
            summary_row.name,
            summary_row.kind,
            row.in_service,
            [(p.environment.code, p.counts) for p in row.presences],
            row.users,
        )
        for row, summary_row in zip(listing.as_rows(rows[0:1000]), rows[0:1000], strict=True)
    ]
    return shown, rows.count()


def assert_exact(customers: dict[str, Customer]) -> None:
    for customer in customers.values():
        for in_service in (None, True, False):
            expected = from_scratch(customer, in_service)
            shown, count = from_summary(customer, in_service)
            assert shown == expected
            assert count == len(expected)


step = st.one_of(
    st.tuples(st.just("import"), employee_environment()),
    st.tuples(st.just("toggle"), st.integers(0, len(SUFFIXES) - 1)),
    st.tuples(st.just("move"), st.integers(0, len(SUFFIXES) - 1)),
    st.tuples(st.just("delete"), st.integers(0, len(SUFFIXES) - 1)),
)


@settings(
    max_examples=30,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    environments=st.lists(employee_environment(), min_size=1, max_size=5),
    steps=st.lists(step, max_size=5),
)
def test_the_employee_summary_lists_exactly_what_grouping_from_scratch_lists(environments, steps):
    # Each example in a savepoint that is rolled back, so examples do not see each other's rows.
    with transaction.atomic():
        customers = {number: Customer.objects.create(number=number, name=number) for number in CUSTOMERS}
        codes = []
        for position, (customer, type_, active, snapshot) in enumerate(environments):
            snapshot["environment"] = f"{type_}{customer}{SUFFIXES[position]}"
            codes.append(snapshot["environment"])
            Environment.objects.create(
                customer=customers[customer], type=type_, code=snapshot["environment"], is_active=active
            )
        import_snapshots(
            snapshots=[parse_snapshot(s, source_name=s["environment"]) for *_, s in environments]
        )
        assert_exact(customers)

        for action, argument in steps:
            if action == "import":
                snapshot = argument[3]
                existing = Environment.objects.filter(code__in=codes).order_by("code")
                if not existing:
                    continue
                snapshot["environment"] = existing[len(snapshot["users"]) % len(existing)].code
                snapshot["taken_at"] = "2026-11-29T00:45:00+00:00"
                import_snapshots(snapshots=[parse_snapshot(snapshot, source_name=snapshot["environment"])])
            else:
                environment = Environment.objects.filter(code=codes[argument % len(codes)]).first()
                if environment is None:
                    continue
                if action == "toggle":
                    environment.is_active = not environment.is_active
                    environment_save(environment=environment)
                elif action == "move":
                    others = [c for c in customers.values() if c.id != environment.customer_id]
                    environment.customer = others[0]
                    environment_save(environment=environment)
                else:
                    environment_delete(environment=environment)
            assert_exact(customers)
        transaction.set_rollback(True)
