"""Every number a form accepts, and every number a count can reach, renders on every page that shows it."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from licensing.models import MAX_QUANTITY, LicenseLine, LicenseMutation, LicenseRequest
from licensing.monitoring.charts import HEIGHT, LEFT, RIGHT, TOP, WIDTH, usage_chart
from licensing.monitoring.forecast import HORIZON, ForecastReason, forecast
from licensing.monitoring.models import LicenseWarning, Signal, UsageSnapshot, WarningKind
from licensing.monitoring.texts import deviation_params
from tests.confirming import post_confirmed
from tests.factories import LicenseLineFactory

M = MAX_QUANTITY
# The largest value a PositiveIntegerField holds on PostgreSQL: where an in-use count ends.
COLUMN_MAX = 2**31 - 1


def _days(values, *, maximum):
    """One snapshot a day ending today, from a list of in-use values (maximum fixed or per day)."""
    today = timezone.localdate()
    maxima = maximum if isinstance(maximum, list) else [maximum] * len(values)
    start = today - timedelta(days=len(values) - 1)
    return [
        (start + timedelta(days=n), value, top)
        for n, (value, top) in enumerate(zip(values, maxima, strict=True))
    ]


# name: (maximum, portal, in_use, history of (date, in use, maximum))
CASES = {
    # The issue: a slow rise towards the form's own upper limit put the forecast in the year 41639.
    "maximum 1,000,000 and a slow rise": (M, M, 108, _days([100 + n // 10 for n in range(90)], maximum=M)),
    "maximum 1,000,000 without history": (M, M, 0, []),
    "everything 0 without history": (0, 0, 0, []),
    "everything 0 with history": (0, 0, 0, _days([0] * 90, maximum=0)),
    "maximum 0 and portal 1,000,000": (0, M, 0, _days([0] * 10, maximum=0)),
    "maximum 1,000,000 and portal 0": (M, 0, 5, _days([5] * 10, maximum=M)),
    "in use far above the maximum": (
        1,
        1,
        1_000_000_000,
        _days([10**9 // 90 * n for n in range(90)], maximum=1),
    ),
    "in use at the end of the column": (M, M, COLUMN_MAX, _days([COLUMN_MAX] * 30, maximum=M)),
    "a steep rise": (M, M, M - 1, _days([n * (M // 10) for n in range(10)], maximum=M)),
    "a steep fall": (M, M, 0, _days([M - n * (M // 10) for n in range(11)], maximum=M)),
    "a fall from the end of the column": (
        M,
        M,
        0,
        _days([COLUMN_MAX // (n + 1) for n in range(20)], maximum=M),
    ),
    "a single day of history": (M, M, 1, _days([1], maximum=M)),
    "exactly enough history for a forecast": (10, 10, 5, _days([1, 2, 3, 4, 5], maximum=10)),
    "a maximum that jumps between 0 and 1,000,000": (
        M,
        M,
        3,
        _days([3] * 20, maximum=[0 if n % 2 else M for n in range(20)]),
    ),
    "history older than the chart": (M, M, 1, [(timezone.localdate() - timedelta(days=400), 1, M)]),
}


def _line(customer, maximum, portal, in_use, history, *, item="profit_users", scope="O"):
    line = LicenseLineFactory(
        license=customer.license, item=item, scope=scope, maximum=maximum, portal=portal, in_use=in_use
    )
    UsageSnapshot.objects.bulk_create(
        UsageSnapshot(line=line, date=day, in_use=value, maximum=top) for day, value, top in history
    )
    return line


@pytest.fixture
def records(customer_a, beheerder):
    """The other numbers pages show, at their extremes: a deviation, mutations, requests, signals."""
    line = LicenseLineFactory(license=customer_a.license, item="environments", scope="license", maximum=M)
    now = timezone.now()
    LicenseWarning.objects.create(
        customer=customer_a,
        kind=WarningKind.DEVIATION,
        line=line,
        params=deviation_params(item="environments", scope="license", portal=M, maximum=0),
        maximum=0,
        portal=M,
        in_use=COLUMN_MAX,
        opened_at=now,
    )
    for old, new in ((0, M), (M, 0)):
        LicenseMutation.objects.create(
            line=line,
            customer=customer_a,
            contact=beheerder,
            by="beheerder@example.nl",
            old_maximum=old,
            old_portal=old,
            new_quantity=new,
            in_use=COLUMN_MAX,
        )
    for quantity in (0, M):
        LicenseRequest.objects.create(
            customer=customer_a,
            line=line,
            desired_quantity=quantity,
            motivation="Groei",
            requested_by=beheerder,
        )
    signals = [
        Signal.objects.create(
            customer=customer_a, name=f"Drempel {threshold}", item="profit_users", threshold=threshold
        )
        for threshold in (0, M)
    ]
    return {"line": line, "signals": signals}


def _pages(line, records):
    return [
        reverse("dashboard"),
        reverse("licensing:overview"),
        reverse("licensing:line_detail", args=[line.id]),
        reverse("licensing:line_change", args=[line.id]),
        reverse("licensing:line_detail", args=[records["line"].id]),
        reverse("licensing:warnings"),
        reverse("licensing:mutations"),
        reverse("licensing:requests"),
        reverse("licensing:signals"),
        *(reverse("licensing:signal_edit", args=[signal.id]) for signal in records["signals"]),
        reverse("licensing:analysis_download"),
    ]


def _points(page: str) -> list[tuple[float, float]]:
    return [
        (float(x), float(y))
        for points in re.findall(r'points="([^"]*)"', page)
        for x, y in (pair.split(",") for pair in points.split())
    ]


@pytest.mark.parametrize("case", CASES)
def test_every_page_shows_a_line_at_its_extremes(client, beheerder, customer_a, records, case):
    maximum, portal, in_use, history = CASES[case]
    line = _line(customer_a, maximum, portal, in_use, history)
    client.force_login(beheerder.user)

    for url in _pages(line, records):
        response = client.get(url)
        assert response.status_code == 200, url

    detail = client.get(reverse("licensing:line_detail", args=[line.id])).content.decode()
    for number in (maximum, portal, in_use, maximum - in_use):
        assert f"<dd>{number}</dd>" in detail or f'">{number}</dd>' in detail, number
    overview = _without_labels(client.get(reverse("licensing:overview")).content.decode())
    assert f'<td class="num">{maximum}</td>' in overview
    # The chart stays inside its box whatever the numbers (the sparklines of the overview too).
    for x, y in _points(detail) + _points(overview):
        assert LEFT <= x <= WIDTH - RIGHT
        assert TOP <= y <= HEIGHT


def _without_labels(html: str) -> str:
    """The page without the cells' data-label attributes (the phone layout's column names)."""
    return re.sub(r' data-label="[^"]*"', "", html)


def test_the_other_numbers_at_their_extremes_are_shown(client, beheerder, records):
    client.force_login(beheerder.user)

    warnings = client.get(reverse("licensing:warnings")).content.decode()
    mutations = _without_labels(client.get(reverse("licensing:mutations")).content.decode())
    requests = _without_labels(client.get(reverse("licensing:requests")).content.decode())
    signals = _without_labels(client.get(reverse("licensing:signals")).content.decode())

    assert f"<dd>{M}</dd>" in warnings and f"<dd>{COLUMN_MAX}</dd>" in warnings
    assert mutations.count(f'<td class="num">{M}</td>') >= 2
    assert f'<td class="num">{M}</td>' in requests and '<td class="num">0</td>' in requests
    assert f'<td class="num">{M}</td>' in signals and '<td class="num">0</td>' in signals


@pytest.mark.parametrize("quantity", [0, M])
def test_a_mutation_to_either_end_of_the_form_renders_everywhere(
    client, beheerder, customer_a, records, quantity
):
    line = _line(customer_a, 10, 10, 0, _days([100 + n // 10 for n in range(90)], maximum=10))
    client.force_login(beheerder.user)

    change = reverse("licensing:line_change", args=[line.id])
    # A raise asks for confirmation first; lowering goes through at once.
    if quantity > line.maximum:
        response = post_confirmed(client, change, {"quantity": str(quantity)})
    else:
        response = client.post(change, {"quantity": str(quantity)})

    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.maximum, line.portal) == (quantity, quantity)
    UsageSnapshot.objects.filter(line=line).update(maximum=quantity)
    for url in _pages(line, records):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("quantity", ["-1", str(M + 1), "1e6", "99999999999999999999"])
def test_a_mutation_beyond_the_form_is_refused(client, beheerder, customer_a, quantity):
    line = _line(customer_a, 10, 10, 0, [])
    client.force_login(beheerder.user)

    response = client.post(reverse("licensing:line_change", args=[line.id]), {"quantity": quantity})

    assert response.status_code == 200
    assert response.context["form"].errors["quantity"]
    line.refresh_from_db()
    assert (line.maximum, line.portal) == (10, 10)
    assert not LicenseMutation.objects.filter(line=line).exists()


@pytest.mark.parametrize(
    ("threshold", "accepted"), [("0", True), (str(M), True), ("-1", False), (str(M + 1), False)]
)
def test_a_signal_threshold_at_either_end_is_stored_and_shown(
    client, beheerder, records, threshold, accepted
):
    signal = records["signals"][0]
    client.force_login(beheerder.user)

    response = client.post(
        reverse("licensing:signal_edit", args=[signal.id]),
        {"name": "Grens", "item": "profit_users", "scope": "O", "threshold": threshold, "is_active": "on"},
    )

    signal.refresh_from_db()
    if accepted:
        assert response.status_code == 302
        assert signal.threshold == int(threshold)
    else:
        assert response.status_code == 200
        assert response.context["form"].errors["threshold"]
        assert signal.threshold == 0
    assert client.get(reverse("licensing:signals")).status_code == 200
    assert client.get(reverse("licensing:signal_edit", args=[signal.id])).status_code == 200


@pytest.mark.parametrize("quantity", ["0", str(M)])
def test_a_license_request_at_either_end_renders(client, beheerder, records, quantity):
    client.force_login(beheerder.user)

    response = client.post(
        reverse("licensing:request_new"),
        {"line": records["line"].id, "desired_quantity": quantity, "motivation": "Groei"},
    )

    assert response.status_code == 302
    assert LicenseRequest.objects.filter(desired_quantity=int(quantity)).count() == 2
    assert client.get(reverse("licensing:requests")).status_code == 200


def test_a_slow_trend_towards_a_large_maximum_gives_no_date_instead_of_an_error():
    history = [(date(2026, 1, 1) + timedelta(days=n), 100 + n // 10) for n in range(90)]

    outlook = forecast(history, maximum=M)

    assert outlook.reason == ForecastReason.FLAT
    assert outlook.runs_out_on is None
    assert outlook.per_day == pytest.approx(0.1, rel=0.05)


def test_the_slowest_trend_that_counts_towards_the_largest_maximum_gives_no_date():
    # 0.01 a day, the slowest trend that is not flat: 100,000,000 days to go, past the last date.
    history = [(date(2026, 1, 1) + timedelta(days=100 * n), n + 1) for n in range(5)]

    outlook = forecast(history, maximum=M)

    assert outlook.per_day == pytest.approx(0.01)
    assert outlook.runs_out_on is None


def test_a_date_just_inside_the_horizon_is_still_given():
    start = date(2026, 1, 1)
    history = [(start + timedelta(days=n), n) for n in range(10)]

    outlook = forecast(history, maximum=9 + HORIZON.days)

    assert outlook.reason == ForecastReason.TREND
    assert outlook.runs_out_on == start + timedelta(days=9) + HORIZON


def test_a_history_at_the_end_of_the_calendar_gives_no_date():
    history = [(date.max - timedelta(days=9 - n), n) for n in range(10)]

    outlook = forecast(history, maximum=20)

    assert outlook.runs_out_on is None


@pytest.mark.parametrize("case", CASES)
def test_the_chart_of_a_line_at_its_extremes_stays_in_its_box(customer_a, case):
    maximum, portal, in_use, history = CASES[case]
    line = _line(customer_a, maximum, portal, in_use, history)

    chart = usage_chart(LicenseLine.objects.get(pk=line.pk))

    points = [
        tuple(map(float, pair.split(",")))
        for series in (chart.in_use, chart.maximum, chart.trend)
        for pair in series.split()
    ]
    assert all(LEFT <= x <= WIDTH - RIGHT and TOP <= y <= HEIGHT - 32 for x, y in points)
    assert [int(tick.label) for tick in chart.y_ticks] == sorted(int(tick.label) for tick in chart.y_ticks)
    assert int(chart.y_ticks[-1].label) >= max(maximum, in_use)
