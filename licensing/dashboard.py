"""The dashboard: environments per type, the edition and the license lines that need attention.

Read in a fixed number of queries, whatever the number of environments and lines; the
customer comes from the view's access call.
"""

from dataclasses import dataclass

from django.db.models import BigIntegerField, F, Q
from django.db.models.functions import Cast

from environments.models import Environment
from environments.vocabulary import EnvironmentType
from portal.models import Customer

from .models import License, LicenseLine
from .selectors import lines_in_order

# A line is almost full when at least ALMOST_FULL_IN_USE_PERCENT of its maximum is in use and fewer
# than ALMOST_FULL_AVAILABLE, or fewer than ALMOST_FULL_PERCENT of the maximum, are left. The share in
# use keeps small lines (0 of 2 in use) from being flagged just because their maximum is small.
ALMOST_FULL_AVAILABLE = 5
ALMOST_FULL_PERCENT = 10
ALMOST_FULL_IN_USE_PERCENT = 80


@dataclass(frozen=True)
class EnvironmentTile:
    type: str
    label: str
    environments: list[Environment]


@dataclass(frozen=True)
class AttentionLine:
    line: LicenseLine

    @property
    def over_use(self) -> bool:
        return self.line.in_use > self.line.maximum

    @property
    def almost_full(self) -> bool:
        return not self.over_use and _is_almost_full(self.line.in_use, self.line.maximum)

    @property
    def deviation(self) -> bool:
        return self.line.has_deviation


def _is_almost_full(in_use: int, maximum: int) -> bool:
    available = maximum - in_use
    return (
        in_use > 0
        and in_use * 100 >= maximum * ALMOST_FULL_IN_USE_PERCENT
        and (available < ALMOST_FULL_AVAILABLE or available * 100 < maximum * ALMOST_FULL_PERCENT)
    )


@dataclass(frozen=True)
class Dashboard:
    customer: Customer
    license: License | None
    tiles: list[EnvironmentTile]
    attention: list[AttentionLine]


def needs_attention() -> Q:
    """Over use, almost full or a deviation, as a filter on the annotated `spare` and `spare_percent`.

    Almost full is the database form of `_is_almost_full`; never when nothing is in use."""
    almost_full = (
        Q(in_use__gt=0)
        & Q(in_use_percent__gte=F("maximum") * ALMOST_FULL_IN_USE_PERCENT)
        & (Q(spare__lt=ALMOST_FULL_AVAILABLE) | Q(spare_percent__lt=F("maximum") * ALMOST_FULL_PERCENT))
    )
    return Q(in_use__gt=F("maximum")) | ~Q(portal=F("maximum")) | almost_full


def dashboard_for(customer: Customer) -> Dashboard:
    """The dashboard of one customer in a fixed number of queries, whatever its size."""
    environments = list(Environment.objects.filter(customer=customer).order_by("code"))
    tiles = [
        EnvironmentTile(
            type=type_.value, label=type_.label, environments=[e for e in environments if e.type == type_]
        )
        for type_ in EnvironmentType
    ]
    # In bigint: an in-use count near the top of its integer column times 100 overflows an integer.
    in_use = Cast("in_use", BigIntegerField())
    lines = (
        LicenseLine.objects.filter(license__customer=customer)
        .annotate(spare=Cast("maximum", BigIntegerField()) - in_use)
        .annotate(spare_percent=F("spare") * 100, in_use_percent=in_use * 100)
        .filter(needs_attention())
    )
    return Dashboard(
        customer=customer,
        license=License.objects.filter(customer=customer).first(),
        tiles=tiles,
        attention=[AttentionLine(line) for line in lines_in_order(lines)],
    )
