"""Onderhoud gebruikers: a Beheerder blocks or unblocks a user; recorded, license recounted at once.

Vendor staff do the same from the back office, through the same service. Blocking is always
allowed; unblocking is refused when it would take in use above a line's maximum: the portal itself
never creates over-use (the next snapshot of an environment may, and stays the truth).
"""

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from environments.services import environment_users_set_blocked
from environments.usage import Usage, count_usage
from environments.vocabulary import Item, Scope
from licensing.models import LicenseLine
from licensing.recount import lock_license_lines, recount_customers
from portal.errors import DomainError
from portal.models import Contact, Customer, Membership, Role

from .models import UserBlockChange

NOT_BEHEERDER = _("Alleen een Beheerder van deze klant mag gebruikers blokkeren of deblokkeren.")
NOT_STAFF = _("Alleen een medewerker van de leverancier mag vanuit het beheer gebruikers blokkeren.")
WOULD_EXCEED = _(
    "%(code)s is niet gedeblokkeerd: de licentie is daarvoor vol. %(lines)s. Verhoog eerst het "
    "maximum of blokkeer eerst een andere gebruiker."
)
# One line of WOULD_EXCEED, e.g. "Profit-gebruikers (Productie): 10 van 10 in gebruik".
LINE_FULL = _("%(item)s (%(scope)s): %(in_use)s van %(maximum)s in gebruik")
ALREADY_BLOCKED = _("Er is niets gewijzigd: %(code)s was daar al geblokkeerd.")
ALREADY_UNBLOCKED = _("Er is niets gewijzigd: %(code)s was daar niet geblokkeerd.")
SNAPSHOT_STAYS_TRUTH = _(
    "Een blokkering hier geldt tot de omgeving zijn volgende gegevens aanlevert: de nieuwste gegevens "
    "van een omgeving zijn altijd leidend. Blokkeer de gebruiker daarom ook in de omgeving zelf."
)


class NothingChanged(DomainError):
    """A block or unblock that changed nothing; the message says why."""


class WouldExceedLicense(NothingChanged):
    """Unblocking refused: a line is full. Nothing changed, like its base class says."""


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
    when the user already was in that state everywhere asked, and WouldExceedLicense when
    unblocking would take in use above the maximum of a line.
    """
    with transaction.atomic():
        if not Membership.objects.filter(contact=by, customer=customer, role=Role.BEHEERDER).exists():
            raise PermissionDenied(NOT_BEHEERDER)
        return _set_blocked(
            customer=customer,
            contact=by,
            by=by.email,
            identity_id=identity_id,
            user_code=user_code,
            blocked=blocked,
            environment_id=environment_id,
        )


def user_set_blocked_by_staff(
    *,
    customer: Customer,
    by: AbstractBaseUser,
    identity_id: int,
    user_code: str,
    blocked: bool,
    environment_id: int | None = None,
) -> UserBlockChange:
    """The back office's block or unblock: `user_set_blocked` for vendor staff, with the same refusals."""
    if not (by.is_active and by.is_staff):
        raise PermissionDenied(NOT_STAFF)
    return _set_blocked(
        customer=customer,
        contact=None,
        by=by.get_username(),
        identity_id=identity_id,
        user_code=user_code,
        blocked=blocked,
        environment_id=environment_id,
    )


def _set_blocked(
    *,
    customer: Customer,
    contact: Contact | None,
    by: str,
    identity_id: int,
    user_code: str,
    blocked: bool,
    environment_id: int | None,
) -> UserBlockChange:
    with transaction.atomic():
        # Unblocking may add to in use: lock the lines and count before and after under the lock,
        # so two unblocks (or an unblock and a mutation) of a full line cannot both go through.
        lines = None if blocked else lock_license_lines(customer_id=customer.id)
        before = None if blocked else _fresh_usage(customer)
        changed = environment_users_set_blocked(
            customer_id=customer.id, identity_id=identity_id, blocked=blocked, environment_id=environment_id
        )
        if not changed:
            raise NothingChanged((ALREADY_BLOCKED if blocked else ALREADY_UNBLOCKED) % {"code": user_code})
        if not blocked:
            _refuse_over_use(lines=lines, before=before, after=_fresh_usage(customer), user_code=user_code)
        change = UserBlockChange.objects.create(
            customer=customer,
            contact=contact,
            by=by,
            identity_id=identity_id,
            user_code=user_code,
            environments=changed,
            all_environments=environment_id is None,
            blocked=blocked,
        )
        recount_customers(customer_ids=[customer.id])
    return change


def _fresh_usage(customer: Customer) -> Usage:
    return count_usage([customer.id]).get(customer.id, {})


def _refuse_over_use(
    *, lines: dict[tuple[str, str], LicenseLine], before: Usage, after: Usage, user_code: str
) -> None:
    """Raise WouldExceedLicense naming every line whose in use the change raised above its maximum
    (an item in use without a line has maximum 0). A line over already and not raised stays silent."""
    full = []
    for pair in sorted(after, key=lambda pair: (Item.values.index(pair[0]), Scope.values.index(pair[1]))):
        line = lines.get(pair)
        maximum = line.maximum if line is not None else 0
        if after[pair] > before.get(pair, 0) and after[pair] > maximum:
            item, scope = pair
            full.append(
                LINE_FULL
                % {
                    "item": Item(item).label,
                    "scope": Scope(scope).label,
                    "in_use": before.get(pair, 0),
                    "maximum": maximum,
                }
            )
    if full:
        # The caller's transaction rolls the unblock back.
        raise WouldExceedLicense(WOULD_EXCEED % {"code": user_code, "lines": "; ".join(full)})
