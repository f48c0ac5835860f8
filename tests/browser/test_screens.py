"""The Beheerder's other main screens after a nightly run, and a license request submitted through its form.

With SCREENSHOTS=1 these are the README's screenshots of warnings, signals, requests, contacts and
user maintenance.
"""

from io import StringIO

import pytest
from django.core.management import call_command

from licensing.models import LicenseLine, LicenseRequest, RequestStatus
from licensing.monitoring.models import WarningKind
from licensing.monitoring.services import BUILTIN_SIGNAL_NAME

from .conftest import BEHEERDER, follow, open_menu

pytestmark = pytest.mark.browser


@pytest.fixture
def nightly_run(demo_data):
    call_command("refresh_licenses", stdout=StringIO(), stderr=StringIO())


def test_a_beheerder_reviews_warnings_and_signals_and_requests_a_higher_count(
    page, live_server, nightly_run, log_in, screenshot
):
    line = LicenseLine.objects.get(license__customer__number="12345", item="profit_users", scope="O")
    log_in(page, BEHEERDER)

    open_menu(page, "Afwijkingen en signalen")
    warnings = page.locator(".warning-list").first
    assert "Signaal" in warnings.inner_text()
    assert page.locator(f".warning--{WarningKind.DEVIATION}").count() == 1
    screenshot(page, "warnings")

    open_menu(page, "Signalen")
    assert BUILTIN_SIGNAL_NAME in page.locator("table").inner_text()
    assert "Gemeld: onder de drempel op" in page.locator("table").inner_text()
    screenshot(page, "signals")

    open_menu(page, "Licentieaanvragen")
    follow(page, page.locator("main a[href$='/licentieaanvragen/nieuw/']"))
    page.select_option("#id_line", str(line.id))
    page.fill("#id_desired_quantity", "25")
    page.fill("#id_motivation", "Tien nieuwe medewerkers op de administratie vanaf januari.")
    follow(page, page.get_by_role("button", name="Indienen"))
    assert page.url == f"{live_server.url}/licentieaanvragen/"

    request = LicenseRequest.objects.get()
    assert (request.line_id, request.desired_quantity) == (line.id, 25)
    assert request.status == RequestStatus.SUBMITTED
    row = page.locator(f"#request-{request.id}")
    assert "25" in row.inner_text()
    assert request.get_status_display() in row.inner_text()
    screenshot(page, "requests")

    open_menu(page, "Contactpersonen")
    assert "medewerker@example.nl" in page.locator("table").inner_text()
    screenshot(page, "contacts")

    open_menu(page, "Onderhoud gebruikers")
    assert page.locator("main table tbody tr").count() > 0
    assert "12345." in page.locator("main table tbody").inner_text()
    screenshot(page, "maintenance")
