"""Afwijkingen en signalen: open first, then history; filter by kind; a Beheerder acknowledges."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from licensing.licentiedata import license_report
from licensing.models import LicenseLine
from licensing.monitoring import nightly
from licensing.monitoring.models import DeviationCause, LicenseWarning, WarningKind
from licensing.monitoring.selectors import open_warnings_json
from licensing.monitoring.texts import deviation_params, over_use_params, stale_data_params
from tests.factories import EnvironmentFactory, LicenseLineFactory

URL = reverse("licensing:warnings")


def ack_url(warning):
    return reverse("licensing:warning_acknowledge", args=[warning.id])


@pytest.fixture
def warnings(customer_a):
    line = LicenseLineFactory(license=customer_a.license, item="profit_users", scope="O", maximum=10)
    env = EnvironmentFactory(customer=customer_a, type="O", code="O12345AA")
    now = timezone.now()
    return {
        "deviation": LicenseWarning.objects.create(
            customer=customer_a,
            kind=WarningKind.DEVIATION,
            line=line,
            maximum=10,
            portal=8,
            in_use=7,
            cause=DeviationCause.BACKOFFICE,
            opened_at=now - timedelta(days=2),
            resolved_at=now - timedelta(days=2),
            params=deviation_params(item="profit_users", scope="O", portal=8, maximum=10),
        ),
        "stale": LicenseWarning.objects.create(
            customer=customer_a,
            kind=WarningKind.STALE_DATA,
            environment=env,
            opened_at=now - timedelta(hours=1),
            params=stale_data_params(code="O12345AA", taken_at=None, hours=36),
        ),
    }


def test_it_redirects_anonymous_visitors_to_login(client, warnings):
    assert client.get(URL).url.startswith("/login/")
    response = client.post(ack_url(warnings["stale"]))
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_it_lists_open_warnings_first_then_the_history(client, medewerker, warnings):
    client.force_login(medewerker.user)
    response = client.get(URL)

    assert response.status_code == 200
    assert response.context["open"] == [warnings["stale"]]
    assert response.context["history"] == [warnings["deviation"]]
    html = response.content.decode()
    assert html.index("Van omgeving O12345AA zijn nog nooit") < html.index("het portaal toonde 8")
    assert "Afwijkingen en signalen" in html


def test_a_deviation_explains_the_three_numbers_and_the_ways_out(client, beheerder, warnings):
    client.force_login(beheerder.user)
    html = client.get(URL).content.decode()

    assert "Maximum (waar u feitelijk recht op heeft)" in html
    assert "Portaalaantal (wat het portaal toonde)" in html
    assert "In gebruik (laatste telling)" in html
    assert "Wijziging door de leverancier sinds de vorige run" in html
    assert "verlaag eerst" in html and "wacht een nacht" in html
    assert reverse("licensing:request_new") in html


def test_it_filters_by_kind(client, beheerder, warnings):
    client.force_login(beheerder.user)
    response = client.get(URL, {"soort": "stale_data"})

    assert response.context["open"] == [warnings["stale"]]
    assert response.context["history"] == []


def test_the_list_takes_a_fixed_number_of_queries(client, beheerder, warnings, customer_a):
    client.force_login(beheerder.user)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    line = LicenseLine.objects.get(license=customer_a.license)
    for n in range(10):
        LicenseWarning.objects.create(
            customer=customer_a,
            kind=WarningKind.OVER_USE,
            line=line,
            opened_at=timezone.now(),
            resolved_at=timezone.now(),
            params=over_use_params(item=line.item, scope=line.scope, in_use=n, maximum=0),
        )
    with CaptureQueriesContext(connection) as many:
        client.get(URL)
    assert len(many) == len(few)


def test_a_beheerder_acknowledges_a_warning(client, beheerder, warnings):
    client.force_login(beheerder.user)
    response = client.post(ack_url(warnings["deviation"]))

    assert response.status_code == 302 and response.url == URL
    warnings["deviation"].refresh_from_db()
    assert warnings["deviation"].acknowledged_by == beheerder
    assert warnings["deviation"].acknowledged_at is not None
    html = client.get(URL).content.decode()
    assert "gezien door" in html


def test_a_medewerker_may_not_acknowledge(client, medewerker, warnings):
    client.force_login(medewerker.user)
    response = client.post(ack_url(warnings["stale"]))

    assert response.status_code == 403
    warnings["stale"].refresh_from_db()
    assert warnings["stale"].acknowledged_at is None
    assert "Gezien</button>" not in client.get(URL).content.decode()


def test_another_customers_warning_is_not_found(client, other_beheerder, warnings):
    client.force_login(other_beheerder.user)
    response = client.post(ack_url(warnings["stale"]))

    assert response.status_code == 404
    warnings["stale"].refresh_from_db()
    assert warnings["stale"].acknowledged_at is None
    assert client.get(URL).context["open"] == []


def test_acknowledging_needs_post(client, beheerder, warnings):
    client.force_login(beheerder.user)
    assert client.get(ack_url(warnings["stale"])).status_code == 405
    assert client.post(URL).status_code == 405


def test_license_report_lists_the_open_warnings_with_the_json_fields(customer_a, warnings):
    report = license_report(customer_a).as_json()

    assert report["warnings"] == [
        {
            "kind": "stale_data",
            "item": None,
            "scope": None,
            "environment": "O12345AA",
            "opened_at": warnings["stale"].opened_at.isoformat(),
            "message": warnings["stale"].text,
        }
    ]


def test_the_nightly_warnings_appear_in_license_report(customer_a):
    LicenseLineFactory(license=customer_a.license, item="profit_users", scope="O", maximum=0)
    EnvironmentFactory(customer=customer_a, type="O", data_taken_at=None)
    nightly.refresh_customers(customer_ids=[customer_a.id])

    found = sorted(
        (w["kind"], w["item"], w["scope"], w["environment"]) for w in open_warnings_json(customer_a)
    )

    # One environment and no line for it: over-use of environments against a maximum of 0.
    assert found == [
        ("over_use", "environments", "license", None),
        ("stale_data", None, None, customer_a.environments.get().code),
    ]
