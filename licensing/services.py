"""Writes to licenses: the recount, self-service mutations and back-office entitlement changes."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from environments.usage import count_usage, usage_sql
from environments.vocabulary import Item, is_valid_pair
from portal.i18n import supported_language
from portal.models import Contact, Customer, Membership, Role

from .models import (
    MAX_QUANTITY,
    SMALL_BUSINESS_MAX_ENVIRONMENTS,
    License,
    LicenseLine,
    LicenseMutation,
    LicenseRequest,
    RequestStatus,
)

BELOW_IN_USE = _("Het gewenste aantal komt onder het werkelijke aantal in gebruik.")
SMALL_BUSINESS_CAP = _(
    "Profit Small Business staat nooit meer dan %(cap)s omgevingen toe. Voor meer omgevingen is een "
    "andere editie nodig: dien een licentieaanvraag in."
)
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


class MutationSource:
    """Where a LicenseMutation came from (its `source` column)."""

    PORTAL = "portal"
    BACKOFFICE = "backoffice"
    REQUEST = "request"


class LicenseError(Exception):
    """A refused license change; `message` is shown to the user as it is."""

    def __init__(self, message, **details):
        super().__init__(str(message))
        self.message = message
        self.details = details


class DeviationNotAcknowledged(LicenseError):
    pass


class BelowInUse(LicenseError):
    @property
    def shortfall(self) -> str:
        return SHORTFALL % {"in_use": self.details["in_use"], "requested": self.details["requested"]}


@dataclass(frozen=True)
class RecountResult:
    customers: int
    changed: int


# The counts of a batch go straight from the counting query into the lines: an upsert that
# creates a line (maximum 0) for an item in use without one, sets a line no longer in use to 0,
# and leaves every unchanged line alone, so a nightly run writes only what changed.
_STORE_IN_USE = """
{counted},
counted_lines (license_id, item, scope, n) AS (
    SELECT l.id, c.item, c.scope, c.n FROM counted c JOIN {license} l ON l.customer_id = c.customer_id
),
stored (license_id, item, scope, in_use) AS (
    SELECT s.license_id, s.item, s.scope, s.in_use
    FROM {line} s JOIN {license} l ON l.id = s.license_id
    WHERE {in_batch}
)
INSERT INTO {line} (license_id, item, scope, maximum, portal, in_use)
{changed}
ON CONFLICT (license_id, item, scope) DO UPDATE SET in_use = excluded.in_use
"""
# The lines whose number changes: counted and stored side by side in one hash join.
_CHANGED = """
SELECT coalesce(c.license_id, s.license_id), coalesce(c.item, s.item), coalesce(c.scope, s.scope),
    0, 0, coalesce(c.n, 0)
FROM counted_lines c FULL JOIN stored s
    ON s.license_id = c.license_id AND s.item = c.item AND s.scope = c.scope
WHERE s.in_use IS NULL OR s.in_use <> coalesce(c.n, 0)
"""
# The same rows for SQLite, which has FULL JOIN only from 3.39 (2022): the counts that differ
# from their line, then the lines in use that were not counted.
_CHANGED_WITHOUT_FULL_JOIN = """
SELECT c.license_id, c.item, c.scope, 0, 0, c.n
FROM counted_lines c LEFT JOIN stored s
    ON s.license_id = c.license_id AND s.item = c.item AND s.scope = c.scope
WHERE s.in_use IS NULL OR s.in_use <> c.n
UNION ALL
SELECT s.license_id, s.item, s.scope, 0, 0, 0
FROM stored s
WHERE s.in_use <> 0 AND NOT EXISTS (
    SELECT 1 FROM counted_lines c
    WHERE c.license_id = s.license_id AND c.item = s.item AND c.scope = s.scope
)
"""


# Up to this many customers a recount reads a small slice of each table, through its indexes.
SMALL_BATCH = 1000


def _in_batch(ids: list[int]) -> tuple[str, list]:
    if connection.vendor == "postgresql":
        return "l.customer_id = ANY(%s)", [ids]
    return f"l.customer_id IN ({', '.join(['%s'] * len(ids))})", ids


def recount_customers(*, customer_ids: Iterable[int]) -> RecountResult:
    """Set-based recount of a batch of customers: in use for every line, counted and stored by the
    database in one statement, whatever the size of the batch.

    Items in use without a line get a line with maximum 0 (and so show as over-use); lines no
    longer in use get 0. Only lines whose number changed are written: night after night most
    counts stay the same. The time of the count is the license's `counted_at`.
    Customers without a license get one (edition Profit) so their usage is never dropped.
    """
    ids = sorted(set(customer_ids))
    if not ids:
        return RecountResult(customers=0, changed=0)
    now = timezone.now()
    with transaction.atomic():
        # The licenses first (the nightly job locks them in this order too), then their lines.
        stamped = License.objects.filter(customer_id__any_of=ids).update(counted_at=now)
        if stamped < len(ids):
            licensed = License.objects.filter(customer_id__any_of=ids).values_list("customer_id", flat=True)
            License.objects.bulk_create(
                [License(customer_id=i, counted_at=now) for i in sorted(set(ids) - set(licensed))],
                ignore_conflicts=True,
            )
        counted, params = usage_sql(ids)
        in_batch, in_batch_params = _in_batch(ids)
        quote = connection.ops.quote_name
        sql = _STORE_IN_USE.format(
            counted=counted,
            license=quote(License._meta.db_table),
            line=quote(LicenseLine._meta.db_table),
            in_batch=in_batch,
            changed=_CHANGED if connection.vendor == "postgresql" else _CHANGED_WITHOUT_FULL_JOIN,
        )
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                _tune_for_counting(cursor, batch=len(ids))
            cursor.execute(sql, [*params, *in_batch_params])
            changed = cursor.rowcount
            if changed < 0:  # SQLite does not report the rows of a statement that starts with WITH
                cursor.execute("SELECT changes()")
                changed = cursor.fetchone()[0]
    return RecountResult(customers=len(ids), changed=changed)


def _tune_for_counting(cursor, *, batch: int) -> None:
    """Planner settings for the counting statement, for this transaction only (one round trip)."""
    # JIT-compiling the statement's ~150 expressions costs more (70 ms) than it saves. (A larger
    # work_mem was tried: it keeps the sorts in memory but tips the planner into sorting all user
    # rows instead of reading them per environment through the partial index, 25 % slower.)
    settings = {"jit": "off"}
    if batch <= SMALL_BATCH:
        # With the default random_page_cost (4, for spinning disks) the planner scans all
        # declarations and clients for every small batch instead of reading its slice through
        # the indexes: 6.0 s against 4.1 s for the bench's 40 batches. A large batch reads
        # most of every table, where those scans are the better plan.
        settings["random_page_cost"] = "1.1"
    cursor.execute(
        "SELECT " + ", ".join(["set_config(%s, %s, true)"] * len(settings)),
        [value for setting in settings.items() for value in setting],
    )


def recount_customer(*, customer: Customer) -> RecountResult:
    return recount_customers(customer_ids=[customer.id])


def lock_license_lines(*, customer_id: int) -> dict[tuple[str, str], LicenseLine]:
    """Lock the customer's license, then all its lines in id order, for a change whose effect on in
    use must be counted fresh under the lock (unblocking a user); {(item, scope): line}.

    The license first, as the nightly job and the recount lock it, so this never deadlocks with
    them; a mutation (`line_change_quantity`) locks one of these lines only and so either waits for
    the holder or is waited for, and then counts what the other committed.
    """
    list(License.objects.select_for_update().filter(customer_id=customer_id).values_list("pk", flat=True))
    lines = (
        LicenseLine.objects.select_for_update(of=("self",))
        .filter(license__customer_id=customer_id)
        .order_by("pk")
    )
    return {(line.item, line.scope): line for line in lines}


def fresh_in_use(*, line: LicenseLine) -> int:
    """The in-use count of one line computed now from the environments' data."""
    usage = count_usage([line.license.customer_id])
    return usage.get(line.license.customer_id, {}).get((line.item, line.scope), 0)


def _check_range(quantity: int) -> None:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 0 <= quantity <= MAX_QUANTITY:
        raise LicenseError(QUANTITY_OUT_OF_RANGE % {"max": MAX_QUANTITY})


def _check_quantity(*, license: License, item: str, quantity: int) -> None:
    _check_range(quantity)
    if license.is_small_business and item == Item.ENVIRONMENTS and quantity > SMALL_BUSINESS_MAX_ENVIRONMENTS:
        raise LicenseError(SMALL_BUSINESS_CAP % {"cap": SMALL_BUSINESS_MAX_ENVIRONMENTS})


def line_change_quantity(
    *, line: LicenseLine, by: Contact, quantity: int, acknowledge_deviation: bool = False
) -> LicenseMutation:
    """A Beheerder's self-service change: maximum and portal number become `quantity`.

    The line is locked for the whole check-and-write, and in use is counted fresh inside the
    lock, so concurrent changes neither lose an update nor slip below what is in use.
    """
    with transaction.atomic():
        # Lock the line only: locking the joined license row too would serialise every change of
        # the customer and can deadlock against the recount, which writes lines, then the license.
        line = LicenseLine.objects.select_for_update(of=("self",)).select_related("license").get(pk=line.pk)
        is_beheerder = Membership.objects.filter(
            contact=by, customer_id=line.license.customer_id, role=Role.BEHEERDER
        ).exists()
        if not is_beheerder:
            raise PermissionDenied(NOT_BEHEERDER)
        _check_quantity(license=line.license, item=line.item, quantity=quantity)
        deviation = line.has_deviation
        if deviation and not acknowledge_deviation:
            raise DeviationNotAcknowledged(
                DEVIATION_NOT_ACKNOWLEDGED, maximum=line.maximum, portal=line.portal
            )
        in_use = fresh_in_use(line=line)
        if quantity < in_use:
            raise BelowInUse(BELOW_IN_USE, in_use=in_use, requested=quantity)
        mutation = LicenseMutation.objects.create(
            line=line,
            customer_id=line.license.customer_id,
            contact=by,
            by=by.email,
            old_maximum=line.maximum,
            old_portal=line.portal,
            new_quantity=quantity,
            in_use=in_use,
            acknowledged_deviation=deviation,
            source=MutationSource.PORTAL,
        )
        line.maximum = quantity
        line.portal = quantity
        line.in_use = in_use
        line.save(update_fields=["maximum", "portal", "in_use"])
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
    )
    line.maximum = quantity
    line.save(update_fields=["maximum"])
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
