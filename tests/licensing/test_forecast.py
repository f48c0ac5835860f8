"""The forecast of when a line runs out (least squares) and the server-rendered usage chart."""

from datetime import date, timedelta

import pytest
import time_machine
from django.template.loader import render_to_string
from django.urls import reverse

from licensing.monitoring.charts import usage_chart
from licensing.monitoring.forecast import ForecastReason, forecast, least_squares
from licensing.monitoring.models import UsageSnapshot
from tests.factories import LicenseLineFactory

TODAY = date(2026, 11, 28)


def days(values):
    start = TODAY - timedelta(days=len(values) - 1)
    return [(start + timedelta(days=n), value) for n, value in enumerate(values)]


def test_least_squares_finds_the_exact_line():
    assert least_squares([(0, 1), (1, 3), (2, 5)]) == pytest.approx((2.0, 1.0))
    assert least_squares([(1, 1), (1, 2)]) is None


def test_a_steady_rise_gives_the_date_the_maximum_is_reached():
    outlook = forecast(days([10, 11, 12, 13, 14, 15]), maximum=20)

    assert outlook.reason == ForecastReason.TREND
    assert outlook.per_day == pytest.approx(1.0)
    assert outlook.runs_out_on == TODAY + timedelta(days=5)


def test_noise_around_a_trend_still_forecasts():
    outlook = forecast(days([10, 12, 11, 13, 12, 14, 13, 15]), maximum=30)

    assert outlook.reason == ForecastReason.TREND
    assert TODAY + timedelta(days=20) < outlook.runs_out_on < TODAY + timedelta(days=45)


@pytest.mark.parametrize(
    ("history", "reason"),
    [
        ([10, 10, 10, 10, 10, 10], ForecastReason.FLAT),
        ([15, 14, 13, 12, 11, 10], ForecastReason.FLAT),
        ([10, 11, 12, 13], ForecastReason.TOO_LITTLE_DATA),
        ([], ForecastReason.TOO_LITTLE_DATA),
        ([16, 17, 18, 19, 20], ForecastReason.ALREADY_OUT),
    ],
)
def test_no_forecast_date_when_flat_falling_too_short_or_already_out(history, reason):
    outlook = forecast(days(history), maximum=20)

    assert outlook.reason == reason
    assert outlook.runs_out_on is None


def test_a_trend_too_slow_to_matter_is_flat():
    outlook = forecast(days([10, 10, 10, 10, 10, 11]), maximum=1000)

    assert outlook.reason == ForecastReason.FLAT


@pytest.mark.django_db
def test_the_chart_draws_in_use_and_maximum_over_the_last_90_days(customer_a):
    line = LicenseLineFactory(license=customer_a.license, maximum=20, in_use=15)
    for day, value in days([10, 11, 12, 13, 14, 15]):
        UsageSnapshot.objects.create(line=line, date=day, in_use=value, maximum=20)
    UsageSnapshot.objects.create(line=line, date=TODAY - timedelta(days=120), in_use=1, maximum=20)

    with time_machine.travel(TODAY, tick=False):
        chart = usage_chart(line)
        html = render_to_string("licensing/_usage_chart.html", {"line": line})

    assert chart.points == 6
    assert chart.forecast.runs_out_on == TODAY + timedelta(days=5)
    assert len(chart.in_use.split()) == 6
    assert "<svg" in html and 'class="usage-chart__in-use"' in html and 'class="usage-chart__maximum"' in html
    assert "3 december 2026" in html


@pytest.mark.django_db
def test_the_chart_says_geen_prognose_without_history(customer_a):
    line = LicenseLineFactory(license=customer_a.license, maximum=20)

    html = render_to_string("licensing/_usage_chart.html", {"line": line})

    assert "geen prognose" in html
    assert "usage-chart__in-use" not in html


@pytest.mark.django_db
def test_the_line_page_shows_the_chart_to_its_customer_only(client, medewerker, other_beheerder, customer_a):
    line = LicenseLineFactory(license=customer_a.license, maximum=20)
    url = reverse("licensing:line_detail", args=[line.id])

    assert client.get(url).url.startswith("/login/")
    client.force_login(medewerker.user)
    response = client.get(url)
    assert response.status_code == 200
    assert "<svg" in response.content.decode()
    assert client.post(url).status_code == 405
    client.force_login(other_beheerder.user)
    assert client.get(url).status_code == 404
