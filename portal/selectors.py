"""Access functions: every read of a customer's data starts here.

A contact acts for one customer at a time (chosen with "Organisatie kiezen", kept in the
session). Anything of a customer the contact is not a member of is answered with 404, the
same answer as for something that does not exist; a change the role does not allow is 403.
"""

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest

from .models import Contact, Customer, Membership, Role

SESSION_CUSTOMER_KEY = "portal_customer_id"
# What counts as two-step verification set up (recovery codes alone are no second step: allauth makes
# them together with the first app or key).
SECOND_STEPS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


class CustomerNotChosen(Exception):
    """The contact acts for several customers and has not chosen one yet."""


class VendorStaff(Exception):
    """A staff user of the vendor without a contact: their place is the back office, not the portal."""


def contact_for(request: HttpRequest) -> Contact:
    """The logged-in user's contact; a user without one has no portal pages (vendor staff are sent
    to the back office, anyone else gets 404)."""
    try:
        return request.user.contact
    except (AttributeError, Contact.DoesNotExist):
        if getattr(request.user, "is_staff", False):
            raise VendorStaff from None
        raise Http404("No contact for this user") from None


# The largest id a database column holds (a signed 64-bit integer). A larger number in a URL or a form
# names nothing: SQLite would not even take it as a parameter (OverflowError).
MAX_ID = 2**63 - 1


def as_id(value) -> int | None:
    """`value` as an object id, or None when it cannot be one (not a whole number, out of range); every
    access function reads the ids it is given through this."""
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if 0 < number <= MAX_ID else None


def memberships_of(contact: Contact) -> QuerySet[Membership]:
    return Membership.objects.filter(contact=contact, customer__is_active=True).select_related("customer")


def membership_for(contact: Contact, customer_id: int | str | None, *, change: bool = False) -> Membership:
    """The contact's membership of that customer: 404 if none, 403 if `change` and not Beheerder."""
    try:
        membership = memberships_of(contact).get(customer_id=as_id(customer_id))
    except Membership.DoesNotExist:
        raise Http404("No such customer") from None
    if change and membership.role != Role.BEHEERDER:
        raise PermissionDenied
    return membership


def current_membership(request: HttpRequest, *, change: bool = False) -> Membership:
    """The membership of the customer the request acts for.

    Raises CustomerNotChosen when the contact has several customers and chose none (the view
    sends it to the chooser), Http404 when it has none at all.
    """
    contact = contact_for(request)
    chosen = request.session.get(SESSION_CUSTOMER_KEY)
    if chosen is not None:
        try:
            return membership_for(contact, chosen, change=change)
        except Http404:
            request.session.pop(SESSION_CUSTOMER_KEY, None)
    memberships = list(memberships_of(contact)[:2])
    if not memberships:
        raise Http404("This contact acts for no customer")
    if len(memberships) > 1:
        raise CustomerNotChosen
    membership = memberships[0]
    if change and membership.role != Role.BEHEERDER:
        raise PermissionDenied
    return membership


def current_customer(request: HttpRequest, *, change: bool = False) -> Customer:
    return current_membership(request, change=change).customer


def customer_contacts(customer: Customer) -> QuerySet[Membership]:
    """The memberships of a customer's contacts, with contact and user, in name order."""
    return (
        Membership.objects.filter(customer=customer)
        .select_related("contact__user")
        .order_by("contact__name", "contact__user__email")
    )


def customer_membership_for(request: HttpRequest, membership_id: int, *, change: bool = False) -> Membership:
    """A membership of the customer the request acts for.

    404 for a membership of any other customer, 403 if `change` and the contact is no Beheerder.
    """
    acting = current_membership(request, change=change)
    try:
        return customer_contacts(acting.customer).get(pk=as_id(membership_id))
    except Membership.DoesNotExist:
        raise Http404("No such contact") from None


def requires_mfa():
    """An account's policy as a subquery: a contact of an active customer that requires two-step
    verification."""
    return Exists(
        Membership.objects.filter(
            contact__user_id=OuterRef("pk"), customer__is_active=True, customer__mfa_required=True
        )
    )


def has_second_step():
    """An account's two-step verification as a subquery: an authenticator app or a security key."""
    return Exists(Authenticator.objects.filter(user_id=OuterRef("pk"), type__in=SECOND_STEPS))


def mfa_required_for(user) -> bool:
    """Must this account use two-step verification? Yes under MFA_REQUIRED (every account), and for a
    contact of an active customer whose Beheerder requires it. The logged-in user comes with the answer
    (portal.backends), so a page costs no query for it."""
    if settings.MFA_REQUIRED:
        return True
    known = getattr(user, "portal_mfa_required", None)
    if known is not None:
        return known
    return get_user_model().objects.filter(pk=user.pk).filter(requires_mfa()).exists()


def mfa_enabled_for(user) -> bool:
    known = getattr(user, "portal_has_second_step", None)
    if known is not None:
        return known
    return get_user_model().objects.filter(pk=user.pk).filter(has_second_step()).exists()


def mfa_policy_of(customer: Customer) -> dict:
    """The policy page's numbers: contacts of the customer, and those without two-step verification."""
    memberships = Membership.objects.filter(customer=customer)
    without = memberships.exclude(contact__user__authenticator__type__in=SECOND_STEPS)
    return {"contacts": memberships.count(), "without_mfa": without.count()}


def second_steps_of(user) -> dict:
    """What the Beveiliging page shows of an account's two-step verification, in one query."""
    found = {"totp": None, "recovery_codes": None, "webauthn": []}
    for authenticator in Authenticator.objects.filter(user_id=user.pk).order_by("created_at", "pk"):
        if authenticator.type == Authenticator.Type.WEBAUTHN:
            found["webauthn"].append(authenticator.wrap())
        else:
            found[authenticator.type] = authenticator.wrap()
    codes = found["recovery_codes"]
    return {
        **found,
        "mfa_enabled": bool(found["totp"] or found["webauthn"]),
        "unused_codes": len(codes.get_unused_codes()) if codes else 0,
        "total_codes": len(codes.generate_codes()) if codes else 0,
    }


def beheerder_names(customer: Customer) -> list[str]:
    """The names of the customer's Beheerders: who a Medewerker asks for what only they may do."""
    return list(
        Membership.objects.filter(customer=customer, role=Role.BEHEERDER)
        .order_by("contact__name")
        .values_list("contact__name", flat=True)
    )
