"""Writes to contacts and their roles: invite a contact, change a role, remove a contact from a customer.

A customer always keeps at least one Beheerder. Every change that could take away a Beheerder
locks the customer's Beheerder memberships first, so two Beheerders demoting each other at the
same moment cannot both succeed.

Whether an account may log in at all (`is_active`, `is_staff`, `is_superuser`) is the vendor's
decision in the back office; nothing here ever changes it. A contact without customers stays
active but sees nothing, and the login says why (portal.forms.LoginForm).
"""

import math
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import ratelimit, security
from .accounts import UNUSABLE_ADDRESS, record_email_address, username_for
from .errors import DomainError
from .i18n import supported_language
from .models import Contact, Customer, Membership, Role, SecurityEventKind
from .tasks import send_invitation

LAST_BEHEERDER = _(
    "Een klant moet minstens één Beheerder houden. Maak eerst een andere contactpersoon Beheerder."
)
ALREADY_CONTACT = _("%(email)s is al contactpersoon van deze klant.")
CONTACT_GONE = _("Deze contactpersoon hoort niet (meer) bij deze klant.")
VENDOR_ACCOUNT = _(
    "%(email)s is een account van de leverancier en kan geen contactpersoon van een klant worden."
)
DEACTIVATED_ACCOUNT = _(
    "Het account van %(email)s is door de leverancier uitgeschakeld; een uitnodiging schakelt het niet "
    "weer in. Moet deze persoon weer toegang krijgen, neem dan contact op met de leverancier."
)
TOO_MANY_INVITATIONS = _(
    "Voor deze klant zijn de laatste tijd te veel uitnodigingen verstuurd. Probeer het over "
    "%(minutes)s min. opnieuw."
)
INVITATION_ACCEPTED = _(
    "%(name)s heeft de uitnodiging al aanvaard en logt in met een eigen wachtwoord; "
    "opnieuw uitnodigen is niet nodig."
)
# The prefix of the invitation limiter's counters in Redis (one counter per customer).
INVITATION_LIMIT_PREFIX = "licentieportaal:invitations:"


# Who makes a change: a Beheerder in the portal, or a vendor staff user in the back office.
Actor = Contact | AbstractBaseUser


class ContactError(DomainError):
    """A refused change of contacts."""


@dataclass(frozen=True)
class Invitation:
    membership: Membership
    # False: the address already had an account; it keeps its password and only gains a membership.
    new_account: bool


def invite_contact(
    *, customer: Customer, name: str, email: str, role: str, by: Contact, ip: str | None = None
) -> Invitation:
    """Make the person with this e-mail address a contact of the customer and e-mail an invitation.

    A new person gets a user without a password; the invitation carries a link to set one. An
    address that already has an account gets a membership only: its password, `is_active`,
    `is_staff` and `is_superuser` stay as they are, and the e-mail says to log in as before.
    Refused (ContactError): an address that cannot be a username, an account of the vendor's
    staff, an account the vendor switched off, someone who already is a contact of the customer.
    """
    try:
        username = username_for(email)
    except ValidationError:
        raise ContactError(UNUSABLE_ADDRESS) from None
    user_model = get_user_model()
    with transaction.atomic():
        vendor = user_model.objects.filter(
            Q(username=username) | Q(email__iexact=username), Q(is_staff=True) | Q(is_superuser=True)
        )
        if vendor.exists():
            raise ContactError(VENDOR_ACCOUNT % {"email": username})
        user, new_account = user_model.objects.get_or_create(
            username=username, defaults={"email": username, "password": make_password(None)}
        )
        if not user.is_active:
            raise ContactError(DEACTIVATED_ACCOUNT % {"email": username})
        if not user.email:
            # An account made in the back office with a username only: the invitation needs an address.
            user.email = username
            user.save(update_fields=["email"])
        record_email_address(user)
        contact, _created = Contact.objects.get_or_create(user=user, defaults={"name": name.strip()})
        membership = add_membership(contact=contact, customer=customer, role=role, by=by, ip=ip)
        # Counted once the invitation would go out (a refusal above costs nothing); over the limit the
        # transaction, membership and log entry included, rolls back.
        _count_invitation(customer)
        transaction.on_commit(lambda: send_invitation.delay(membership_id=membership.pk, invited_by_id=by.pk))
    return Invitation(membership=membership, new_account=new_account)


def resend_invitation(*, membership: Membership, by: Contact) -> None:
    """E-mail a pending invitation again, with a fresh set-password link; counted by the same
    per-customer limit as a new invitation. Refused (ContactError) once the invitation was accepted."""
    with transaction.atomic():
        if not membership.invitation_pending:
            raise ContactError(INVITATION_ACCEPTED % {"name": membership.contact.name})
        _count_invitation(membership.customer)
        transaction.on_commit(lambda: send_invitation.delay(membership_id=membership.pk, invited_by_id=by.pk))


def invitation_limiter() -> ratelimit.RateLimiter:
    """At most INVITATION_RATE_LIMIT invitations per customer per INVITATION_RATE_WINDOW seconds."""
    return ratelimit.shared_limiter(
        limit=settings.INVITATION_RATE_LIMIT,
        window=settings.INVITATION_RATE_WINDOW,
        prefix=INVITATION_LIMIT_PREFIX,
    )


def _count_invitation(customer: Customer) -> None:
    decision = invitation_limiter().hit(f"customer:{customer.pk}")
    if not decision.allowed:
        raise ContactError(TOO_MANY_INVITATIONS % {"minutes": math.ceil(decision.retry_after / 60)})


def add_membership(
    *, contact: Contact, customer: Customer, role: str, by: Actor, ip: str | None = None
) -> Membership:
    """Make an existing contact a contact of the customer too (the invitation and the back office).

    Refused: a contact that already is one of the customer, or whose account is a vendor account.
    """
    if role not in Role.values:
        raise ValueError(f"Unknown role {role!r}")
    user = contact.user
    if user.is_staff or user.is_superuser:
        raise ContactError(VENDOR_ACCOUNT % {"email": user.email or user.get_username()})
    try:
        with transaction.atomic():
            membership = Membership.objects.create(contact=contact, customer=customer, role=role)
            _record(membership, SecurityEventKind.CONTACT_ADDED, by=by, ip=ip, role=role)
    except IntegrityError:
        raise ContactError(ALREADY_CONTACT % {"email": user.email}) from None
    return membership


def change_role(*, membership: Membership, role: str, by: Actor, ip: str | None = None) -> Membership:
    """Give the contact another role for this customer; the last Beheerder keeps the role."""
    if role not in Role.values:
        raise ValueError(f"Unknown role {role!r}")
    with transaction.atomic():
        current = _lock_for_change(membership)
        if current.role == role:
            return current
        if current.is_beheerder and role != Role.BEHEERDER:
            _refuse_last_beheerder(current)
        _record(current, SecurityEventKind.ROLE_CHANGED, by=by, ip=ip, old=current.role, new=role)
        current.role = role
        current.save(update_fields=["role"])
    return current


def remove_contact(*, membership: Membership, by: Actor, ip: str | None = None) -> None:
    """Take the contact away from this customer; the last Beheerder stays.

    The account stays active: a contact without customers sees nothing and cannot log in (the
    login form says why), and a Beheerder can invite it again later. Deactivating it here would
    make "deactivated" ambiguous between "removed by a customer" and "switched off by the vendor",
    and an invitation must never undo the vendor's decision.
    """
    with transaction.atomic():
        current = _lock_for_change(membership)
        if current.is_beheerder:
            _refuse_last_beheerder(current)
        _record(current, SecurityEventKind.CONTACT_REMOVED, by=by, ip=ip, role=current.role)
        current.delete()


def delete_contact(*, contact: Contact, by: Actor, ip: str | None = None) -> None:
    """Delete a contact (back office): each of its memberships goes as `remove_contact` would, so a
    contact that is some customer's last Beheerder stays, and nothing is deleted."""
    with transaction.atomic():
        # One customer after the other in id order: the lock order of every change here.
        for membership in contact.memberships.order_by("customer_id", "pk"):
            remove_contact(membership=membership, by=by, ip=ip)
        contact.delete()


def delete_user(*, user: AbstractBaseUser, by: Actor, ip: str | None = None) -> None:
    """Delete an account (back office); one that is a contact goes as `delete_contact` would."""
    with transaction.atomic():
        contact = Contact.objects.filter(user=user).first()
        if contact is not None:
            delete_contact(contact=contact, by=by, ip=ip)
        user.delete()


def _lock_for_change(membership: Membership) -> Membership:
    # Beheerders first, always in id order, then the membership itself: one lock order, no deadlocks.
    list(
        Membership.objects.select_for_update()
        .filter(customer_id=membership.customer_id, role=Role.BEHEERDER)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    try:
        return (
            Membership.objects.select_for_update(of=("self",))
            .select_related("contact__user")
            .get(pk=membership.pk, customer_id=membership.customer_id)
        )
    except Membership.DoesNotExist:
        raise ContactError(CONTACT_GONE) from None


def _refuse_last_beheerder(membership: Membership) -> None:
    others = (
        Membership.objects.filter(customer_id=membership.customer_id, role=Role.BEHEERDER)
        .exclude(pk=membership.pk)
        .exists()
    )
    if not others:
        raise ContactError(LAST_BEHEERDER)


def contact_remember_language(*, user: AbstractBaseUser, language: str) -> None:
    """The language a contact chose in the menu, kept for the e-mails written outside any request."""
    if language:
        Contact.objects.filter(user_id=user.pk).update(language=supported_language(language))


def _record(membership: Membership, kind: SecurityEventKind, *, by: Actor, ip: str | None, **details) -> None:
    security.record(
        customers=[membership.customer_id],
        kind=kind,
        actor=by,
        ip=ip,
        subject=membership.contact.user.email,
        details=details,
    )


def set_mfa_required(*, customer: Customer, required: bool, by: Contact, ip: str | None = None) -> Customer:
    """Switch "tweestapsverificatie verplicht" on or off for every contact of the customer.

    The one writer of `Customer.mfa_required`: the Beheerder's form calls it (re-authentication and the
    security log belong here too). Contacts without two-step verification are sent to set it up at their
    next page (portal.middleware.RequireMfaMiddleware).
    """
    with transaction.atomic():
        current = Customer.objects.select_for_update().get(pk=customer.pk)
        if current.mfa_required != required:
            current.mfa_required = required
            current.save(update_fields=["mfa_required"])
            security.record(
                customers=[current],
                kind=SecurityEventKind.POLICY_CHANGED,
                actor=by,
                ip=ip,
                details={"policy": "mfa_required", "value": required},
            )
    return current
