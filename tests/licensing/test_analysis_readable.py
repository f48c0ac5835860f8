"""The workbook reads on its own: an explanation sheet, names before GUIDs, negative "available" marked,
dates in the reader's format, and no column that holds nothing."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from openpyxl import load_workbook

from licensing.analysis.workbook import build_workbook
from tests.factories import EmployeeFactory, EnvironmentFactory, EnvironmentUserFactory, LicenseLineFactory

pytestmark = pytest.mark.django_db


def workbook_of(customer, language="nl"):
    output = io.BytesIO()
    with translation.override(language):
        build_workbook(customer=customer, output=output)
    output.seek(0)
    return load_workbook(output)


def header(sheet, row=1):
    return [cell.value for cell in sheet[row]]


@pytest.mark.parametrize(("language", "title", "sheets"), [("nl", "Uitleg", 4), ("en", "Explanation", 4)])
def test_the_first_sheet_explains_every_other_sheet_in_the_readers_language(
    customer_a, language, title, sheets
):
    workbook = workbook_of(customer_a, language)

    explanation = workbook.worksheets[0]
    assert explanation.title == title
    named = [row[0] for row in explanation.iter_rows(min_row=2, values_only=True)]
    assert named == workbook.sheetnames[1:] and len(named) == sheets
    assert all(row[1] for row in explanation.iter_rows(min_row=2, values_only=True))


def test_a_negative_available_stands_out_and_says_so_in_words(customer_a):
    LicenseLineFactory(license=customer_a.license, item="profit_users", scope="O", maximum=4, in_use=6)
    LicenseLineFactory(license=customer_a.license, item="profit_users", scope="T", maximum=10, in_use=1)

    sheet = workbook_of(customer_a)["Licentiedata"]
    columns = header(sheet, 4)
    available, level = columns.index("Beschikbaar") + 1, columns.index("Niveau") + 1

    over, fine = sheet.cell(5, available), sheet.cell(6, available)
    assert (over.value, fine.value) == (-2, 9)
    assert over.font.b and over.font.color.rgb.endswith("B42318")
    assert not fine.font.b
    assert sheet.cell(5, level).value == "Overschreden"


@pytest.mark.parametrize(("language", "pattern"), [("nl", "d-m-yyyy hh:mm"), ("en", "d mmm yyyy hh:mm")])
def test_dates_are_written_as_the_reader_writes_them(customer_a, language, pattern):
    taken = timezone.now() - timedelta(days=1)
    EnvironmentFactory(customer=customer_a, type="O", code="O12345AA", data_taken_at=taken)

    sheet = workbook_of(customer_a, language).worksheets[-1]
    columns = header(sheet)
    cell = sheet.cell(2, columns.index("Gegevens van" if language == "nl" else "Data from") + 1)

    assert cell.value == timezone.localtime(taken).replace(tzinfo=None, microsecond=0)
    assert cell.number_format == pattern


def test_columns_that_hold_nothing_are_left_out(customer_a):
    EnvironmentFactory(customer=customer_a, type="O", code="O12345AA", name="")
    LicenseLineFactory(license=customer_a.license, item="profit_users", scope="O", maximum=4, portal=4)

    workbook = workbook_of(customer_a)

    assert "Afwijking" not in header(workbook["Licentiedata"], 4)
    environments = header(workbook["Omgevingen"])
    assert "Omschrijving" not in environments and "Uit gebruik sinds" not in environments
    assert "Omgevingscode" in environments and "Aangiften" in environments


def test_a_column_with_a_value_in_any_row_stays(customer_a):
    EnvironmentFactory(customer=customer_a, type="O", code="O12345AA", name="")
    EnvironmentFactory(customer=customer_a, type="O", code="O12345AB", name="Productie 2")
    LicenseLineFactory(license=customer_a.license, item="profit_users", scope="O", maximum=4, portal=3)

    workbook = workbook_of(customer_a)

    assert "Afwijking" in header(workbook["Licentiedata"], 4)
    assert "Omschrijving" in header(workbook["Omgevingen"])


def test_employees_are_named_first_and_keep_their_guid(customer_a):
    environment = EnvironmentFactory(customer=customer_a, type="O", code="O12345AA")
    employee = EmployeeFactory(environment=environment, name="J. Jansen", in_service=True)

    sheet = workbook_of(customer_a)["Medewerkers"]

    assert header(sheet) == ["Naam", "In dienst", "Omgevingen", "GUID"]
    assert [cell.value for cell in sheet[2]] == ["J. Jansen", "ja", "O12345AA", str(employee.guid)]


def test_the_streamed_users_sheet_leaves_out_what_nobody_has(customer_a):
    production = EnvironmentFactory(customer=customer_a, type="O", code="O12345AA")
    EnvironmentFactory(customer=customer_a, type="T", code="T12345AA")  # no users: no column
    EnvironmentUserFactory(environment=production, code="susan", name="", email="")
    EnvironmentUserFactory(environment=production, code="john", name="", email="")

    sheet = workbook_of(customer_a)["Gebruikers"]

    assert header(sheet) == ["Gebruikerscode", "O12345AA", "Telt op Productie"]
    assert [cell.value for cell in sheet[2]] == ["john", "P", "Profit"]


def test_a_users_column_with_a_value_in_any_row_stays(customer_a):
    production = EnvironmentFactory(customer=customer_a, type="O", code="O12345AA")
    test = EnvironmentFactory(customer=customer_a, type="T", code="T12345AA")
    EnvironmentUserFactory(environment=production, code="susan", name="", email="susan@example.nl")
    EnvironmentUserFactory(environment=test, code="john", name="J. Jansen", email="")

    sheet = workbook_of(customer_a, "en")["Users"]

    assert header(sheet) == [
        "User code",
        "Name",
        "E-mail address",
        "O12345AA",
        "T12345AA",
        "Counts on Production",
        "Counts on Test",
    ]
    assert [cell.value for cell in sheet[2]] == ["john", "J. Jansen", None, None, "P", None, "Profit"]


def test_employees_without_any_name_get_no_name_column(customer_a):
    environment = EnvironmentFactory(customer=customer_a, type="O", code="O12345AA")
    EmployeeFactory(environment=environment, name="", in_service=True)

    assert header(workbook_of(customer_a)["Medewerkers"]) == ["In dienst", "Omgevingen", "GUID"]
