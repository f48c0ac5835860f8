"""Warnings and signals in the portal: the access functions, the reads behind the pages and the
writes a Beheerder makes (acknowledge a warning, copy and adjust a signal)."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from environments.vocabulary import is_valid_pair
from portal.models import Contact, Customer, Membership

from .models import LicenseLine, Signal, Warning, WarningKind

ALREADY_ACKNOWLEDGED = _("Deze melding was al bevestigd.")
RECIPIENT_NOT_A_CONTACT = _("Ontvangers moeten contactpersonen van deze klant zijn.")
ITEM_DOES_NOT_FIT_SCOPE = _("Dit onderdeel wordt niet op dit bereik geteld.")
BUILTIN_IS_READ_ONLY = _("Het standaardsignaal kan niet worden gewijzigd; maak een kopie.")


class MonitoringError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


# --- reads ---


def warnings_of(customer: Customer, *, kind: str | None = None) -> QuerySet[Warning]:
    """Open warnings first (newest first), then the history."""
    warnings = Warning.objects.filter(customer=customer).select_related(
        "line", "environment", "signal", "acknowledged_by"
    )
    if kind in WarningKind.values:
        warnings = warnings.filter(kind=kind)
    return warnings.order_by(F("resolved_at").desc(nulls_first=True), "-opened_at", "-id")


def open_warnings_json(customer: Customer) -> list[dict]:
    """The open warnings as license_report's JSON: fields that do not apply are null."""
    return [
        {
            "kind": warning.kind,
            "item": warning.line.item if warning.line else None,
            "scope": warning.line.scope if warning.line else None,
            "environment": warning.environment.code if warning.environment else None,
            "opened_at": warning.opened_at.isoformat(),
            "message": warning.message,
        }
        for warning in Warning.objects.filter(customer=customer, resolved_at__isnull=True)
        .select_related("line", "environment")
        .order_by("opened_at", "id")
    ]


def warning_for(membership: Membership, warning_id: int | str, *, change: bool = False) -> Warning:
    """One warning of the membership's customer: 404 for another customer's, 403 for a change by a
    contact that is not Beheerder."""
    try:
        warning = Warning.objects.get(pk=int(warning_id), customer_id=membership.customer_id)
    except (Warning.DoesNotExist, TypeError, ValueError, OverflowError):
        raise Http404("No such warning") from None
    if change and not membership.is_beheerder:
        raise PermissionDenied
    return warning


def signals_of(customer: Customer) -> QuerySet[Signal]:
    """The built-in signal and the customer's own, each annotated by the view with its state."""
    from .nightly import builtin_signal

    builtin_signal()
    return Signal.objects.filter(customer__isnull=True, is_builtin=True) | Signal.objects.filter(
        customer=customer
    )


@dataclass(frozen=True)
class SignalRow:
    signal: Signal
    fired: list[Warning]

    @property
    def state(self) -> str:
        if not self.signal.is_active:
            return "inactive"
        return "fired" if self.fired else "armed"


def signal_rows(customer: Customer) -> list[SignalRow]:
    signals = list(signals_of(customer).prefetch_related("recipients").order_by("-is_builtin", "name", "id"))
    fired: dict[int, list[Warning]] = {signal.id: [] for signal in signals}
    for warning in Warning.objects.filter(
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
        signal = signals_of(membership.customer).get(pk=int(signal_id))
    except (Signal.DoesNotExist, TypeError, ValueError, OverflowError):
        raise Http404("No such signal") from None
    if (change or edit) and not membership.is_beheerder:
        raise PermissionDenied
    if edit and signal.is_builtin:
        raise PermissionDenied
    return signal


def line_warnings(line: LicenseLine, *, limit: int = 20) -> list[Warning]:
    """The newest warnings about one line (already reached through license_line_for)."""
    return list(Warning.objects.filter(line=line).select_related("signal").order_by("-opened_at")[:limit])


# --- writes ---


def warning_acknowledge(*, warning: Warning, by: Contact) -> Warning:
    with transaction.atomic():
        updated = Warning.objects.filter(pk=warning.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=timezone.now(), acknowledged_by=by
        )
        if not updated:
            raise MonitoringError(ALREADY_ACKNOWLEDGED)
    warning.refresh_from_db()
    return warning


def signal_copy(*, signal: Signal, customer: Customer) -> Signal:
    """A customer's own copy of a signal, which the Beheerder then adjusts."""
    with transaction.atomic():
        copy = Signal.objects.create(
            customer=customer,
            name=str(_("Kopie van %(name)s") % {"name": signal.name})[:200],
            item=signal.item,
            scope=signal.scope,
            threshold=signal.threshold,
            copied_from=signal,
        )
        if signal.customer_id == customer.id:
            copy.recipients.set(signal.recipients.all())
    return copy


def signal_update(
    *,
    signal: Signal,
    name: str,
    item: str,
    scope: str,
    threshold: int,
    recipients: list[Contact],
    is_active: bool = True,
) -> Signal:
    if signal.is_builtin or signal.customer_id is None:
        raise MonitoringError(BUILTIN_IS_READ_ONLY)
    if scope and not is_valid_pair(item, scope):
        raise MonitoringError(ITEM_DOES_NOT_FIT_SCOPE)
    allowed = set(
        Membership.objects.filter(customer_id=signal.customer_id, contact__in=recipients).values_list(
            "contact_id", flat=True
        )
    )
    if any(contact.id not in allowed for contact in recipients):
        raise MonitoringError(RECIPIENT_NOT_A_CONTACT)
    with transaction.atomic():
        changed_condition = (item, scope) != (signal.item, signal.scope)
        signal.name, signal.item, signal.scope = name, item, scope
        signal.threshold, signal.is_active = threshold, is_active
        signal.save(update_fields=["name", "item", "scope", "threshold", "is_active"])
        signal.recipients.set(recipients)
        if changed_condition or not is_active:
            # The signal watches other lines now: it re-arms and fires afresh at the next run.
            Warning.objects.filter(signal=signal, resolved_at__isnull=True).update(resolved_at=timezone.now())
    return signal
