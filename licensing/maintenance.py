"""Onderhoud gebruikers: a Beheerder blocks or unblocks a user; recorded, license recounted at once."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from environments.services import users_set_blocked
from portal.models import Contact, Customer, Membership, Role

from .models import UserBlockChange
from .services import recount_customers

NOT_BEHEERDER = _("Alleen een Beheerder van deze klant mag gebruikers blokkeren of deblokkeren.")
ALREADY_BLOCKED = _("Er is niets gewijzigd: %(code)s was daar al geblokkeerd.")
ALREADY_UNBLOCKED = _("Er is niets gewijzigd: %(code)s was daar niet geblokkeerd.")
BLOCKED = _("%(code)s is geblokkeerd in %(environments)s. De licentie is opnieuw geteld.")
UNBLOCKED = _("%(code)s is gedeblokkeerd in %(environments)s. De licentie is opnieuw geteld.")
SNAPSHOT_STAYS_TRUTH = _(
    "Een blokkering hier geldt tot de omgeving zijn volgende gegevens aanlevert: de nieuwste gegevens "
    "van een omgeving zijn altijd leidend. Blokkeer de gebruiker daarom ook in de omgeving zelf."
)


class NothingChanged(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def user_set_blocked(
    *,
    customer: Customer,
    by: Contact,
    identity_id: int,
    user_code: str,
    blocked: bool,
    environment_id: int | None = None,
) -> UserBlockChange:
    """Block (or unblock) a user in all the customer's active environments, or in one of them.

    Only a Beheerder of the customer. Writes a UserBlockChange naming the environments where it
    changed and recounts the customer's license in the same transaction; raises NothingChanged
    when the user already was in that state everywhere asked.
    """
    with transaction.atomic():
        if not Membership.objects.filter(contact=by, customer=customer, role=Role.BEHEERDER).exists():
            raise PermissionDenied(NOT_BEHEERDER)
        changed = users_set_blocked(
            customer_id=customer.id, identity_id=identity_id, blocked=blocked, environment_id=environment_id
        )
        if not changed:
            raise NothingChanged((ALREADY_BLOCKED if blocked else ALREADY_UNBLOCKED) % {"code": user_code})
        change = UserBlockChange.objects.create(
            customer=customer,
            contact=by,
            by=by.email,
            identity_id=identity_id,
            user_code=user_code,
            environments=changed,
            all_environments=environment_id is None,
            blocked=blocked,
        )
        recount_customers(customer_ids=[customer.id])
    return change


def changed_message(change: UserBlockChange) -> str:
    template = BLOCKED if change.blocked else UNBLOCKED
    return template % {"code": change.user_code, "environments": ", ".join(change.environments)}


def user_block_history(customer: Customer, *, identity_id: int | None = None) -> QuerySet[UserBlockChange]:
    """The customer's block and unblock records, newest first; of one user when given."""
    changes = UserBlockChange.objects.filter(customer=customer).select_related("contact")
    if identity_id is not None:
        changes = changes.filter(identity_id=identity_id)
    return changes.order_by("-created_at", "-id")
