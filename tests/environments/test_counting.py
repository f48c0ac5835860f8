"""Every counting rule of DESIGN.md "What is counted", one test each."""

import uuid

import pytest

from environments.usage import count_usage
from tests.factories import (
    ClientFactory,
    CustomerFactory,
    DeclarationFactory,
    EmployeeFactory,
    EnvironmentFactory,
    EnvironmentUserFactory,
)

pytestmark = pytest.mark.django_db


def usage_of(customer):
    return count_usage([customer.id]).get(customer.id, {})


def users(environment, *codes, **flags):
    for code in codes:
        EnvironmentUserFactory(environment=environment, code=code, **flags)


@pytest.fixture
def customer():
    return CustomerFactory(number="12345")


def test_users_in_two_environments_of_one_type_count_once_each(customer):
    a = EnvironmentFactory(customer=customer, type="O")
    b = EnvironmentFactory(customer=customer, type="O")
    users(a, "susan", "john", "martin")
    users(b, "susan", "bart", "pascal")

    assert usage_of(customer)[("profit_users", "O")] == 5


def test_each_environment_type_is_its_own_scope(customer):
    for _ in range(3):
        users(EnvironmentFactory(customer=customer, type="O"), "anna", "bram", insite=True)
    for _ in range(2):
        users(EnvironmentFactory(customer=customer, type="T"), "anna", "tester", insite=True)

    usage = usage_of(customer)

    assert usage[("insite_users", "O")] == 2
    assert usage[("insite_users", "T")] == 2
    assert ("insite_users", "A") not in usage
    assert usage[("environments", "license")] == 5


def test_user_codes_are_case_insensitive(customer):
    a = EnvironmentFactory(customer=customer, type="O")
    b = EnvironmentFactory(customer=customer, type="O")
    users(a, "12345.Jansen")
    users(b, "12345.JANSEN")

    assert usage_of(customer)[("profit_users", "O")] == 1


def test_a_user_blocked_in_one_environment_but_not_another_counts_once(customer):
    a = EnvironmentFactory(customer=customer, type="O")
    b = EnvironmentFactory(customer=customer, type="O")
    users(a, "piet", blocked=True)
    users(b, "piet", blocked=False)

    assert usage_of(customer)[("profit_users", "O")] == 1


def test_a_user_blocked_everywhere_does_not_count(customer):
    a = EnvironmentFactory(customer=customer, type="O")
    b = EnvironmentFactory(customer=customer, type="O")
    users(a, "piet", "klaas", blocked=True)
    users(b, "piet", blocked=True)
    users(b, "joke")

    assert usage_of(customer)[("profit_users", "O")] == 1


def test_one_user_counts_in_every_item_it_has_access_to(customer):
    env = EnvironmentFactory(customer=customer, type="O")
    users(env, "all", profit=True, insite=True, outsite=True)
    users(env, "profit-only", profit=True)
    users(env, "outsite-only", profit=False, outsite=True)

    usage = usage_of(customer)

    assert usage[("profit_users", "O")] == 2
    assert usage[("insite_users", "O")] == 1
    assert usage[("outsite_users", "O")] == 2


def test_access_in_one_environment_and_not_another_counts_once(customer):
    a = EnvironmentFactory(customer=customer, type="O")
    b = EnvironmentFactory(customer=customer, type="O")
    users(a, "eva", profit=True, insite=False)
    users(b, "eva", profit=False, insite=True)

    usage = usage_of(customer)

    assert usage[("profit_users", "O")] == 1
    assert usage[("insite_users", "O")] == 1


def test_coworkers_never_count_in_the_customers_license(customer):
    env = EnvironmentFactory(customer=customer, type="O")
    users(env, "accountant", kind="coworker", insite=True)
    users(env, "eigen")

    usage = usage_of(customer)

    assert usage[("profit_users", "O")] == 1
    assert ("insite_users", "O") not in usage


def test_other_kinds_of_user_do_count(customer):
    env = EnvironmentFactory(customer=customer, type="O")
    for kind in ["person", "temp", "intern", "test", "system"]:
        users(env, f"user-{kind}", kind=kind)

    assert usage_of(customer)[("profit_users", "O")] == 5


def test_decommissioned_environments_do_not_count(customer):
    active = EnvironmentFactory(customer=customer, type="O")
    gone = EnvironmentFactory(customer=customer, type="O", is_active=False)
    users(active, "a")
    users(gone, "b", "c")
    EmployeeFactory(environment=gone)
    DeclarationFactory(environment=gone)
    ClientFactory(environment=gone)

    usage = usage_of(customer)

    assert usage[("profit_users", "O")] == 1
    assert usage[("environments", "license")] == 1
    assert ("employees", "license") not in usage
    assert ("declarations", "license") not in usage
    assert ("clients", "O") not in usage


def test_environments_of_every_type_count_together(customer):
    for env_type in "OOTAD":
        EnvironmentFactory(customer=customer, type=env_type)
    EnvironmentFactory(customer=customer, type="T", is_active=False)

    assert usage_of(customer)[("environments", "license")] == 5


def test_employees_count_per_guid_over_all_environment_types(customer):
    guid = uuid.uuid4()
    EmployeeFactory(environment=EnvironmentFactory(customer=customer, type="O"), guid=guid)
    EmployeeFactory(environment=EnvironmentFactory(customer=customer, type="T"), guid=guid)
    EmployeeFactory(environment=EnvironmentFactory(customer=customer, type="A"))

    assert usage_of(customer)[("employees", "license")] == 2


def test_an_employee_out_of_service_in_one_environment_only_still_counts(customer):
    guid = uuid.uuid4()
    EmployeeFactory(environment=EnvironmentFactory(customer=customer, type="O"), guid=guid, in_service=False)
    EmployeeFactory(environment=EnvironmentFactory(customer=customer, type="O"), guid=guid, in_service=True)
    EmployeeFactory(environment=EnvironmentFactory(customer=customer, type="O"), in_service=False)

    assert usage_of(customer)[("employees", "license")] == 1


def test_declarations_count_distinct_numbers_case_insensitively(customer):
    a = EnvironmentFactory(customer=customer, type="O")
    b = EnvironmentFactory(customer=customer, type="T")
    DeclarationFactory(environment=a, display_number="123456789L01", number="123456789l01")
    DeclarationFactory(environment=b, display_number="123456789l01", number="123456789l01")
    DeclarationFactory(environment=b, display_number="123456789L02", number="123456789l02")

    assert usage_of(customer)[("declarations", "license")] == 2


def test_clients_count_distinct_codes_per_environment_type(customer):
    a = EnvironmentFactory(customer=customer, type="O")
    b = EnvironmentFactory(customer=customer, type="O")
    t = EnvironmentFactory(customer=customer, type="T")
    ClientFactory(environment=a, display_code="C0001", code="c0001")
    ClientFactory(environment=b, display_code="c0001", code="c0001")
    ClientFactory(environment=b, display_code="C0002", code="c0002")
    ClientFactory(environment=t, display_code="C0001", code="c0001")

    usage = usage_of(customer)

    assert usage[("clients", "O")] == 2
    assert usage[("clients", "T")] == 1


def test_customers_are_counted_apart_in_one_batch():
    first = CustomerFactory(number="11111")
    second = CustomerFactory(number="22222")
    users(EnvironmentFactory(customer=first, type="O"), "shared", "a")
    users(EnvironmentFactory(customer=second, type="O"), "shared")

    usage = count_usage([first.id, second.id])

    assert usage[first.id][("profit_users", "O")] == 2
    assert usage[second.id][("profit_users", "O")] == 1


def test_the_batch_count_is_one_query(django_assert_num_queries):
    customers = [CustomerFactory() for _ in range(4)]
    for customer in customers:
        users(EnvironmentFactory(customer=customer, type="O"), "x", "y")

    with django_assert_num_queries(1):
        count_usage([c.id for c in customers])
