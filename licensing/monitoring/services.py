"""The writes a Beheerder makes on warnings and signals (acknowledge a warning, copy and adjust a
signal), and the built-in signal every customer has."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from environments.vocabulary import Item, is_valid_pair
from portal.errors import DomainError
from portal.models import Contact, Customer, Membership

from .models import LicenseWarning, Signal
from .texts import BUILTIN_SIGNAL_NAME

# The built-in signal: no customer, applies to every customer; a Beheerder adjusts a copy.
__all__ = ["BUILTIN_SIGNAL_NAME"]
BUILTIN_SIGNAL_ITEM = Item.PROFIT_USERS
BUILTIN_SIGNAL_THRESHOLD = 5

ALREADY_ACKNOWLEDGED = _("Deze melding was al bevestigd.")
RECIPIENT_NOT_A_CONTACT = _("Ontvangers moeten contactpersonen van deze klant zijn.")
ITEM_DOES_NOT_FIT_SCOPE = _("Dit onderdeel wordt niet op dit bereik geteld.")
BUILTIN_IS_READ_ONLY = _("Het standaardsignaal kan niet worden gewijzigd; maak een kopie.")


class MonitoringError(DomainError):
    """A refused change of warnings or signals."""


def ensure_builtin_signal() -> Signal:
    """The built-in signal, created if it is missing (a migration creates it; a flushed database
    lost it)."""
    signal, _created = Signal.objects.get_or_create(
        is_builtin=True,
        defaults={
            "name": BUILTIN_SIGNAL_NAME,
            "item": BUILTIN_SIGNAL_ITEM,
            "scope": "",
            "threshold": BUILTIN_SIGNAL_THRESHOLD,
        },
    )
    return signal


def warning_acknowledge(*, warning: LicenseWarning, by: Contact) -> LicenseWarning:
    with transaction.atomic():
        updated = LicenseWarning.objects.filter(pk=warning.pk, acknowledged_at__isnull=True).update(
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
            name=str(_("Kopie van %(name)s") % {"name": signal.display_name})[:200],
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
            LicenseWarning.objects.filter(signal=signal, resolved_at__isnull=True).update(
                resolved_at=timezone.now()
            )
    return signal
