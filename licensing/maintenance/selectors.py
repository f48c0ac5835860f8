"""Reads of "Onderhoud gebruikers": the log of blocks and unblocks, and how one change reads."""

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from portal.models import Customer

from .models import UserBlockChange

BLOCKED = _("%(code)s is geblokkeerd in %(environments)s. De licentie is opnieuw geteld.")
UNBLOCKED = _("%(code)s is gedeblokkeerd in %(environments)s. De licentie is opnieuw geteld.")


def changed_message(change: UserBlockChange) -> str:
    template = BLOCKED if change.blocked else UNBLOCKED
    return template % {"code": change.user_code, "environments": ", ".join(change.environments)}


def user_block_history(customer: Customer, *, identity_id: int | None = None) -> QuerySet[UserBlockChange]:
    """The customer's block and unblock records, newest first; of one user when given."""
    changes = UserBlockChange.objects.filter(customer=customer).select_related("contact")
    if identity_id is not None:
        changes = changes.filter(identity_id=identity_id)
    return changes.order_by("-created_at", "-id")
