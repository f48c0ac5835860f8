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
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from environments.usage import Item, count_usage, is_valid_pair
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
    lines: int


def recount_customers(*, customer_ids: Iterable[int]) -> RecountResult:
    """Set-based recount of a batch of customers: in use for every line, in a fixed number of queries.

    Items in use without a line get a line with maximum 0 (and so show as over-use).
    Customers without a license get one (edition Profit) so their usage is never dropped.
    """
    ids = sorted(set(customer_ids))
    if not ids:
        return RecountResult(customers=0, lines=0)
    now = timezone.now()
    usage = count_usage(ids)
    with transaction.atomic():
        License.objects.bulk_create(
            [License(customer_id=customer_id) for customer_id in ids], ignore_conflicts=True
        )
        license_ids = dict(License.objects.filter(customer_id__in=ids).values_list("customer_id", "id"))
        counted = [
            (license_ids[customer_id], item, scope, in_use)
            for customer_id, pairs in usage.items()
            for (item, scope), in_use in pairs.items()
        ]
        if connection.vendor == "postgresql":
            lines = _store_in_use_postgresql(license_ids=list(license_ids.values()), counted=counted, now=now)
        else:
            lines = _store_in_use(license_ids=list(license_ids.values()), counted=counted, now=now)
        License.objects.filter(id__in=license_ids.values()).update(counted_at=now)
    return RecountResult(customers=len(ids), lines=lines)


# One statement, no model instances: upsert the counted lines, then set every other line of these
# licenses to 0. At 2M users this is what keeps the nightly recount close to a hand-written one.
_STORE_IN_USE_SQL = """
    WITH counted (license_id, item, scope, in_use) AS (
        SELECT * FROM unnest(
            %(license)s::bigint[], %(item)s::varchar[], %(scope)s::varchar[], %(in_use)s::int[]
        )
    ), upserted AS (
        INSERT INTO {line} AS line (license_id, item, scope, maximum, portal, in_use, counted_at)
        SELECT license_id, item, scope, 0, 0, in_use, %(now)s FROM counted
        ON CONFLICT (license_id, item, scope)
        DO UPDATE SET in_use = EXCLUDED.in_use, counted_at = EXCLUDED.counted_at
        RETURNING line.id
    ), zeroed AS (
        UPDATE {line} SET in_use = 0, counted_at = %(now)s
        WHERE license_id = ANY(%(licenses)s) AND id NOT IN (SELECT id FROM upserted)
        RETURNING id
    )
    SELECT (SELECT count(*) FROM upserted) + (SELECT count(*) FROM zeroed)
"""


def _store_in_use_postgresql(*, license_ids: list[int], counted: list[tuple], now) -> int:
    columns = list(zip(*counted, strict=True)) or [(), (), (), ()]
    with connection.cursor() as cursor:
        cursor.execute(
            _STORE_IN_USE_SQL.format(line=connection.ops.quote_name(LicenseLine._meta.db_table)),
            {
                "license": list(columns[0]),
                "item": list(columns[1]),
                "scope": list(columns[2]),
                "in_use": list(columns[3]),
                "now": now,
                "licenses": license_ids,
            },
        )
        return cursor.fetchone()[0]


def _store_in_use(*, license_ids: list[int], counted: list[tuple], now) -> int:
    """The portable path (SQLite): one bulk upsert."""
    in_use = {(license_id, item, scope): n for license_id, item, scope, n in counted}
    existing = LicenseLine.objects.filter(license_id__in=license_ids).values_list(
        "license_id", "item", "scope"
    )
    rows = [
        LicenseLine(license_id=key[0], item=key[1], scope=key[2], in_use=in_use.get(key, 0), counted_at=now)
        for key in in_use.keys() | set(existing)
    ]
    LicenseLine.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["license", "item", "scope"],
        update_fields=["in_use", "counted_at"],
        batch_size=5000,
    )
    return len(rows)


def recount_customer(*, customer: Customer) -> RecountResult:
    return recount_customers(customer_ids=[customer.id])


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
        line.counted_at = timezone.now()
        line.save(update_fields=["maximum", "portal", "in_use", "counted_at"])
    return mutation


def _set_maximum(*, line: LicenseLine, quantity: int, by: str, source: str) -> LicenseMutation:
    """Change the entitlement of a line locked by the caller; the portal number is left to the nightly run."""
    mutation = LicenseMutation.objects.create(
        line=line,
        customer_id=line.license.customer_id,
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


def line_set_maximum(*, customer: Customer, item: str, scope: str, quantity: int, by: str) -> LicenseMutation:
    """A back-office change of the entitlement only; the portal number follows at the nightly run."""
    if not is_valid_pair(item, scope):
        raise LicenseError(
            _("Onbekende combinatie van onderdeel %(item)s en bereik %(scope)s.")
            % {
                "item": item,
                "scope": scope,
            }
        )
    with transaction.atomic():
        license, _created = License.objects.get_or_create(customer=customer)
        _check_quantity(license=license, item=item, quantity=quantity)
        line, _created = LicenseLine.objects.select_for_update().get_or_create(
            license=license, item=item, scope=scope
        )
        return _set_maximum(line=line, quantity=quantity, by=by, source=MutationSource.BACKOFFICE)


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
    subject = render_to_string("licensing/email/request_decision_subject.txt", context).strip()
    body = render_to_string("licensing/email/request_decision.txt", context)
    send_mail(subject, body, None, [recipient])
    return True
