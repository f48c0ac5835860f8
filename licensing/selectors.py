"""Reads of license data: the lines in the portal's order, one line through its access function, the
mutation history and the license requests."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from environments.vocabulary import Item, Scope
from portal.models import Contact, Customer
from portal.selectors import as_id, membership_for

from .models import LicenseLine, LicenseMutation, LicenseRequest

ITEM_ORDER = {item: position for position, item in enumerate(Item.values)}
SCOPE_ORDER = {scope: position for position, scope in enumerate(Scope.values)}


def lines_in_order(lines) -> list[LicenseLine]:
    """License lines in the order the portal shows them: per-license items first, then by type."""
    return sorted(
        lines, key=lambda line: (SCOPE_ORDER[line.scope] > 0, ITEM_ORDER[line.item], SCOPE_ORDER[line.scope])
    )


def license_lines(customer: Customer) -> QuerySet[LicenseLine]:
    """The customer's lines, each knowing whether its deviation is a granted request (`granted_pending`)."""
    return LicenseLine.objects.filter(license__customer=customer).annotate(
        last_source=LicenseMutation.last_change_source()
    )


def license_line_for(
    contact: Contact, customer: Customer, line_id: int | str, *, change: bool = False
) -> LicenseLine:
    """One line of the customer the contact acts for: 404 if not that customer's, 403 if `change`
    and the contact is not its Beheerder."""
    membership = membership_for(contact, customer.id)
    try:
        line = (
            LicenseLine.objects.select_related("license")
            .annotate(last_source=LicenseMutation.last_change_source())
            .get(pk=as_id(line_id), license__customer_id=membership.customer_id)
        )
    except LicenseLine.DoesNotExist:
        raise Http404("No such license line") from None
    if change and not membership.is_beheerder:
        raise PermissionDenied
    return line


def mutation_history(customer: Customer) -> QuerySet[LicenseMutation]:
    """The audit log of a customer's license counts, newest first."""
    return (
        LicenseMutation.objects.filter(customer=customer)
        # "approval": the four-eyes change a mutation carried out, naming who asked (licensing.approvals).
        .select_related("line", "contact", "approval")
        .order_by("-created_at", "-id")
    )


def license_requests_of(customer: Customer) -> QuerySet[LicenseRequest]:
    return (
        LicenseRequest.objects.filter(customer=customer)
        .select_related("line", "requested_by")
        .order_by("-created_at", "-id")
    )
