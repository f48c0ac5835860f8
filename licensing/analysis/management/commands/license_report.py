import json
import sys

from django.core.management.base import BaseCommand, CommandError

from licensing.analysis.workbook import build_workbook
from licensing.licentiedata import license_report
from portal.models import Customer


class Command(BaseCommand):
    help = "Prints the Licentiedata of customer N: per line maximum, portal number, in use and available."

    def add_arguments(self, parser):
        parser.add_argument("customer", help="five-digit customer number")
        parser.add_argument("--format", choices=["table", "json", "xlsx"], default="table")
        parser.add_argument("--output", help="write to this file instead of standard output")

    def handle(self, *args, customer, format, output, **options):
        try:
            customer_obj = Customer.objects.get(number=customer)
        except Customer.DoesNotExist:
            raise CommandError(f"Customer {customer} does not exist.") from None
        if format == "xlsx":
            if not output:
                raise CommandError("--format xlsx needs --output FILE.")
            build_workbook(customer=customer_obj, output=output)
            self.stderr.write(f"written to {output}")
            return
        report = license_report(customer_obj)
        if format == "json":
            text = json.dumps(report.as_json(), indent=2, ensure_ascii=False) + "\n"
        else:
            text = self._table(report)
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
            self.stderr.write(f"written to {output}")
        else:
            sys.stdout.flush()
            self.stdout.write(text, ending="")

    def _table(self, report) -> str:
        header = ("item", "scope", "maximum", "portal", "in use", "available", "deviation")
        rows = [
            (
                line.item,
                line.scope,
                str(line.maximum),
                str(line.portal),
                str(line.in_use),
                str(line.available),
                "yes" if line.has_deviation else "",
            )
            for line in report.lines
        ]
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
        counted = report.counted_at.isoformat() if report.counted_at else "never"
        out = [f"Licentiedata {report.customer.number} {report.customer.name} (counted at {counted})"]
        for row in [header, *rows]:
            out.append(
                "  ".join(
                    cell.rjust(w) if i >= 2 else cell.ljust(w)
                    for i, (cell, w) in enumerate(zip(row, widths, strict=True))
                )
            )
        for warning in report.warnings:
            out.append(f"! {warning['kind']}: {warning['message']}")
        return "\n".join(out) + "\n"
