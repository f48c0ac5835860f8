"""The numbers agree on every page: a live deviation is an open item of the warnings page and counted in
the menu until the nightly run; a granted request is shown as granted and asks no confirmation."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from api.models import ApiScope
from api.services import create_api_key
from licensing.models import LicenseLine, LicenseMutation
from licensing.monitoring.models import LicenseWarning, WarningKind
from licensing.monitoring.nightly import refresh_customers
from licensing.services import (
    DeviationNotAcknowledged,
    line_change_quantity,
    line_set_maximum,
    request_approve,
    request_submit,
)
from tests.api.conftest import BY, bearer
from tests.factories import LicenseLineFactory

WARNINGS = reverse("licensing:warnings")
GRANTED = "Toegekend, wordt vannacht verwerkt"


@pytest.fixture
def line(customer_a):
    return LicenseLineFactory(license=customer_a.license, item="profit_users", scope="O", maximum=10)


@pytest.fixture
def granted(line, beheerder):
    license_request = request_submit(
        customer=line.license.customer, by=beheerder, line=line, desired_quantity=16, motivation="Groei"
    )
    staff = get_user_model().objects.create_user("staff", "staff@example.nl", is_staff=True)
    request_approve(license_request=license_request, by=staff)
    line.refresh_from_db()
    assert (line.maximum, line.portal) == (16, 10)
    return line


def test_a_live_deviation_is_open_on_the_warnings_page_until_the_nightly_run(client, medewerker, line):
    line_set_maximum(
        customer=line.license.customer, item="profit_users", scope="O", quantity=12, by="billing"
    )
    client.force_login(medewerker.user)

    html = client.get(WARNINGS).content.decode()
    assert f'id="line-deviation-{line.id}"' in html
    assert "Het portaal toont 10, u heeft feitelijk recht op 12." in html
    assert "Er staat niets open." not in html
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert "Afwijking: portaal toont 10" in dashboard

    refresh_customers(customer_ids=[line.license.customer_id])

    html = client.get(WARNINGS).content.decode()
    assert f'id="line-deviation-{line.id}"' not in html and "Er staat niets open." in html
    assert LicenseWarning.objects.get(kind=WarningKind.DEVIATION, line=line).resolved_at is not None


def test_the_live_deviations_show_only_with_the_deviation_kind_or_every_kind(client, medewerker, line):
    LicenseLine.objects.filter(pk=line.pk).update(portal=8)
    client.force_login(medewerker.user)

    assert f"line-deviation-{line.id}" in client.get(WARNINGS, {"soort": "deviation"}).content.decode()
    assert f"line-deviation-{line.id}" not in client.get(WARNINGS, {"soort": "over_use"}).content.decode()


def test_the_menu_counts_the_open_items_in_the_same_query_as_the_header(client, medewerker, line, customer_a):
    client.force_login(medewerker.user)
    url = reverse("licensing:mutations")
    with CaptureQueriesContext(connection) as before:
        assert 'class="nav-count"' not in client.get(url).content.decode()

    LicenseLine.objects.filter(pk=line.pk).update(portal=8)  # a live deviation
    LicenseWarning.objects.create(
        customer=customer_a, kind=WarningKind.OVER_USE, line=line, opened_at=timezone.now()
    )
    LicenseWarning.objects.create(  # resolved: not counted
        customer=customer_a,
        kind=WarningKind.SIGNAL,
        line=line,
        opened_at=timezone.now(),
        resolved_at=timezone.now(),
    )
    with CaptureQueriesContext(connection) as after:
        html = client.get(url).content.decode()

    assert '<span class="nav-count">2<span class="visually-hidden"> open</span></span>' in html
    assert len(after) == len(before)


def test_a_granted_request_is_granted_not_a_deviation_on_every_page(client, beheerder, granted):
    client.force_login(beheerder.user)

    overview = client.get(reverse("licensing:overview")).content.decode()
    row = overview[overview.index(f'id="line-{granted.id}"') :]
    row = row[: row.index("</tr>")]
    assert GRANTED in row and ">Afwijking</span>" not in row and "has-deviation" not in row
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert GRANTED in dashboard and "Afwijking: portaal toont" not in dashboard
    warnings = client.get(WARNINGS).content.decode()
    assert f'id="line-deviation-{granted.id}"' in warnings and GRANTED in warnings
    form = client.get(reverse("licensing:line_change", args=[granted.id])).content.decode()
    assert 'id="granted"' in form and 'name="acknowledge_deviation"' not in form


def test_changing_a_line_after_its_own_granted_request_asks_no_confirmation(client, beheerder, granted):
    client.force_login(beheerder.user)

    response = client.post(reverse("licensing:line_change", args=[granted.id]), {"quantity": "18"})

    assert response.status_code == 302
    granted.refresh_from_db()
    assert (granted.maximum, granted.portal) == (18, 18)
    assert LicenseMutation.objects.filter(line=granted).first().acknowledged_deviation is False


def test_a_back_office_change_after_the_grant_asks_for_the_confirmation_again(beheerder, granted):
    line_set_maximum(
        customer=granted.license.customer, item="profit_users", scope="O", quantity=20, by="billing"
    )

    with pytest.raises(DeviationNotAcknowledged):
        line_change_quantity(line=granted, by=beheerder, quantity=22)
    line_change_quantity(line=granted, by=beheerder, quantity=22, acknowledge_deviation=True)


def test_the_api_follows_the_same_rule(client, granted):
    _key, secret = create_api_key(
        customer=granted.license.customer, name="ERP", scopes=[ApiScope.LICENSES_WRITE], expires=None, by=BY
    )

    response = client.post(
        "/api/v1/lines/profit_users/O/quantity",
        json.dumps({"quantity": 17}),
        content_type="application/json",
        **bearer(secret),
    )

    assert response.status_code == 200, response.content
    granted.refresh_from_db()
    assert (granted.maximum, granted.portal) == (17, 17)
