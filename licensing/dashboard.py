"""The dashboard: environments per type, the edition and the license lines that need attention.

Read in a fixed number of queries, whatever the number of environments and lines; the
customer comes from the view's access call.
"""

from dataclasses import dataclass

from django.db.models import F, Q

from environments.models import Environment
from environments.vocabulary import EnvironmentType
from portal.models import Customer

from .models import License, LicenseLine, UsageLevel, usage_level_expression
from .selectors import license_lines, lines_in_order


@dataclass(frozen=True)
class EnvironmentTile:
    type: str
    label: str
    environments: list[Environment]


@dataclass(frozen=True)
class AttentionLine:
    line: LicenseLine

    @property
    def level(self) -> UsageLevel:
        return self.line.level

    @property
    def over_use(self) -> bool:
        return self.level == UsageLevel.OVER

    @property
    def full(self) -> bool:
        return self.level == UsageLevel.FULL

    @property
    def almost_full(self) -> bool:
        return self.level == UsageLevel.ALMOST_FULL

    @property
    def deviation(self) -> bool:
        return self.line.has_deviation and not self.line.granted_pending

    @property
    def granted(self) -> bool:
        return self.line.granted_pending


@dataclass(frozen=True)
class Dashboard:
    customer: Customer
    license: License | None
    tiles: list[EnvironmentTile]
    attention: list[AttentionLine]


def needs_attention() -> Q:
    """A usage level other than ok, or a deviation: a filter on lines aliased with `usage_level`."""
    return ~Q(usage_level=UsageLevel.OK) | ~Q(portal=F("maximum"))


def dashboard_for(customer: Customer) -> Dashboard:
    """The dashboard of one customer in a fixed number of queries, whatever its size."""
    environments = list(Environment.objects.filter(customer=customer).order_by("code"))
    tiles = [
        EnvironmentTile(
            type=type_.value, label=type_.label, environments=[e for e in environments if e.type == type_]
        )
        for type_ in EnvironmentType
    ]
    lines = license_lines(customer).alias(usage_level=usage_level_expression()).filter(needs_attention())
    return Dashboard(
        customer=customer,
        license=License.objects.filter(customer=customer).first(),
        tiles=tiles,
        attention=[AttentionLine(line) for line in lines_in_order(lines)],
    )
