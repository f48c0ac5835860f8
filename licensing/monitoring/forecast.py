"""When does a line run out? A least-squares trend over its usage history."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

# Fewer days of history than this gives no forecast.
MIN_POINTS = 5
# A trend below this many extra in use per day is flat: no forecast.
FLAT_PER_DAY = 0.01
# A date further away than this is no forecast worth showing.
HORIZON = timedelta(days=5 * 365)


class ForecastReason(StrEnum):
    """Why a forecast has a date or has none."""

    TREND = "trend"  # the trend reaches the maximum on `runs_out_on`
    FLAT = "flat"  # not rising, or too slowly to reach the maximum within the horizon
    TOO_LITTLE_DATA = "too_little_data"
    ALREADY_OUT = "already_out"  # the maximum is reached already


@dataclass(frozen=True)
class Forecast:
    runs_out_on: date | None
    per_day: float | None
    intercept: float | None
    reason: ForecastReason

    @property
    def has_date(self) -> bool:
        return self.runs_out_on is not None

    @property
    def already_out(self) -> bool:
        return self.reason == ForecastReason.ALREADY_OUT

    def value_on(self, day: date) -> float | None:
        if self.per_day is None or self.intercept is None:
            return None
        return self.intercept + self.per_day * day.toordinal()


def least_squares(points: Sequence[tuple[float, float]]) -> tuple[float, float] | None:
    """(slope, intercept) of the least-squares line through the points; None if undetermined."""
    n = len(points)
    if n < 2:
        return None
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    if sxx == 0:
        return None
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / sxx
    return slope, mean_y - slope * mean_x


def forecast(history: Sequence[tuple[date, int]], *, maximum: int) -> Forecast:
    """The date in use reaches `maximum` at the current trend, from (date, in_use) pairs."""
    history = sorted(history)
    if len(history) < MIN_POINTS:
        return Forecast(None, None, None, ForecastReason.TOO_LITTLE_DATA)
    fit = least_squares([(day.toordinal(), in_use) for day, in_use in history])
    if fit is None:
        return Forecast(None, None, None, ForecastReason.TOO_LITTLE_DATA)
    slope, intercept = fit
    last_day, last_in_use = history[-1]
    if last_in_use >= maximum:
        return Forecast(None, slope, intercept, ForecastReason.ALREADY_OUT)
    if slope < FLAT_PER_DAY:
        return Forecast(None, slope, intercept, ForecastReason.FLAT)
    # Days from the last snapshot until the trend reaches the maximum, compared with the horizon before
    # it becomes a date: a slow trend towards a large maximum lies beyond the last date there is.
    days_ahead = max(math.ceil((maximum - intercept) / slope) - last_day.toordinal(), 1)
    if days_ahead > HORIZON.days:
        return Forecast(None, slope, intercept, ForecastReason.FLAT)
    try:
        day = last_day + timedelta(days=days_ahead)
    except OverflowError:  # a history dated at the end of the calendar
        return Forecast(None, slope, intercept, ForecastReason.FLAT)
    return Forecast(day, slope, intercept, ForecastReason.TREND)
