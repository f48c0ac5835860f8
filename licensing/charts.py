"""The usage chart of a line as plain SVG coordinates, rendered server-side by a template."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from .forecast import Forecast, forecast
from .models import LicenseLine, UsageSnapshot

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 32
DAYS = 90


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
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom: int = HEIGHT - BOTTOM
    right: int = WIDTH - RIGHT
    top: int = TOP


def usage_chart(line: LicenseLine, *, days: int = DAYS, today: date | None = None) -> UsageChart:
    today = today or timezone.localdate()
    start = today - timedelta(days=days)
    history = list(
        UsageSnapshot.objects.filter(line=line, date__gte=start, date__lte=today)
        .order_by("date")
        .values_list("date", "in_use", "maximum")
    )
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
    )
