"""Licentiedata: a customer's lines with their three numbers and the open warnings (the report of
`license_report` and the JSON), and the overview the portal shows, each line with its usage chart.

Composed above the subdomains: it reads monitoring's warnings and charts.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from environments.vocabulary import Scope
from portal.models import Customer

from .models import License, LicenseLine, UsageLevel
from .monitoring.charts import UsageChart, cached_usage_charts
from .monitoring.selectors import open_warnings_json
from .pricing.selectors import schedules_in_effect
from .pricing.tiers import price_for
from .selectors import license_lines, lines_in_order


@dataclass(frozen=True)
class LicenseReport:
    customer: Customer
    license: License | None
    counted_at: datetime | None
    lines: list[LicenseLine]
    warnings: list[dict]

    def as_json(self) -> dict:
        return {
            "customer": self.customer.number,
            "counted_at": self.counted_at.isoformat() if self.counted_at else None,
            "lines": [
                {
                    "item": line.item,
                    "scope": line.scope,
                    "maximum": line.maximum,
                    "portal": line.portal,
                    "in_use": line.in_use,
                    "available": line.available,
                    "deviation": line.has_deviation,
                }
                for line in self.lines
            ],
            "warnings": self.warnings,
        }


def license_report(customer: Customer) -> LicenseReport:
    """The Licentiedata of one customer: every line with its three numbers, as of the last count."""
    license = License.objects.filter(customer=customer).first()
    lines = lines_in_order(license_lines(customer)) if license else []
    return LicenseReport(
        customer=customer,
        license=license,
        counted_at=license.counted_at if license else None,
        lines=lines,
        warnings=open_warnings_json(customer),
    )


@dataclass(frozen=True)
class OverviewRow:
    line: LicenseLine
    chart: UsageChart | None = None
    # The monthly price of the line's maximum under today's price list; None without one (not €0).
    price: Decimal | None = None

    @property
    def percent(self) -> int:
        """How full the line is, for the usage bar: 0–100."""
        if self.line.maximum <= 0:
            return 100 if self.line.in_use else 0
        return min(100, round(100 * self.line.in_use / self.line.maximum))

    @property
    def level(self) -> UsageLevel:
        """The colour of the row and its usage bar."""
        return self.line.level


@dataclass(frozen=True)
class OverviewGroup:
    scope: str
    title: str
    rows: list[OverviewRow]


def license_overview(
    customer: Customer, *, charts: bool = True
) -> tuple[LicenseReport, list[OverviewGroup], Decimal | None]:
    """The Licentiedata grouped the way the portal shows it: "Per licentie", then per environment
    type (Productie, Test, Acceptatie, Demo), each line with its usage chart (cached per line and
    count stamp; without `charts`, the rows have none: the page fetches them only for the rows it
    has not rendered, licensing.overview_rows) and its monthly price, and the license's monthly total
    of the priced lines (None when no line has a price). A fixed number of queries, whatever the size
    of the customer."""
    report = license_report(customer)
    charts = cached_usage_charts(report.lines, counted_at=report.counted_at) if charts else {}
    schedules = schedules_in_effect(edition=report.license.edition) if report.license else {}
    by_scope: dict[str, list[OverviewRow]] = {scope: [] for scope in Scope.values}
    prices = []
    for line in report.lines:
        schedule = schedules.get(line.item)
        price = price_for(line.maximum, schedule) if schedule else None
        if price is not None:
            prices.append(price)
        by_scope[line.scope].append(OverviewRow(line=line, chart=charts.get(line.pk), price=price))
    titles = {Scope.LICENSE.value: _("Per licentie")}
    groups = [
        OverviewGroup(scope=scope, title=titles.get(scope, label), rows=by_scope[scope])
        for scope, label in Scope.choices
        if by_scope[scope]
    ]
    return report, groups, (sum(prices, Decimal("0.00")) if prices else None)
