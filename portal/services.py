"""Writes to contacts and their roles: invite a contact, change a role, remove a contact from a customer.

A customer always keeps at least one Beheerder. Every change that could take away a Beheerder
locks the customer's Beheerder memberships first, so two Beheerders demoting each other at the
same moment cannot both succeed.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from .models import Contact, Customer, Membership, Role
from .tasks import send_invitation

LAST_BEHEERDER = _(
    "Een klant moet minstens één Beheerder houden. Maak eerst een andere contactpersoon Beheerder."
)
ALREADY_CONTACT = _("%(email)s is al contactpersoon van deze klant.")
CONTACT_GONE = _("Deze contactpersoon hoort niet (meer) bij deze klant.")


class ContactError(Exception):
    """A refused change of contacts; `message` is shown to the user as it is."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def invite_contact(*, customer: Customer, name: str, email: str, role: str, by: Contact) -> Membership:
    """Make the person with this e-mail address a contact of the customer and e-mail an invitation.

    A new person gets a user without a password; the invitation carries a link to set one.
    Someone who is already a contact of another customer gets a membership of this one too.
    """
    email = email.strip().lower()
    with transaction.atomic():
        user, _created = get_user_model().objects.get_or_create(
            username=email, defaults={"email": email, "password": make_password(None)}
        )
        if not user.is_active:
            user.is_active = True
            user.save(update_fields=["is_active"])
        contact, _created = Contact.objects.get_or_create(user=user, defaults={"name": name.strip()})
        try:
            with transaction.atomic():
                membership = Membership.objects.create(contact=contact, customer=customer, role=role)
        except IntegrityError:
            raise ContactError(ALREADY_CONTACT % {"email": email}) from None
        transaction.on_commit(lambda: send_invitation.delay(membership_id=membership.pk, invited_by_id=by.pk))
    return membership


def change_role(*, membership: Membership, role: str, by: Contact) -> Membership:
    """Give the contact another role for this customer; the last Beheerder keeps the role."""
    if role not in Role.values:
        raise ValueError(f"Unknown role {role!r}")
    with transaction.atomic():
        current = _lock_for_change(membership)
        if current.role == role:
            return current
        if current.is_beheerder and role != Role.BEHEERDER:
            _refuse_last_beheerder(current)
        current.role = role
        current.save(update_fields=["role"])
    return current


def remove_contact(*, membership: Membership, by: Contact) -> None:
    """Take the contact away from this customer; a contact left without customers cannot log in."""
    with transaction.atomic():
        current = _lock_for_change(membership)
        if current.is_beheerder:
            _refuse_last_beheerder(current)
        current.delete()
        user = current.contact.user
        if not user.is_staff and not Membership.objects.filter(contact_id=current.contact_id).exists():
            user.is_active = False
            user.save(update_fields=["is_active"])


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
