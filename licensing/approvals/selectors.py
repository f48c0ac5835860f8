"""Reads of the four-eyes principle: the customer's changes, the open one of a line, one change."""

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from portal.models import Customer
from portal.selectors import as_id

from .models import ChangeStatus, PendingChange


def open_changes(customer: Customer | int) -> QuerySet[PendingChange]:
    """The changes still waiting for a decision (not expired), oldest first."""
    customer_id = customer if isinstance(customer, int) else customer.pk
    return (
        PendingChange.objects.filter(
            customer_id=customer_id, status=ChangeStatus.OPEN, expires_at__gt=timezone.now()
        )
        .select_related("line", "requested_by")
        .order_by("requested_at", "id")
    )


def decided_changes(customer: Customer) -> QuerySet[PendingChange]:
    """Everything else: decided, replaced, expired (an open one past its time is expired), newest first."""
    return (
        PendingChange.objects.filter(customer=customer)
        .filter(~Q(status=ChangeStatus.OPEN) | Q(expires_at__lte=timezone.now()))
        .select_related("line", "requested_by", "decided_by")
        .order_by("-requested_at", "-id")
    )


def open_by_line(customer: Customer | int) -> dict[int, PendingChange]:
    """{line id: its open change}: for the note on the Licentiedata and the line's page."""
    return {change.line_id: change for change in open_changes(customer) if change.line_id is not None}


def change_of(customer: Customer | int, change_id) -> PendingChange:
    """One change of the customer: 404 for another customer's or none."""
    customer_id = customer if isinstance(customer, int) else customer.pk
    change = PendingChange.objects.filter(pk=as_id(change_id), customer_id=customer_id).first()
    if change is None:
        raise Http404("No such pending change")
    return change


def open_change_of_line(line) -> PendingChange | None:
    return open_changes(line.license.customer_id).filter(line=line).first()
