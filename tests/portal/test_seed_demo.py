"""`seed_demo`: the demo data of DESIGN.md, the same state however often it runs."""

import io
from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command

from environments.models import Client, Declaration, Employee, Environment, EnvironmentUser, UserIdentity
from environments.usage import count_usage
from environments.vocabulary import Item, scopes_for
from licensing.models import License, LicenseLine, LicenseMutation
from licensing.monitoring.charts import usage_chart
from licensing.monitoring.models import UsageSnapshot
from portal import demo, demo_data
from portal.models import Contact, Customer, Membership, Role
from tests.environments.test_counting_property import plain_count

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 28, 11, 0, tzinfo=UTC)


def seed():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def dump():
    """Every row seed_demo touches, by natural key (imported rows are replaced, so their ids change)."""
    User = get_user_model()
    return {
        "customers": list(Customer.objects.order_by("number").values_list("number", "name", "is_active")),
        "licenses": sorted(License.objects.values_list("customer__number", "edition", "flex")),
        "users": sorted(
            User.objects.values_list(
                "id", "username", "email", "password", "is_active", "is_staff", "is_superuser"
            )
        ),
        "contacts": sorted(Contact.objects.values_list("id", "user__username", "name")),
        "memberships": sorted(
            Membership.objects.values_list("id", "contact__user__username", "customer__number", "role")
        ),
        "environments": sorted(
            Environment.objects.values_list(
                "id",
                "code",
                "customer__number",
                "type",
                "name",
                "is_active",
                "decommissioned_at",
                "data_taken_at",
            )
        ),
        "identities": sorted(UserIdentity.objects.values_list("id", "code")),
        "environment_users": sorted(
            EnvironmentUser.objects.values_list(
                "environment__code",
                "identity_id",
                "code",
                "name",
                "email",
                "profit",
                "insite",
                "outsite",
                "blocked",
                "kind",
                "last_login",
                "employee_guid",
            )
        ),
        "employees": sorted(
            Employee.objects.values_list("environment__code", "guid", "name", "in_service", "kind")
        ),
        "declarations": sorted(
            Declaration.objects.values_list("environment__code", "number", "display_number")
        ),
        "clients": sorted(Client.objects.values_list("environment__code", "code", "display_code", "name")),
        "lines": sorted(
            LicenseLine.objects.values_list(
                "id", "license__customer__number", "item", "scope", "maximum", "portal", "in_use"
            )
        ),
        "mutations": LicenseMutation.objects.count(),
        "history": sorted(UsageSnapshot.objects.values_list("line_id", "date", "in_use", "maximum")),
    }


@pytest.fixture
def seeded():
    with time_machine.travel(NOW):
        seed()
    return dump()


def test_seeding_twice_gives_the_same_state(seeded):
    with time_machine.travel(NOW.replace(hour=15)):
        output = seed()

    assert dump() == seeded
    assert "environment O12345AA: 20 users, 20 employees, 3 declarations, 3 clients" in output


def test_seeding_again_brings_back_changed_demo_data(seeded):
    EnvironmentUser.objects.filter(code="12345.susan").delete()
    LicenseLine.objects.filter(item="profit_users", scope="O").update(maximum=99, portal=99)
    Membership.objects.filter(contact__user__username="medewerker@example.nl").update(role=Role.BEHEERDER)
    user = get_user_model().objects.get(username="beheerder@example.nl")
    user.set_password("something-else")
    user.save()

    with time_machine.travel(NOW.replace(hour=16)):
        seed()

    after = dump()
    assert {key: value for key, value in after.items() if key != "users"} == {
        key: value for key, value in seeded.items() if key != "users"
    }
    assert authenticate(username="beheerder@example.nl", password=demo_data.PASSWORD_BEHEERDER) == user


def test_a_newer_snapshot_does_not_make_the_demo_refuse_to_seed(seeded):
    Environment.objects.filter(code="O12345AA").update(data_taken_at=datetime(2026, 11, 28, 9, 0, tzinfo=UTC))

    with time_machine.travel(NOW.replace(hour=12)):
        seed()

    assert Environment.objects.get(code="O12345AA").data_taken_at == datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    assert EnvironmentUser.objects.filter(environment__code="O12345AA").count() == 20


def test_it_creates_the_customers_environments_and_contacts_of_the_design(seeded):
    assert seeded["customers"] == [
        ("12345", "Bakkerij De Korenschoof BV", True),
        ("67890", "Van Dijk Installatietechniek", True),
    ]
    assert seeded["licenses"] == [("12345", "profit", False), ("67890", "small_business", False)]
    assert sorted(
        (code, number, active) for _, code, number, _, _, active, _, _ in seeded["environments"]
    ) == [
        ("A12345AA", "12345", True),
        ("O12345AA", "12345", True),
        ("O12345AB", "12345", True),
        ("O12345AC", "12345", True),
        ("O67890AA", "67890", True),
        ("T12345AA", "12345", True),
        ("T12345AB", "12345", True),
    ]
    assert sorted((email, number, role) for _, email, number, role in seeded["memberships"]) == [
        ("beheerder67890@example.nl", "67890", Role.BEHEERDER),
        ("beheerder@example.nl", "12345", Role.BEHEERDER),
        ("medewerker@example.nl", "12345", Role.MEDEWERKER),
    ]
    for email, password in [
        ("beheerder@example.nl", "demo-beheerder"),
        ("medewerker@example.nl", "demo-medewerker"),
        ("beheerder67890@example.nl", "demo-beheerder"),
    ]:
        user = authenticate(username=email, password=password)
        assert user is not None and user.email == email and user.contact is not None
    assert not get_user_model().objects.filter(is_superuser=True).exists()
    assert not get_user_model().objects.filter(is_staff=True).exists()


def test_every_environment_has_fresh_realistic_data(seeded):
    taken_at = datetime(2026, 11, 27, 23, 45, tzinfo=UTC)  # 00:45 in Amsterdam
    environments = Environment.objects.all()
    assert {environment.data_taken_at for environment in environments} == {taken_at}
    for environment in environments:
        assert environment.users.exists() and environment.employees.exists()
    users = EnvironmentUser.objects.filter(environment__customer__number="12345")
    assert {"person", "temp", "intern", "test", "system", "coworker"} <= set(
        users.values_list("kind", flat=True)
    )
    assert users.filter(blocked=True).exists()
    assert Employee.objects.filter(in_service=False).exists()
    # A temp whose employee record is out of service while the account is still open.
    kok = EnvironmentUser.objects.get(code="12345.kok")
    assert kok.kind == "temp" and not kok.blocked
    assert not Employee.objects.get(environment=kok.environment, guid=kok.employee_guid).in_service
    # Users repeated across environments with other capitals.
    assert set(users.filter(identity__code="12345.susan").values_list("code", flat=True)) == {
        "12345.susan",
        "12345.Susan",
    }


def test_the_design_example_of_five_unique_users_holds(seeded):
    aa = set(
        EnvironmentUser.objects.filter(environment__code="O12345AA").values_list("identity__code", flat=True)
    )
    ab = set(
        EnvironmentUser.objects.filter(environment__code="O12345AB").values_list("identity__code", flat=True)
    )
    assert {"12345.susan", "12345.john", "12345.martin"} <= aa
    assert {"12345.susan", "12345.bart", "12345.pascal"} <= ab
    example = ["12345.susan", "12345.john", "12345.martin", "12345.bart", "12345.pascal"]
    # Keep only the example's users on the production environments and count with the service.
    EnvironmentUser.objects.filter(environment__type="O").exclude(identity__code__in=example).delete()
    customer = Customer.objects.get(number="12345")

    assert count_usage([customer.id])[customer.id][("profit_users", "O")] == 5


def test_usage_matches_a_plain_count_of_the_demo_snapshots(seeded):
    taken_at = datetime(2026, 11, 27, 23, 45, tzinfo=UTC)
    snapshots = [(code[1:6], code[0], True, demo.snapshot(code, taken_at)) for code in demo.ENVIRONMENTS]
    expected = plain_count(snapshots)
    lines = {(number, item, scope): in_use for _, number, item, scope, _, _, in_use in seeded["lines"]}

    for number, usage in expected.items():
        for (item, scope), in_use in usage.items():
            assert lines[(number, item, scope)] == in_use
    # What the demo was designed to show for 12345.
    assert expected["12345"] == {
        ("environments", "license"): 6,
        ("employees", "license"): 21,
        ("declarations", "license"): 4,
        ("profit_users", "O"): 13,
        ("insite_users", "O"): 16,
        ("outsite_users", "O"): 4,
        ("clients", "O"): 4,
        ("profit_users", "T"): 7,
        ("insite_users", "T"): 4,
        ("clients", "T"): 3,
        ("profit_users", "A"): 4,
        ("insite_users", "A"): 2,
        ("outsite_users", "A"): 1,
        ("clients", "A"): 1,
    }


def test_every_line_the_design_names_exists_with_a_maximum(seeded):
    license = License.objects.get(customer__number="12345")
    lines = {(line.item, line.scope): line for line in license.lines.all()}
    active_types = set(
        Environment.objects.filter(customer__number="12345", is_active=True).values_list("type", flat=True)
    )
    assert active_types == {"O", "T", "A"}

    for item in Item:
        for scope in scopes_for(item):
            if scope == "license" or scope in active_types:
                line = lines[(item.value, scope)]
                assert line.maximum > 0
                assert line.maximum >= line.in_use
    deviations = [key for key, line in lines.items() if line.has_deviation]
    assert deviations == [("insite_users", "T")]
    # Close to the limit: the signal "fewer than 5 Profit users left" fires on O.
    assert lines[("profit_users", "O")].available == 3
    assert license.counted_at is not None


def test_the_small_business_customer_stays_within_ten_environments(seeded):
    lines = {
        (line.item, line.scope): line
        for line in LicenseLine.objects.filter(license__customer__number="67890")
    }

    assert 0 < lines[("environments", "license")].maximum <= 10
    assert all(not line.has_deviation and line.maximum >= line.in_use for line in lines.values())
    assert lines[("profit_users", "O")].in_use == 4


def test_the_demo_has_two_months_of_history_with_a_trend_to_forecast(seeded):
    line = LicenseLine.objects.get(license__customer__number="12345", item="profit_users", scope="O")
    history = list(line.snapshots.order_by("date").values_list("in_use", flat=True))

    assert len(history) == 60
    assert history[0] < history[-1] <= line.in_use
    with time_machine.travel(NOW):
        assert usage_chart(line).forecast.has_date
