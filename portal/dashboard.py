"""The dashboard: environments per type, the edition and the license lines that need attention.

Read in a fixed number of queries, whatever the number of environments and lines; the
customer comes from the view's access call.
"""

from dataclasses import dataclass

from django.db.models import F, Q

from environments.models import Environment, EnvironmentType
from licensing.models import License, LicenseLine
from licensing.selectors import lines_in_order

from .models import Customer

# A line is almost full when fewer than this many, or fewer than this share of the maximum, are left.
ALMOST_FULL_AVAILABLE = 5
ALMOST_FULL_PERCENT = 10


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
        return (
            not self.over_use
            and self.line.maximum > 0
            and _is_almost_full(self.line.available, self.line.maximum)
        )

    @property
    def deviation(self) -> bool:
        return self.line.has_deviation


def _is_almost_full(available: int, maximum: int) -> bool:
    return available < ALMOST_FULL_AVAILABLE or available * 100 < maximum * ALMOST_FULL_PERCENT


@dataclass(frozen=True)
class Dashboard:
    customer: Customer
    license: License | None
    tiles: list[EnvironmentTile]
    attention: list[AttentionLine]


def needs_attention() -> Q:
    """Over use, almost full (of a non-zero maximum) or a deviation, as a filter on annotated `spare`."""
    almost_full = Q(maximum__gt=0) & (
        Q(spare__lt=ALMOST_FULL_AVAILABLE) | Q(spare_percent__lt=F("maximum") * ALMOST_FULL_PERCENT)
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
    lines = (
        LicenseLine.objects.filter(license__customer=customer)
        .annotate(spare=F("maximum") - F("in_use"))
        .annotate(spare_percent=F("spare") * 100)
        .filter(needs_attention())
    )
    return Dashboard(
        customer=customer,
        license=License.objects.filter(customer=customer).first(),
        tiles=tiles,
        attention=[AttentionLine(line) for line in lines_in_order(lines)],
    )
