"""The usage chart of a line as plain SVG coordinates, rendered server-side by a template."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from licensing.models import LicenseLine

from .forecast import Forecast, forecast
from .models import UsageSnapshot

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 32
DAYS = 90
# A line's numbers stand for this long after its last snapshot: the interval of the full recount.
CARRIED_DAYS = timedelta(days=7)


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class UsageChart:
    line: LicenseLine
    points: int
    in_use: str
    maximum: str
    trend: str
    forecast: Forecast
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    # (date, in use, maximum) per day: the chart's numbers as a table, for who cannot see the lines.
    history: tuple[tuple[date, int, int], ...] = ()
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom: int = HEIGHT - BOTTOM
    right: int = WIDTH - RIGHT
    top: int = TOP


History = list[tuple[date, int, int]]


def usage_histories(
    lines: Iterable[LicenseLine], *, days: int = DAYS, today: date | None = None
) -> dict[int, History]:
    """The last `days` of (date, in use, maximum) for many lines in one query: {line id: history}.

    The nightly job stores a snapshot only on the nights it counts a customer (its inputs changed, and
    at least weekly, the full recount): a day without one, up to a week after the last, had the numbers
    of the day before. A longer gap is a time the job did not run, and stays one."""
    today = today or timezone.localdate()
    histories: dict[int, History] = defaultdict(list)
    rows = (
        UsageSnapshot.objects.filter(
            line__in=[line.pk for line in lines], date__gte=today - timedelta(days=days), date__lte=today
        )
        .order_by("line_id", "date")
        .values_list("line_id", "date", "in_use", "maximum")
    )
    for line_id, day, in_use, maximum in rows:
        history = histories[line_id]
        if history:
            _carry_forward(history, until=day - timedelta(days=1))
        history.append((day, in_use, maximum))
    for history in histories.values():
        _carry_forward(history, until=today)
    return histories


def _carry_forward(history: History, *, until: date) -> None:
    last_day, in_use, maximum = history[-1]
    if until - last_day < CARRIED_DAYS:
        history += [
            (last_day + timedelta(days=n), in_use, maximum) for n in range(1, (until - last_day).days + 1)
        ]


def usage_chart(
    line: LicenseLine, *, days: int = DAYS, today: date | None = None, history: History | None = None
) -> UsageChart:
    """The chart of one line; pass `history` (from usage_histories) to save the query."""
    today = today or timezone.localdate()
    start = today - timedelta(days=days)
    if history is None:
        history = usage_histories([line], days=days, today=today).get(line.pk, [])
    outlook = forecast([(day, in_use) for day, in_use, _ in history], maximum=line.maximum)
    top_value = max([line.maximum, line.in_use, *(v for _, i, m in history for v in (i, m))], default=0)
    top_value = max(1, int(top_value * 1.1) + 1)

    def x(day: date) -> float:
        return round(LEFT + (WIDTH - LEFT - RIGHT) * (day - start).days / days, 1)

    def y(value: float) -> float:
        value = min(max(value, 0), top_value)
        return round(HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * value / top_value, 1)

    in_use = " ".join(f"{x(day)},{y(value)}" for day, value, _ in history)
    # The maximum as a step line: it changes only on the days a snapshot shows a new value.
    steps = []
    for n, (day, _, value) in enumerate(history):
        if n:
            steps.append(f"{x(day)},{y(history[n - 1][2])}")
        steps.append(f"{x(day)},{y(value)}")
    if history:
        steps.append(f"{x(today)},{y(history[-1][2])}")
    trend = ""
    if outlook.per_day is not None and history:
        first_day = history[0][0]
        trend = f"{x(first_day)},{y(outlook.value_on(first_day))} {x(today)},{y(outlook.value_on(today))}"
    y_ticks = [Tick(y(value), str(value)) for value in sorted({0, top_value // 2, top_value})]
    x_ticks = [
        Tick(x(day), day.strftime("%d-%m")) for day in (start, start + timedelta(days=days // 2), today)
    ]
    return UsageChart(
        line=line,
        points=len(history),
        in_use=in_use,
        maximum=" ".join(steps),
        trend=trend,
        forecast=outlook,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        history=tuple(history),
    )
