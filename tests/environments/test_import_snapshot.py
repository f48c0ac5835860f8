"""`import_snapshot FILE...`: everything validated first, one transaction, nothing changed on bad input."""

import copy
import dataclasses
import io
import json
import uuid
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command

from environments import services, snapshot_messages
from environments.models import Client, Declaration, Employee, Environment, EnvironmentUser, UserIdentity
from environments.snapshots import SnapshotError, parse_snapshot
from environments.usage import count_usage
from tests.factories import CustomerFactory, EnvironmentFactory

pytestmark = pytest.mark.django_db

GUID_JANSEN = "6f1c2d3e-0000-4000-8000-000000000001"
GUID_DEBOER = "6f1c2d3e-0000-4000-8000-000000000002"
GUID_TEMP = "6f1c2d3e-0000-4000-8000-000000000003"


def person(code, **fields):
    return {"code": code, "profit": True, "insite": False, "outsite": False, "blocked": False, **fields}


def snapshot_data(environment="O12345AA", taken_at="2026-11-28T00:45:00+01:00"):
    return {
        "format": 1,
        "environment": environment,
        "taken_at": taken_at,
        "users": [
            person(
                "12345.Jansen",
                name="J. Jansen",
                email="j.jansen@example.nl",
                insite=True,
                kind="person",
                last_login="2026-11-27T10:00:00+01:00",
                employee=GUID_JANSEN,
            ),
            person("12345.deboer", name="P. de Boer", employee=GUID_DEBOER),
            person("12345.uitzend", kind="temp", employee=GUID_TEMP, name=None),
            person("12345.oud", blocked=True),
            person("groen.accountant", kind="coworker", insite=True),
        ],
        "employees": [
            {"guid": GUID_JANSEN, "name": "J. Jansen", "in_service": True, "kind": "staff"},
            {"guid": GUID_DEBOER.upper(), "name": "P. de Boer", "in_service": True},
            {"guid": GUID_TEMP, "name": "T. Uitzend", "in_service": False, "kind": "temp"},
        ],
        "declarations": [{"number": "123456789L01"}, {"number": "123456789B01"}],
        "clients": [{"code": "C0001", "name": "Cliënt BV"}],
    }


@pytest.fixture
def environments():
    customer = CustomerFactory(number="12345")
    return {
        code: EnvironmentFactory(customer=customer, type=code[0], code=code)
        for code in ("O12345AA", "O12345AB", "T12345AA")
    }


@pytest.fixture
def imported(environments, tmp_path, monkeypatch):
    """Data already in the database, so 'nothing changed' can be checked against something."""
    monkeypatch.chdir(tmp_path)
    write("O12345AA.json", snapshot_data(taken_at="2026-11-27T00:45:00+01:00"))
    second = snapshot_data("O12345AB", taken_at="2026-11-27T00:45:00+01:00")
    second["users"] = [person("12345.JANSEN"), person("12345.bart")]
    write("O12345AB.json", second)
    call_command("import_snapshot", "O12345AA.json", "O12345AB.json", stdout=_sink())
    return environments


def _sink():
    return io.StringIO()


def write(name, data):
    with open(name, "w", encoding="utf-8") as file:
        json.dump(data, file)
    return name


def state():
    """Everything an import may touch, without autoincrement ids of replaced rows."""
    return {
        "users": sorted(
            EnvironmentUser.objects.values_list(
                "environment__code",
                "identity__code",
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
        "identities": sorted(UserIdentity.objects.values_list("code", flat=True)),
        "environments": sorted(Environment.objects.values_list("code", "data_taken_at", "data_imported_at")),
    }


def refuse(*files):
    before = state()
    with pytest.raises(CommandError) as error:
        call_command("import_snapshot", *files, stdout=_sink())
    assert state() == before
    return str(error.value)


def set_path(data, path, value):
    *parents, last = path
    for key in parents:
        data = data[key]
    if value is _DELETE:
        del data[last]
    else:
        data[last] = value


_DELETE = object()

REFUSALS = [
    (("users", 3, "profit"), 1, "users[3].profit: " + snapshot_messages.EXPECTED_BOOLEAN),
    (("users", 0, "blocked"), "false", "users[0].blocked: " + snapshot_messages.EXPECTED_BOOLEAN),
    (("users", 1, "insite"), None, "users[1].insite: " + snapshot_messages.EXPECTED_BOOLEAN),
    (("employees", 2, "in_service"), "yes", "employees[2].in_service: " + snapshot_messages.EXPECTED_BOOLEAN),
    (("users", 0, "code"), 12345, "users[0].code: " + snapshot_messages.EXPECTED_STRING),
    (("users", 1, "name"), ["P."], "users[1].name: " + snapshot_messages.EXPECTED_STRING),
    (("clients", 0, "name"), 7, "clients[0].name: " + snapshot_messages.EXPECTED_STRING),
    (
        ("declarations", 1, "number"),
        123456789,
        "declarations[1].number: " + snapshot_messages.EXPECTED_STRING,
    ),
    (("users", 2, "code"), "", "users[2].code: " + snapshot_messages.EMPTY),
    (("users", 2, "code"), " 12345.uitzend", "users[2].code: " + snapshot_messages.SURROUNDING_SPACE),
    (("users", 0, "email"), "j.jansen at example.nl", "users[0].email: " + snapshot_messages.EXPECTED_EMAIL),
    (("users", 0, "kind"), "admin", "users[0].kind: " + snapshot_messages.EXPECTED_KIND),
    (("taken_at",), "2026-11-28T00:45:00", "taken_at: " + snapshot_messages.EXPECTED_DATETIME),
    (("taken_at",), "gisteren", "taken_at: " + snapshot_messages.EXPECTED_DATETIME),
    (
        ("users", 0, "last_login"),
        "2026-11-27 10:00",
        "users[0].last_login: " + snapshot_messages.EXPECTED_DATETIME,
    ),
    (("employees", 1, "guid"), "not-a-guid", "employees[1].guid: " + snapshot_messages.EXPECTED_GUID),
    (
        ("employees", 1, "guid"),
        GUID_DEBOER.replace("-", ""),
        "employees[1].guid: " + snapshot_messages.EXPECTED_GUID,
    ),
    (("users", 1, "employee"), "6f1c2d3e-zzzz", "users[1].employee: " + snapshot_messages.EXPECTED_GUID),
    (
        ("users", 1, "employee"),
        "6f1c2d3e-0000-4000-8000-000000000099",
        "users[1].employee: "
        + snapshot_messages.UNKNOWN_EMPLOYEE.format(value="6f1c2d3e-0000-4000-8000-000000000099"),
    ),
    (
        ("users", 3, "code"),
        "12345.JANSEN",
        "users[3].code: " + snapshot_messages.DUPLICATE.format(value="12345.JANSEN", other="users[0]"),
    ),
    (
        ("employees", 2, "guid"),
        GUID_JANSEN.upper(),
        "employees[2].guid: " + snapshot_messages.DUPLICATE.format(value=GUID_JANSEN, other="employees[0]"),
    ),
    (
        ("declarations", 1, "number"),
        "123456789l01",
        "declarations[1].number: "
        + snapshot_messages.DUPLICATE.format(value="123456789l01", other="declarations[0]"),
    ),
    (("format",), 2, "format: " + snapshot_messages.UNSUPPORTED_FORMAT.format(value=2)),
    (("format",), True, "format: " + snapshot_messages.UNSUPPORTED_FORMAT.format(value="true")),
    (("format",), "1", "format: " + snapshot_messages.UNSUPPORTED_FORMAT.format(value='"1"')),
    (("environment",), "X12345AA", "environment: " + snapshot_messages.EXPECTED_ENVIRONMENT_CODE),
    (("environment",), "o12345aa", "environment: " + snapshot_messages.EXPECTED_ENVIRONMENT_CODE),
    (("users",), {"code": "x"}, "users: " + snapshot_messages.EXPECTED_LIST),
    (("users", 4), "12345.jansen", "users[4]: " + snapshot_messages.EXPECTED_OBJECT),
    (("users", 3, "outsite"), _DELETE, "users[3].outsite: " + snapshot_messages.MISSING),
    (("clients",), _DELETE, "clients: " + snapshot_messages.MISSING),
    (("users", 2, "profit_users"), True, "users[2].profit_users: " + snapshot_messages.UNKNOWN_FIELD),
    (("environment",), "O99999AA", "environment: " + services.UNKNOWN_ENVIRONMENT.format(code="O99999AA")),
    (
        ("taken_at",),
        "2026-11-26T23:59:00+01:00",
        "taken_at: "
        + services.STALE.format(taken_at="2026-11-26T23:59:00+01:00", current="2026-11-27T00:45:00+01:00"),
    ),
    (
        ("taken_at",),
        "2099-01-01T00:00:00+00:00",
        "taken_at: " + snapshot_messages.IN_THE_FUTURE.format(value="2099-01-01T00:00:00+00:00"),
    ),
]


@pytest.mark.parametrize(("path", "value", "message"), REFUSALS, ids=[r[2][:60] for r in REFUSALS])
def test_it_refuses_bad_input_naming_file_field_and_position(imported, path, value, message):
    data = snapshot_data()
    set_path(data, path, value)
    write("O12345AA.json", data)

    error = refuse("O12345AA.json")

    assert f"O12345AA.json: {message}" in error.splitlines()


def test_it_names_the_example_of_the_design_exactly(imported):
    data = snapshot_data()
    data["users"][3]["profit"] = "true"
    write("O12345AA.json", data)

    assert refuse("O12345AA.json") == "O12345AA.json: users[3].profit: expected true or false"


def test_it_refuses_a_file_that_is_not_json(imported):
    with open("O12345AA.json", "w") as file:
        file.write('{"format": 1, "environment": "O12345AA",')

    error = refuse("O12345AA.json")

    assert error.startswith("O12345AA.json: not valid JSON: ")


def test_it_refuses_json_that_is_not_an_object(imported):
    write("O12345AA.json", [snapshot_data()])

    assert refuse("O12345AA.json") == "O12345AA.json: " + snapshot_messages.EXPECTED_OBJECT


def test_it_refuses_a_key_given_twice(imported):
    with open("O12345AA.json", "w") as file:
        file.write(json.dumps(snapshot_data())[:-1] + ', "format": 1}')

    assert refuse("O12345AA.json") == "O12345AA.json: " + snapshot_messages.DUPLICATE_KEY.format(key="format")


def test_it_refuses_a_file_that_cannot_be_read(imported):
    error = refuse("missing.json")

    assert error.startswith("missing.json: cannot read")


def test_it_refuses_an_environment_whose_digits_are_not_its_customers_number(imported):
    EnvironmentFactory(customer=CustomerFactory(number="67890"), type="O", code="O12345AC")
    write("O12345AC.json", snapshot_data("O12345AC"))

    error = refuse("O12345AC.json")

    assert error == "O12345AC.json: environment: " + services.WRONG_CUSTOMER.format(
        code="O12345AC", number="67890"
    )


def test_it_refuses_user_codes_twice_whatever_their_case(imported):
    data = snapshot_data()
    data["users"].append(person("12345.deBoer"))
    write("O12345AA.json", data)

    error = refuse("O12345AA.json")

    assert error == "O12345AA.json: users[5].code: " + snapshot_messages.DUPLICATE.format(
        value="12345.deBoer", other="users[1]"
    )


def test_it_refuses_client_codes_twice_whatever_their_case(imported):
    data = snapshot_data()
    data["clients"].append({"code": "c0001"})
    write("O12345AA.json", data)

    assert refuse("O12345AA.json") == "O12345AA.json: clients[1].code: " + snapshot_messages.DUPLICATE.format(
        value="c0001", other="clients[0]"
    )


def test_it_imports_no_file_when_a_later_file_is_bad(imported):
    write("O12345AA.json", snapshot_data(taken_at="2026-11-28T00:45:00+01:00"))
    bad = snapshot_data("T12345AA")
    bad["users"][2]["blocked"] = "nee"
    write("T12345AA.json", bad)

    error = refuse("O12345AA.json", "T12345AA.json")

    assert error == "T12345AA.json: users[2].blocked: expected true or false"
    assert not EnvironmentUser.objects.filter(environment__code="T12345AA").exists()


def test_it_imports_no_file_when_a_later_environment_is_stale(imported):
    first = snapshot_data("T12345AA")
    write("T12345AA.json", first)
    write("O12345AB.json", snapshot_data("O12345AB", taken_at="2026-11-20T00:00:00+01:00"))

    error = refuse("T12345AA.json", "O12345AB.json")

    assert error.startswith("O12345AB.json: taken_at: snapshot taken at 2026-11-20T00:00:00+01:00 is older")


def test_it_refuses_one_environment_twice_in_one_import(imported):
    write("a.json", snapshot_data())
    write("b.json", snapshot_data())

    error = refuse("a.json", "b.json")

    assert error == "b.json: environment: " + services.ENVIRONMENT_TWICE.format(
        code="O12345AA", other="a.json"
    )


def test_it_reports_every_problem_of_every_file(imported):
    first = snapshot_data()
    first["users"][0]["profit"] = "ja"
    first["employees"][0]["guid"] = "x"
    write("O12345AA.json", first)
    second = snapshot_data("T12345AA")
    second["format"] = 3
    write("T12345AA.json", second)

    lines = refuse("O12345AA.json", "T12345AA.json").splitlines()

    assert "O12345AA.json: users[0].profit: expected true or false" in lines
    assert "O12345AA.json: employees[0].guid: " + snapshot_messages.EXPECTED_GUID in lines
    assert "T12345AA.json: format: unsupported format 3, expected 1" in lines


def test_it_replaces_the_previous_data_of_the_environment(imported, capsys):
    data = snapshot_data(taken_at="2026-11-28T06:00:00+01:00")
    data["users"] = [person("12345.Nieuw", name="N. Nieuw", employee=GUID_DEBOER)]
    data["employees"] = [{"guid": GUID_DEBOER.upper(), "in_service": True}]
    data["declarations"] = [{"number": "987654321L01"}]
    data["clients"] = []
    write("O12345AA.json", data)
    untouched = sorted(EnvironmentUser.objects.filter(environment__code="O12345AB").values_list("code"))

    call_command("import_snapshot", "O12345AA.json")

    environment = Environment.objects.get(code="O12345AA")
    user = EnvironmentUser.objects.get(environment=environment)
    assert (user.code, user.identity.code, user.name, user.employee_guid) == (
        "12345.Nieuw",
        "12345.nieuw",
        "N. Nieuw",
        uuid.UUID(GUID_DEBOER),
    )
    assert list(Employee.objects.filter(environment=environment).values_list("guid", flat=True)) == [
        uuid.UUID(GUID_DEBOER)
    ]
    assert list(
        Declaration.objects.filter(environment=environment).values_list("number", "display_number")
    ) == [("987654321l01", "987654321L01")]
    assert not Client.objects.filter(environment=environment).exists()
    assert environment.data_taken_at == datetime(2026, 11, 28, 5, 0, tzinfo=UTC)
    assert environment.data_imported_at is not None
    assert (
        sorted(EnvironmentUser.objects.filter(environment__code="O12345AB").values_list("code")) == untouched
    )
    assert capsys.readouterr().out == (
        "O12345AA.json: imported O12345AA (taken at 2026-11-28T06:00:00+01:00): "
        "1 users, 1 employees, 1 declarations, 0 clients\n"
    )


def test_it_stores_normalised_identities_and_the_original_spelling(imported):
    jansen = EnvironmentUser.objects.filter(identity__code="12345.jansen").order_by("environment__code")

    assert list(jansen.values_list("environment__code", "code")) == [
        ("O12345AA", "12345.Jansen"),
        ("O12345AB", "12345.JANSEN"),
    ]
    assert UserIdentity.objects.filter(code__iexact="12345.jansen").count() == 1
    assert list(
        Client.objects.filter(environment__code="O12345AA").values_list("code", "display_code", "name")
    ) == [("c0001", "C0001", "Cliënt BV")]
    employee = Employee.objects.get(environment__code="O12345AA", guid=GUID_DEBOER)
    assert employee.kind == ""
    temp = EnvironmentUser.objects.get(code="12345.uitzend")
    assert (temp.kind, temp.name, temp.employee_guid) == ("temp", "", uuid.UUID(GUID_TEMP))


def test_it_accepts_a_snapshot_as_new_as_the_data_it_replaces(imported):
    write("O12345AA.json", snapshot_data(taken_at="2026-11-27T00:45:00+01:00"))

    call_command("import_snapshot", "O12345AA.json", stdout=_sink())

    assert EnvironmentUser.objects.filter(environment__code="O12345AA").count() == 5


def test_counts_after_an_import_follow_the_counting_rules(imported):
    customer = imported["O12345AA"].customer

    usage = count_usage([customer.id])[customer.id]

    # O12345AA: Jansen, De Boer, the temp (blocked user and co-working user do not count);
    # O12345AB: JANSEN (the same user) and Bart.
    assert usage[("profit_users", "O")] == 4
    assert usage[("insite_users", "O")] == 1
    assert ("outsite_users", "O") not in usage
    assert usage[("employees", "license")] == 2  # Jansen and De Boer, in both environments; the temp left
    assert usage[("declarations", "license")] == 2
    assert usage[("clients", "O")] == 1
    assert usage[("environments", "license")] == 3


def test_the_service_parses_a_decoded_snapshot_for_the_api(environments):
    parsed = parse_snapshot(snapshot_data(), source_name="PUT O12345AA")

    services.import_snapshots(snapshots=[parsed])

    assert EnvironmentUser.objects.filter(environment__code="O12345AA").count() == 5
    with pytest.raises(SnapshotError) as error:
        bad = copy.deepcopy(snapshot_data())
        bad["users"][0]["insite"] = "1"
        parse_snapshot(bad, source_name="PUT O12345AA")
    assert error.value.message == "PUT O12345AA: users[0].insite: expected true or false"


def test_it_reads_a_snapshot_from_standard_input(environments, monkeypatch, capsys):
    raw = json.dumps(snapshot_data("T12345AA")).encode()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(raw)))

    call_command("import_snapshot", "-")

    assert EnvironmentUser.objects.filter(environment__code="T12345AA").count() == 5
    assert capsys.readouterr().out.startswith("<stdin>: imported T12345AA")


def test_a_row_the_database_refuses_is_a_clear_refusal_and_changes_nothing(imported):
    # The parser refuses everything the constraints would; should one slip through, the database's
    # refusal (here: a client code twice, which the parser would have caught) is still a clear one.
    parsed = parse_snapshot(snapshot_data(), source_name="O12345AA.json")
    twice = dataclasses.replace(parsed, clients=parsed.clients * 2)
    before = state()

    with pytest.raises(SnapshotError, match=r"^O12345AA.json: could not be stored: .*one_client_per_code"):
        services.import_snapshots(snapshots=[twice])

    assert state() == before
