"""Reads of license data."""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from environments.vocabulary import Item, Scope
from portal.models import Contact, Customer

from .charts import UsageChart, usage_chart, usage_histories
from .models import License, LicenseLine, LicenseMutation, LicenseRequest
from .monitoring import open_warnings_json

ITEM_ORDER = {item: position for position, item in enumerate(Item.values)}
SCOPE_ORDER = {scope: position for position, scope in enumerate(Scope.values)}


def lines_in_order(lines) -> list[LicenseLine]:
    """License lines in the order the portal shows them: per-license items first, then by type."""
    return sorted(
        lines, key=lambda line: (SCOPE_ORDER[line.scope] > 0, ITEM_ORDER[line.item], SCOPE_ORDER[line.scope])
    )


def license_lines(customer: Customer) -> QuerySet[LicenseLine]:
    return LicenseLine.objects.filter(license__customer=customer)


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
    lines = lines_in_order(LicenseLine.objects.filter(license=license)) if license else []
    return LicenseReport(
        customer=customer,
        license=license,
        counted_at=license.counted_at if license else None,
        lines=lines,
        warnings=open_warnings_json(customer),
    )


def license_line_for(
    contact: Contact, customer: Customer, line_id: int | str, *, change: bool = False
) -> LicenseLine:
    """One line of the customer the contact acts for: 404 if not that customer's, 403 if `change`
    and the contact is not its Beheerder."""
    # Imported here: portal.selectors (the dashboard) imports this module.
    from portal.selectors import membership_for

    membership = membership_for(contact, customer.id)
    try:
        line = LicenseLine.objects.select_related("license").get(
            pk=int(line_id), license__customer_id=membership.customer_id
        )
    except (LicenseLine.DoesNotExist, TypeError, ValueError, OverflowError):
        raise Http404("No such license line") from None
    if change and not membership.is_beheerder:
        raise PermissionDenied
    return line


@dataclass(frozen=True)
class OverviewRow:
    line: LicenseLine
    chart: UsageChart | None = None

    @property
    def percent(self) -> int:
        """How full the line is, for the usage bar: 0–100."""
        if self.line.maximum <= 0:
            return 100 if self.line.in_use else 0
        return min(100, round(100 * self.line.in_use / self.line.maximum))

    @property
    def level(self) -> str:
        if self.line.in_use > self.line.maximum:
            return "over"
        return "full" if self.percent >= 90 else "ok"


@dataclass(frozen=True)
class OverviewGroup:
    scope: str
    title: str
    rows: list[OverviewRow]


def license_overview(customer: Customer) -> tuple[LicenseReport, list[OverviewGroup]]:
    """The Licentiedata grouped the way the portal shows it: "Per licentie", then per environment
    type (Productie, Test, Acceptatie, Demo), each line with its usage chart. A fixed number of
    queries, whatever the size of the customer."""
    report = license_report(customer)
    histories = usage_histories(report.lines)
    by_scope: dict[str, list[OverviewRow]] = {scope: [] for scope in Scope.values}
    for line in report.lines:
        chart = usage_chart(line, history=histories.get(line.pk, []))
        by_scope[line.scope].append(OverviewRow(line=line, chart=chart))
    titles = {Scope.LICENSE.value: _("Per licentie")}
    groups = [
        OverviewGroup(scope=scope, title=titles.get(scope, label), rows=by_scope[scope])
        for scope, label in Scope.choices
        if by_scope[scope]
    ]
    return report, groups


def mutation_history(customer: Customer) -> QuerySet[LicenseMutation]:
    """The audit log of a customer's license counts, newest first."""
    return (
        LicenseMutation.objects.filter(customer=customer)
        .select_related("line", "contact")
        .order_by("-created_at", "-id")
    )


def license_requests_of(customer: Customer) -> QuerySet[LicenseRequest]:
    return (
        LicenseRequest.objects.filter(customer=customer)
        .select_related("line", "requested_by")
        .order_by("-created_at", "-id")
    )
