"""Reads of license data."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from environments.usage import Item, Scope
from portal.models import Customer

from .models import License, LicenseLine

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
        warnings=[],
    )
