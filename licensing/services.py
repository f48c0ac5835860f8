"""Writes to licenses: self-service mutations, back-office entitlement changes and license requests."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from environments.inputs import mark_inputs_changed
from environments.vocabulary import is_valid_pair
from portal.errors import DomainError
from portal.i18n import supported_language
from portal.models import Contact, Customer, Membership, Role

from .models import (
    MAX_QUANTITY,
    SMALL_BUSINESS_CAP,
    SMALL_BUSINESS_MAX_ENVIRONMENTS,
    License,
    LicenseLine,
    LicenseMutation,
    LicenseRequest,
    MutationSource,
    RequestStatus,
)
from .pricing.selectors import change_prices
from .recount import fresh_in_use

BELOW_IN_USE = _("Het gewenste aantal komt onder het werkelijke aantal in gebruik.")
DEVIATION_NOT_ACKNOWLEDGED = _(
    "Deze regel heeft een afwijking. Bevestig dat u het aantal waar u feitelijk recht op heeft hebt bekeken."
)
QUANTITY_OUT_OF_RANGE = _("Geef een geheel aantal tussen 0 en %(max)s.")
# Shown under BELOW_IN_USE, e.g. "12 in gebruik, gevraagd 10".
SHORTFALL = _("%(in_use)s in gebruik, gevraagd %(requested)s")
NOT_BEHEERDER = _("Alleen een Beheerder van deze klant mag licentieaantallen wijzigen.")
REQUEST_NEEDS_SUBJECT = _("Kies een licentieregel of geef een onderwerp op.")
REQUEST_NEEDS_QUANTITY = _("Geef het gewenste aantal op.")
REQUEST_NEEDS_MOTIVATION = _("Geef een motivatie op.")
REQUEST_ALREADY_DECIDED = _("Over deze aanvraag is al besloten.")
REJECTION_NEEDS_REASON = _("Geef een reden voor de afwijzing op.")


class LicenseError(DomainError):
    """A refused license change."""


# The API answers a refusal that depends on the line's or the license's current state with 409 (the
# same number may be accepted at another time or on another edition), malformed input with 422.
class QuantityOutOfRange(LicenseError):
    pass


class AboveCap(LicenseError):
    status = 409


class DeviationNotAcknowledged(LicenseError):
    status = 409


class BelowInUse(LicenseError):
    status = 409

    @property
    def shortfall(self) -> str:
        return SHORTFALL % {"in_use": self.details["in_use"], "requested": self.details["requested"]}


def _check_range(quantity: int) -> None:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 0 <= quantity <= MAX_QUANTITY:
        raise QuantityOutOfRange(QUANTITY_OUT_OF_RANGE % {"max": MAX_QUANTITY})


def _check_quantity(*, license: License, item: str, quantity: int) -> None:
    _check_range(quantity)
    if license.exceeds_cap(item=item, quantity=quantity):
        raise AboveCap(SMALL_BUSINESS_CAP % {"cap": SMALL_BUSINESS_MAX_ENVIRONMENTS})


@dataclass(frozen=True)
class KeyActor:
    """An API key acting for its customer: the API checked the key and its scope `licenses:write`.

    Its mutations are recorded with source `api` and the key's name in `by` (no contact).
    """

    customer_id: int
    name: str


def line_change_quantity(
    *, line: LicenseLine, by: Contact | KeyActor, quantity: int, acknowledge_deviation: bool = False
) -> LicenseMutation:
    """A self-service change by a Beheerder (or an API key of the customer): maximum and portal
    number become `quantity`.

    The line is locked for the whole check-and-write, and in use is counted fresh inside the
    lock, so concurrent changes neither lose an update nor slip below what is in use.
    """
    with transaction.atomic():
        # Lock the line only: locking the joined license row too would serialise every change of
        # the customer and can deadlock against the recount, which writes lines, then the license.
        line = LicenseLine.objects.select_for_update(of=("self",)).select_related("license").get(pk=line.pk)
        customer_id = line.license.customer_id
        if isinstance(by, KeyActor):
            allowed = by.customer_id == customer_id
            contact, by_name, source = None, by.name, MutationSource.API
        else:
            allowed = Membership.objects.filter(
                contact=by, customer_id=customer_id, role=Role.BEHEERDER
            ).exists()
            contact, by_name, source = by, by.email, MutationSource.PORTAL
        if not allowed:
            raise PermissionDenied(NOT_BEHEERDER)
        _check_quantity(license=line.license, item=line.item, quantity=quantity)
        deviation = line.has_deviation
        if deviation:
            # A deviation the customer's own granted request caused asks no confirmation: the grant
            # is the number the customer asked for (the nightly run shows it in the portal).
            line.last_source = (
                LicenseMutation.objects.filter(line=line).values_list("source", flat=True).first()
            )
            deviation = not line.granted_pending
        if deviation and not acknowledge_deviation:
            raise DeviationNotAcknowledged(
                DEVIATION_NOT_ACKNOWLEDGED, maximum=line.maximum, portal=line.portal
            )
        in_use = fresh_in_use(line=line)
        if quantity < in_use:
            raise BelowInUse(BELOW_IN_USE, in_use=in_use, requested=quantity)
        mutation = LicenseMutation.objects.create(
            line=line,
            customer_id=customer_id,
            contact=contact,
            by=by_name,
            old_maximum=line.maximum,
            old_portal=line.portal,
            new_quantity=quantity,
            in_use=in_use,
            acknowledged_deviation=deviation,
            source=source,
            **_prices(line=line, quantity=quantity),
        )
        line.maximum = quantity
        line.portal = quantity
        line.in_use = in_use
        line.save(update_fields=["maximum", "portal", "in_use"])
        mark_inputs_changed(customer_ids=[customer_id])
    return mutation


def _prices(*, line: LicenseLine, quantity: int) -> dict:
    """The mutation's `old_price` and `new_price`: the monthly price of the old maximum and of
    `quantity` under today's price list of the line's edition and item; None without one."""
    change = change_prices(
        edition=line.license.edition, item=line.item, old_quantity=line.maximum, new_quantity=quantity
    )
    if change is None:
        return {"old_price": None, "new_price": None}
    return {"old_price": change.before, "new_price": change.after}


class _DryRun(Exception):
    """Rolls back a change made only to see what it would do."""


def line_try_quantity(
    *, line: LicenseLine, by: Contact | KeyActor, quantity: int, acknowledge_deviation: bool = False
) -> LicenseMutation:
    """A dry run of `line_change_quantity`: every rule is checked exactly as for the change (line lock,
    in use counted fresh), the refusal raised the same, and then everything is rolled back. Returns the
    mutation that would have been recorded, unsaved (no pk)."""
    try:
        with transaction.atomic():
            mutation = line_change_quantity(
                line=line, by=by, quantity=quantity, acknowledge_deviation=acknowledge_deviation
            )
            raise _DryRun
    except _DryRun:
        pass
    mutation.pk = mutation.id = None
    mutation._state.adding = True
    return mutation


def check_entitlement(*, license: License, item: str, quantity: int) -> None:
    """Raise LicenseError when `quantity` may not be the maximum of `item` on this license (range,
    the Small Business cap): for forms that show the refusal before anything is written."""
    _check_quantity(license=license, item=item, quantity=quantity)


def _set_maximum(
    *, line: LicenseLine, quantity: int, by: str, source: str, user: AbstractBaseUser | None = None
) -> LicenseMutation:
    """Change the entitlement of a line locked by the caller; the portal number is left to the nightly run."""
    mutation = LicenseMutation.objects.create(
        line=line,
        customer_id=line.license.customer_id,
        user=user,
        by=by,
        old_maximum=line.maximum,
        old_portal=line.portal,
        new_quantity=quantity,
        in_use=line.in_use,
        source=source,
        **_prices(line=line, quantity=quantity),
    )
    line.maximum = quantity
    line.save(update_fields=["maximum"])
    mark_inputs_changed(customer_ids=[line.license.customer_id])
    return mutation


def line_set_maximum(
    *,
    customer: Customer,
    item: str,
    scope: str,
    quantity: int,
    by: str | AbstractBaseUser,
) -> LicenseMutation:
    """A back-office change of the entitlement only; the portal number follows at the nightly run.

    `by` is a system name (a command, billing) or the vendor staff user, who is recorded on the
    mutation. Creates the line when the license has none for this item and scope yet.
    """
    if not is_valid_pair(item, scope):
        raise LicenseError(
            _("Onbekende combinatie van onderdeel %(item)s en bereik %(scope)s.")
            % {
                "item": item,
                "scope": scope,
            }
        )
    user = None if isinstance(by, str) else by
    with transaction.atomic():
        license, _created = License.objects.get_or_create(customer=customer)
        _check_quantity(license=license, item=item, quantity=quantity)
        line, _created = LicenseLine.objects.select_for_update().get_or_create(
            license=license, item=item, scope=scope
        )
        return _set_maximum(
            line=line,
            quantity=quantity,
            by=by if user is None else user.get_username(),
            source=MutationSource.BACKOFFICE,
            user=user,
        )


def request_submit(
    *,
    customer: Customer,
    by: Contact,
    line: LicenseLine | None = None,
    subject: str = "",
    desired_quantity: int | None = None,
    motivation: str,
) -> LicenseRequest:
    """A Beheerder's Licentieaanvraag, about one of the customer's lines or a free subject."""
    subject = subject.strip()
    motivation = motivation.strip()
    with transaction.atomic():
        if not Membership.objects.filter(contact=by, customer=customer, role=Role.BEHEERDER).exists():
            raise PermissionDenied(NOT_BEHEERDER)
        if line is not None and line.license.customer_id != customer.id:
            raise PermissionDenied(NOT_BEHEERDER)
        if line is None and not subject:
            raise LicenseError(REQUEST_NEEDS_SUBJECT)
        if line is not None and desired_quantity is None:
            raise LicenseError(REQUEST_NEEDS_QUANTITY)
        if desired_quantity is not None:
            # Above the Small Business cap is allowed here: asking the vendor is the way past it.
            _check_range(desired_quantity)
        if not motivation:
            raise LicenseError(REQUEST_NEEDS_MOTIVATION)
        return LicenseRequest.objects.create(
            customer=customer,
            line=line,
            subject=subject if line is None else "",
            desired_quantity=desired_quantity,
            motivation=motivation,
            requested_by=by,
            language=supported_language(translation.get_language()),
        )


def _lock_open_request(license_request: LicenseRequest) -> LicenseRequest:
    locked = LicenseRequest.objects.select_for_update().get(pk=license_request.pk)
    if not locked.is_open:
        raise LicenseError(REQUEST_ALREADY_DECIDED)
    return locked


def request_approve(*, license_request: LicenseRequest, by: AbstractBaseUser) -> LicenseRequest:
    """Vendor staff approve: a line's maximum becomes the desired number (logged as a mutation with
    source "request"; the portal number follows at the nightly run). A free-subject request only
    changes status. The requester is e-mailed once the decision is committed."""
    with transaction.atomic():
        license_request = _lock_open_request(license_request)
        if license_request.line_id is not None:
            line = (
                LicenseLine.objects.select_for_update(of=("self",))
                .select_related("license")
                .get(pk=license_request.line_id)
            )
            _check_quantity(license=line.license, item=line.item, quantity=license_request.desired_quantity)
            _set_maximum(
                line=line,
                quantity=license_request.desired_quantity,
                by=by.get_username(),
                source=MutationSource.REQUEST,
                user=by,
            )
        license_request.status = RequestStatus.APPROVED
        license_request.decided_at = timezone.now()
        license_request.decided_by = by
        license_request.save(update_fields=["status", "decided_at", "decided_by"])
        _notify_decision_on_commit(license_request)
    return license_request


def request_reject(*, license_request: LicenseRequest, by: AbstractBaseUser, reason: str) -> LicenseRequest:
    """Vendor staff reject with a reason the requester reads in the e-mail and in the portal."""
    reason = reason.strip()
    if not reason:
        raise LicenseError(REJECTION_NEEDS_REASON)
    with transaction.atomic():
        license_request = _lock_open_request(license_request)
        license_request.status = RequestStatus.REJECTED
        license_request.decided_at = timezone.now()
        license_request.decided_by = by
        license_request.rejection_reason = reason
        license_request.save(update_fields=["status", "decided_at", "decided_by", "rejection_reason"])
        _notify_decision_on_commit(license_request)
    return license_request


def _notify_decision_on_commit(license_request: LicenseRequest) -> None:
    from .tasks import send_request_decision

    request_id = license_request.pk
    transaction.on_commit(lambda: send_request_decision.delay(request_id))


def request_send_decision_email(*, request_id: int) -> bool:
    """E-mail the requester the decision on a license request; False when there is nobody to tell."""
    license_request = (
        LicenseRequest.objects.select_related("customer", "line", "requested_by__user")
        .filter(pk=request_id)
        .exclude(status=RequestStatus.SUBMITTED)
        .first()
    )
    if license_request is None or license_request.requested_by is None:
        return False
    recipient = license_request.requested_by.email
    if not recipient:
        return False
    context = {
        "request": license_request,
        "contact": license_request.requested_by,
        "portal_url": settings.SITE_URL.rstrip("/") + reverse("licensing:requests"),
    }
    # In the language the request was made in, whatever language the deciding staff member uses.
    with translation.override(license_request.language):
        subject = render_to_string("licensing/email/request_decision_subject.txt", context).strip()
        body = render_to_string("licensing/email/request_decision.txt", context)
    send_mail(subject, body, None, [recipient])
    return True
