"""The back office at 1280 px: the license request list (the widest list) and its bulk-approval
step fit without sideways scrolling."""

import pytest
from django.contrib.auth import get_user_model

from licensing.models import LicenseLine, LicenseRequest
from portal.models import Contact

from .conftest import follow

pytestmark = pytest.mark.browser

STAFF = ("staf@example.nl", "staf-wachtwoord-42")


@pytest.fixture
def staff(demo_data):
    user = get_user_model().objects.create_superuser(username=STAFF[0], email=STAFF[0], password=STAFF[1])
    line = LicenseLine.objects.select_related("license__customer").get(
        license__customer__number="12345", item="profit_users", scope="O"
    )
    contact = Contact.objects.get(user__email="beheerder@example.nl")
    for quantity in (20, 24, 30):
        LicenseRequest.objects.create(
            customer=line.license.customer,
            line=line,
            desired_quantity=quantity,
            subject="Meer Profit-gebruikers voor de nieuwe vestiging in Zwolle",
            motivation="Per 1 januari komen er acht medewerkers bij op de administratie.",
            requested_by=contact,
        )
    return user


def test_the_license_request_list_fits_at_1280(page, live_server, staff):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/login/?next=/admin/licensing/licenserequest/")
    page.fill("input[name=login]", STAFF[0])
    page.fill("input[name=password]", STAFF[1])
    follow(page, page.locator("main button[type=submit]"))

    assert page.url.endswith("/admin/licensing/licenserequest/")
    assert page.locator("#result_list tbody tr").count() >= 3
    assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate("window.innerWidth")
    assert "Licentieportaal" in page.title()
