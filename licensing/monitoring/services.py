"""The writes a Beheerder makes on warnings and signals (acknowledge a warning, copy and adjust a
signal), and the built-in signal every customer has."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from environments.inputs import mark_inputs_changed
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


def copy_name(signal: Signal) -> str:
    """What a copy is called until the Beheerder names it, in the Beheerder's language."""
    return str(_("Kopie van %(name)s") % {"name": signal.display_name})[:200]


def signal_copy(
    *,
    signal: Signal,
    customer: Customer,
    name: str | None = None,
    item: str | None = None,
    scope: str | None = None,
    threshold: int | None = None,
    recipients: list[Contact] | None = None,
    is_active: bool = True,
) -> Signal:
    """A customer's own copy of a signal, as the Beheerder adjusted it in the copy form (what is not
    given is the original's). Nothing exists before this: the form itself creates nothing."""
    item = signal.item if item is None else item
    scope = signal.scope if scope is None else scope
    if scope and not is_valid_pair(item, scope):
        raise MonitoringError(ITEM_DOES_NOT_FIT_SCOPE)
    if recipients is None:
        recipients = list(signal.recipients.all()) if signal.customer_id == customer.id else []
    _check_recipients(customer_id=customer.id, recipients=recipients)
    with transaction.atomic():
        copy = Signal.objects.create(
            customer=customer,
            name=(name or copy_name(signal))[:200],
            item=item,
            scope=scope,
            threshold=signal.threshold if threshold is None else threshold,
            is_active=is_active,
            copied_from=signal,
        )
        copy.recipients.set(recipients)
        mark_inputs_changed(customer_ids=[customer.id])
    return copy


def signal_delete(*, signal: Signal) -> None:
    """Delete a customer's own signal (a copy); the built-in one stays. Its warnings go with it."""
    if signal.is_builtin or signal.customer_id is None:
        raise MonitoringError(BUILTIN_IS_READ_ONLY)
    _signal_delete(signal=signal)


def _check_recipients(*, customer_id: int, recipients: list[Contact]) -> None:
    allowed = set(
        Membership.objects.filter(customer_id=customer_id, contact__in=recipients).values_list(
            "contact_id", flat=True
        )
    )
    if any(contact.id not in allowed for contact in recipients):
        raise MonitoringError(RECIPIENT_NOT_A_CONTACT)


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
    _check_recipients(customer_id=signal.customer_id, recipients=recipients)
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
        mark_inputs_changed(customer_ids=[signal.customer_id])
    return signal


def signal_save(*, signal: Signal) -> Signal:
    """A signal saved in the back office: the customers it watches are evaluated in full next night
    (every customer for the built-in)."""
    with transaction.atomic():
        signal.save()
        _signal_changed(signal)
    return signal


def _signal_delete(*, signal: Signal) -> None:
    with transaction.atomic():
        signal.delete()
        _signal_changed(signal)


def _signal_changed(signal: Signal) -> None:
    if signal.customer_id is None:
        mark_inputs_changed(customer_ids=Customer.objects.values_list("id", flat=True))
    else:
        mark_inputs_changed(customer_ids=[signal.customer_id])
