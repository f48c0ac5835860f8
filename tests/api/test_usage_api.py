"""GET /api/v1/lines/{item}/{scope}/usage: a line's usage history and forecast, the chart's own numbers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from api.models import ApiScope
from api.problems import CONTENT_TYPE
from api.reads import IMPOSSIBLE_PAIR, NO_SUCH_LINE
from licensing.monitoring.charts import usage_chart
from licensing.monitoring.models import UsageSnapshot
from tests.api.credentials import REFUSED, bearer_of, credentials
from tests.factories import EnvironmentFactory, LicenseLineFactory

URL = "/api/v1/lines/profit_users/O/usage"


@pytest.fixture
def line(customer_a, customer_b):
    EnvironmentFactory(customer=customer_a, code="O12345AA")
    line = LicenseLineFactory(license=customer_a.license, item="profit_users", scope="O", maximum=30)
    line.in_use = 19
    line.save(update_fields=["in_use"])
    today = timezone.localdate()
    # Rising by one a day over the last ten days; one day outside a 90-day window.
    for n in range(10):
        UsageSnapshot.objects.create(line=line, date=today - timedelta(days=9 - n), in_use=10 + n, maximum=30)
    UsageSnapshot.objects.create(line=line, date=today - timedelta(days=120), in_use=1, maximum=25)
    # Customer B has the same line with another history: it never shows for A's key.
    other = LicenseLineFactory(license=customer_b.license, item="profit_users", scope="O", maximum=5)
    UsageSnapshot.objects.create(line=other, date=today, in_use=5, maximum=5)
    return line


def test_it_answers_the_history_and_the_forecast_of_the_chart(client, line, make_key):
    _api_key, secret = make_key(line.license.customer)
    response = client.get(URL, **bearer_of(secret))
    assert response.status_code == 200
    body = response.json()
    today = timezone.localdate()
    assert body["item"] == "profit_users" and body["scope"] == "O"
    assert (body["maximum"], body["in_use"], body["days"]) == (30, 19, 90)
    assert body["history"] == [
        {"date": (today - timedelta(days=9 - n)).isoformat(), "in_use": 10 + n, "maximum": 30}
        for n in range(10)
    ]
    chart = usage_chart(line, days=90)
    assert chart.points == 10
    # One a day from 19 today: 30 eleven days on.
    assert body["forecast"] == {
        "runs_out_on": (today + timedelta(days=11)).isoformat(),
        "reason": "trend",
        "per_day": pytest.approx(1.0),
    }
    assert body["forecast"]["runs_out_on"] == chart.forecast.runs_out_on.isoformat()


def test_days_widens_the_window(client, line, make_key):
    _api_key, secret = make_key(line.license.customer)
    body = client.get(URL, {"days": 365}, **bearer_of(secret)).json()
    assert len(body["history"]) == 11
    assert body["history"][0] == {
        "date": (timezone.localdate() - timedelta(days=120)).isoformat(),
        "in_use": 1,
        "maximum": 25,
    }
    body = client.get(URL, {"days": 1}, **bearer_of(secret)).json()
    assert [day["in_use"] for day in body["history"]] == [18, 19]


def test_too_little_history_gives_no_date_and_says_why(client, customer_a, make_key):
    LicenseLineFactory(license=customer_a.license, item="environments", scope="license", maximum=4)
    _api_key, secret = make_key(customer_a)
    body = client.get("/api/v1/lines/environments/license/usage", **bearer_of(secret)).json()
    assert body["history"] == []
    assert body["forecast"] == {"runs_out_on": None, "reason": "too_little_data", "per_day": None}


@pytest.mark.parametrize("days", ["0", "366", "-1", "abc", "1.5"])
def test_days_outside_1_to_365_is_a_422_naming_it(client, line, make_key, days):
    _api_key, secret = make_key(line.license.customer)
    response = client.get(URL, {"days": days}, **bearer_of(secret))
    assert response.status_code == 422
    assert response["Content-Type"] == CONTENT_TYPE
    assert [error["field"] for error in response.json()["errors"]] == ["days"]


@pytest.mark.parametrize(
    ("path", "field"),
    [("/api/v1/lines/nonsense/O/usage", "item"), ("/api/v1/lines/profit_users/X/usage", "scope")],
)
def test_an_unknown_item_or_scope_is_a_422(client, line, make_key, path, field):
    _api_key, secret = make_key(line.license.customer)
    response = client.get(path, **bearer_of(secret))
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_an_item_that_never_counts_in_the_scope_is_a_422(client, line, make_key):
    _api_key, secret = make_key(line.license.customer)
    response = client.get("/api/v1/lines/environments/O/usage", **bearer_of(secret))
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "scope", "message": str(IMPOSSIBLE_PAIR)}]


def test_a_line_the_customer_does_not_have_is_a_404(client, line, make_key):
    _api_key, secret = make_key(line.license.customer)
    response = client.get("/api/v1/lines/profit_users/T/usage", **bearer_of(secret))
    assert response.status_code == 404
    assert response["Content-Type"] == CONTENT_TYPE
    assert response.json()["detail"] == str(NO_SUCH_LINE)


def test_every_kind_of_credential_gets_its_status(client, line, customer_b, make_key, make_token):
    secrets = credentials(
        line.license.customer,
        customer_b,
        scope=ApiScope.LICENTIEDATA_READ,
        make_key=make_key,
        make_token=make_token,
    )
    answers = {name: client.get(URL, **bearer_of(secret)) for name, secret in secrets.items()}
    assert {name: response.status_code for name, response in answers.items() if name in REFUSED} == REFUSED
    assert answers["own"].status_code == 200
    # B's key reads B's line: B's history, never A's.
    other = answers["other_customer"].json()
    assert (other["maximum"], [day["in_use"] for day in other["history"]]) == (5, [5])
    assert all(
        response["Content-Type"] == CONTENT_TYPE for name, response in answers.items() if name in REFUSED
    )


def test_a_line_only_another_customer_has_is_a_404_for_the_key(client, line, customer_b, make_key):
    LicenseLineFactory(license=line.license, item="environments", scope="license", maximum=4)
    _api_key, secret = make_key(customer_b)
    response = client.get("/api/v1/lines/environments/license/usage", **bearer_of(secret))
    assert response.status_code == 404
    assert response.json()["detail"] == str(NO_SUCH_LINE)
    # A's own key reads it.
    _api_key, own = make_key(line.license.customer)
    assert client.get("/api/v1/lines/environments/license/usage", **bearer_of(own)).json()["maximum"] == 4
