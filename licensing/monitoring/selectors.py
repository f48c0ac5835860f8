"""Warnings and signals in the portal: the access functions and the reads behind the pages; and the two
reads of the job's state behind the readiness endpoint (portal.health)."""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import F, Func, IntegerField, Max, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from licensing.models import LicenseLine
from licensing.selectors import license_lines, lines_in_order
from portal.models import Customer, Membership
from portal.selectors import as_id

from .models import OUTBOX_MAX_ATTEMPTS, LicenseWarning, OutboxEmail, RefreshRun, RunKind, Signal, WarningKind


def warnings_of(customer: Customer, *, kind: str | None = None) -> QuerySet[LicenseWarning]:
    """Open warnings first (newest first), then the history."""
    warnings = LicenseWarning.objects.filter(customer=customer).select_related(
        "line", "environment", "signal", "acknowledged_by"
    )
    if kind in WarningKind.values:
        warnings = warnings.filter(kind=kind)
    return warnings.order_by(F("resolved_at").desc(nulls_first=True), "-opened_at", "-id")


def live_deviations(customer: Customer) -> list[LicenseLine]:
    """Lines whose portal number differs from the maximum right now: open items of the warnings page
    until the nightly run brings the portal in line (and records the deviation in the history).
    A deviation the customer's own granted request caused is one too, shown as granted."""
    return lines_in_order(license_lines(customer).exclude(portal=F("maximum")))


def open_items_count(customer: str = "customer_id") -> Coalesce:
    """What the menu counts for the customer of each row (a membership): its open warnings and its
    live deviations, the open items of the warnings page. Subqueries of the row's own query, so the
    page header that reads the memberships costs no extra query."""

    def count(queryset) -> Coalesce:
        # COUNT as a plain function, not an aggregate: no GROUP BY, one row per subquery.
        counted = queryset.order_by().annotate(n=Func(F("id"), function="COUNT")).values("n")[:1]
        return Coalesce(Subquery(counted, output_field=IntegerField()), 0)

    warnings = LicenseWarning.objects.filter(customer=OuterRef(customer), resolved_at__isnull=True)
    lines = LicenseLine.objects.filter(license__customer=OuterRef(customer)).exclude(portal=F("maximum"))
    return count(warnings) + count(lines)


def open_warnings_json(customer: Customer) -> list[dict]:
    """The open warnings as license_report's JSON: fields that do not apply are null."""
    return [
        {
            "kind": warning.kind,
            "item": warning.line.item if warning.line else None,
            "scope": warning.line.scope if warning.line else None,
            "environment": warning.environment.code if warning.environment else None,
            "opened_at": warning.opened_at.isoformat(),
            "message": warning.text,
        }
        for warning in LicenseWarning.objects.filter(customer=customer, resolved_at__isnull=True)
        .select_related("line", "environment")
        .order_by("opened_at", "id")
    ]


def warning_for(membership: Membership, warning_id: int | str, *, change: bool = False) -> LicenseWarning:
    """One warning of the membership's customer: 404 for another customer's, 403 for a change by a
    contact that is not Beheerder."""
    try:
        warning = LicenseWarning.objects.get(pk=as_id(warning_id), customer_id=membership.customer_id)
    except LicenseWarning.DoesNotExist:
        raise Http404("No such warning") from None
    if change and not membership.is_beheerder:
        raise PermissionDenied
    return warning


def signals_of(customer: Customer) -> QuerySet[Signal]:
    """The built-in signal and the customer's own, each annotated by the view with its state.

    A read only: the built-in signal is created by a migration (and `ensure_builtin_signal`)."""
    return Signal.objects.filter(customer__isnull=True, is_builtin=True) | Signal.objects.filter(
        customer=customer
    )


@dataclass(frozen=True)
class SignalRow:
    signal: Signal
    fired: list[LicenseWarning]

    @property
    def state(self) -> str:
        if not self.signal.is_active:
            return "inactive"
        return "fired" if self.fired else "armed"


def signal_rows(customer: Customer) -> list[SignalRow]:
    signals = list(signals_of(customer).prefetch_related("recipients").order_by("-is_builtin", "name", "id"))
    fired: dict[int, list[LicenseWarning]] = {signal.id: [] for signal in signals}
    for warning in LicenseWarning.objects.filter(
        customer=customer, kind=WarningKind.SIGNAL, resolved_at__isnull=True
    ).select_related("line"):
        fired.setdefault(warning.signal_id, []).append(warning)
    return [SignalRow(signal=signal, fired=fired[signal.id]) for signal in signals]


def signal_for(
    membership: Membership, signal_id: int | str, *, change: bool = False, edit: bool = False
) -> Signal:
    """A signal the customer sees (the built-in or its own): 404 otherwise; 403 to copy (`change`) or
    edit it unless Beheerder; the built-in itself can only be copied, never edited (403)."""
    try:
        signal = signals_of(membership.customer).get(pk=as_id(signal_id))
    except Signal.DoesNotExist:
        raise Http404("No such signal") from None
    if (change or edit) and not membership.is_beheerder:
        raise PermissionDenied
    if edit and signal.is_builtin:
        raise PermissionDenied
    return signal


def line_warnings(line: LicenseLine, *, limit: int = 20) -> list[LicenseWarning]:
    """The newest warnings about one line (already reached through license_line_for)."""
    return list(
        LicenseWarning.objects.filter(line=line).select_related("signal").order_by("-opened_at")[:limit]
    )


def last_scheduled_run_finished_at() -> datetime | None:
    """When the newest run that beat started (not a manual refresh_licenses) finished; None before any."""
    runs = RefreshRun.objects.filter(kind=RunKind.SCHEDULED, finished_at__isnull=False)
    return runs.aggregate(last=Max("finished_at"))["last"]


def outbox_waiting_since(moment: datetime) -> int:
    """How many e-mails written before `moment` are still unsent and still being tried (those given up
    after OUTBOX_MAX_ATTEMPTS stay in the back office's outbox, a matter for a person, not a retry)."""
    return OutboxEmail.objects.filter(
        sent_at__isnull=True, attempts__lt=OUTBOX_MAX_ATTEMPTS, created_at__lt=moment
    ).count()
