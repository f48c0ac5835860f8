"""Writes of the four-eyes principle: a change of a license count proposed, approved or rejected, and the
policy itself switched (which needs a second Beheerder too).

Every rule of a mutation lives in `licensing.services.line_change_quantity`, and only there. A proposal
runs it in a savepoint that is rolled back (so the requester hears a refusal at once, in the same words),
and the approval runs it for real, at that moment and inside the line's lock: in use counted fresh, the
Small Business cap, a deviation. Refused at approval: the exception goes up, the transaction rolls back,
and the pending change stays open, unchanged.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from licensing.models import LicenseLine, LicenseMutation
from licensing.services import NOT_BEHEERDER, KeyActor, line_change_quantity, line_try_quantity
from portal import security
from portal.errors import DomainError
from portal.models import Contact, Customer, Membership, Role, SecurityEventKind

from .models import ChangeKind, ChangeStatus, FourEyesPolicy, PendingChange

NEEDS_TWO_BEHEERDERS = _(
    "Het vier-ogenprincipe kan alleen aan als deze klant minstens twee Beheerders heeft."
)
NEEDS_A_RULE = _("Kies waarvoor een tweede Beheerder moet goedkeuren.")
POLICY_UNCHANGED = _("Dit is het huidige beleid al.")
OWN_CHANGE = _("U kunt uw eigen wijziging niet goedkeuren of afwijzen: dat doet een andere Beheerder.")
NOT_OPEN = _("Over deze wijziging is al besloten, of ze is vervangen.")
EXPIRED = _("Deze wijziging is verlopen. Vraag haar zo nodig opnieuw aan.")
REASON_NEEDED = _("Geef een reden op.")
PENDING_EXISTS = _(
    "Voor deze licentieregel wacht al een wijziging op goedkeuring. "
    "Bevestig dat uw nieuwe wijziging die vervangt."
)
NO_PERSON_BEHIND_KEY = _("Deze API-sleutel is niet door een Beheerder gemaakt en kan daarom niet goedkeuren.")


class ApprovalError(DomainError):
    status = 409


class OwnChange(ApprovalError):
    status = 403


class PendingChangeExists(ApprovalError):
    pass


@dataclass(frozen=True)
class Outcome:
    """What a change under the policy came to: a mutation made at once, or a change waiting for approval."""

    mutation: LicenseMutation | None = None
    pending: PendingChange | None = None
    # A dry run only: the change would wait for a second Beheerder.
    needs_approval: bool = False


def policy_for(customer_id: int) -> FourEyesPolicy:
    """The customer's policy (an unsaved one that is off when it never had one)."""
    return FourEyesPolicy.objects.filter(customer_id=customer_id).first() or FourEyesPolicy(
        customer_id=customer_id
    )


def beheerder_count(customer_id: int) -> int:
    return Membership.objects.filter(customer_id=customer_id, role=Role.BEHEERDER).count()


def _is_beheerder(contact: Contact, customer_id: int) -> bool:
    return Membership.objects.filter(contact=contact, customer_id=customer_id, role=Role.BEHEERDER).exists()


def _check_rules(*, line: LicenseLine, by: Contact | KeyActor, quantity: int, acknowledge: bool) -> None:
    """Every rule of a mutation, as `line_change_quantity` checks it now; nothing is written."""
    line_try_quantity(line=line, by=by, quantity=quantity, acknowledge_deviation=acknowledge)


def try_change(
    *, line: LicenseLine, by: Contact | KeyActor, quantity: int, acknowledge_deviation: bool = False
) -> Outcome:
    """A dry run of `change_or_propose`: every rule checked as for the change and the mutation it would
    record (unsaved, prices included), nothing written; `needs_approval` when the policy covers it."""
    mutation = line_try_quantity(
        line=line, by=by, quantity=quantity, acknowledge_deviation=acknowledge_deviation
    )
    current = LicenseLine.objects.select_related("license").get(pk=line.pk)
    covered = policy_for(current.license.customer_id).covers(line=current, quantity=quantity)
    return Outcome(mutation=mutation, needs_approval=covered)


def change_or_propose(
    *,
    line: LicenseLine,
    by: Contact | KeyActor,
    quantity: int,
    acknowledge_deviation: bool = False,
    replace: int | None = None,
    key_maker: AbstractBaseUser | None = None,
) -> Outcome:
    """A Beheerder's (or an API key's) change of a line's quantity: made at once when the customer's
    four-eyes policy does not cover it, else a PendingChange the other Beheerders are e-mailed about.

    An open change of the same line is replaced only when `replace` is its id (the requester confirmed);
    otherwise PendingChangeExists names it. `key_maker` is the account that made the API key `by`: the
    person who may not approve the key's change.
    """
    with transaction.atomic():
        locked = LicenseLine.objects.select_for_update(of=("self",)).select_related("license").get(pk=line.pk)
        customer_id = locked.license.customer_id
        policy = policy_for(customer_id)
        if not policy.covers(line=locked, quantity=quantity):
            return Outcome(
                mutation=line_change_quantity(
                    line=locked, by=by, quantity=quantity, acknowledge_deviation=acknowledge_deviation
                )
            )
        _check_rules(line=locked, by=by, quantity=quantity, acknowledge=acknowledge_deviation)
        existing = (
            PendingChange.objects.select_for_update().filter(line=locked, status=ChangeStatus.OPEN).first()
        )
        if existing is not None:
            if not existing.is_open():
                _mark(existing, ChangeStatus.EXPIRED)
            elif replace != existing.pk:
                raise PendingChangeExists(PENDING_EXISTS, pending_id=existing.pk, quantity=existing.quantity)
            else:
                _mark(existing, ChangeStatus.REPLACED)
        if isinstance(by, KeyActor):
            who = {"requested_by_user": key_maker, "requested_by_name": by.name, "api_key_name": by.name}
        else:
            who = {"requested_by": by, "requested_by_user": by.user, "requested_by_name": by.email}
        pending = PendingChange.objects.create(
            customer_id=customer_id,
            kind=ChangeKind.QUANTITY,
            line=locked,
            quantity=quantity,
            old_maximum=locked.maximum,
            acknowledge_deviation=acknowledge_deviation,
            **who,
        )
        _notify_on_commit(pending)
    return Outcome(pending=pending)


def _mark(pending: PendingChange, status: str) -> None:
    pending.status = status
    pending.decided_at = timezone.now()
    pending.save(update_fields=["status", "decided_at"])


POLICY_FIELDS = ("enabled", "lowering", "raise_above", "raise_above_amount", "every_change")


def _amount_text(amount: Decimal | str | None) -> str | None:
    # The amount as a PendingChange's policy (JSON) and the security log keep it: "150.00".
    return None if amount is None else str(Decimal(amount).quantize(Decimal("0.01")))


def policy_values(policy: FourEyesPolicy) -> dict:
    """The policy's rules as JSON keeps them (the amount as text)."""
    values = {name: getattr(policy, name) for name in POLICY_FIELDS}
    values["raise_above_amount"] = _amount_text(values["raise_above_amount"])
    return values


def propose_policy(
    *,
    customer: Customer,
    by: Contact,
    enabled: bool,
    lowering: bool = False,
    raise_above: int | None = None,
    raise_above_amount: Decimal | None = None,
    every_change: bool = False,
    ip: str | None = None,
) -> PendingChange | FourEyesPolicy:
    """A Beheerder asks to switch the policy on, off or to other rules: a PendingChange a second Beheerder
    approves. Switching on needs at least two Beheerders. With fewer than two (the other one left), the
    one Beheerder switches it off at once: nobody else could ever approve (logged all the same)."""
    wanted = {
        "enabled": enabled,
        "lowering": enabled and lowering,
        "raise_above": raise_above if enabled else None,
        "raise_above_amount": _amount_text(raise_above_amount) if enabled else None,
        "every_change": enabled and every_change,
    }
    with transaction.atomic():
        Customer.objects.select_for_update().get(pk=customer.pk)
        if not _is_beheerder(by, customer.pk):
            raise PermissionDenied(NOT_BEHEERDER)
        rules = ("lowering", "every_change", "raise_above", "raise_above_amount")
        if enabled and not any(wanted[rule] not in (None, False) for rule in rules):
            raise ApprovalError(NEEDS_A_RULE)
        current = policy_for(customer.pk)
        if policy_values(current) == wanted or (not enabled and not current.enabled):
            raise ApprovalError(POLICY_UNCHANGED)
        beheerders = beheerder_count(customer.pk)
        if enabled and beheerders < 2:
            raise ApprovalError(NEEDS_TWO_BEHEERDERS)
        if beheerders < 2:
            return _apply_policy(customer=customer, values=wanted, by=by, ip=ip, requested_by=by.email)
        for older in PendingChange.objects.select_for_update().filter(
            customer=customer, kind=ChangeKind.POLICY, status=ChangeStatus.OPEN
        ):
            _mark(older, ChangeStatus.EXPIRED if not older.is_open() else ChangeStatus.REPLACED)
        pending = PendingChange.objects.create(
            customer=customer,
            kind=ChangeKind.POLICY,
            policy=wanted,
            requested_by=by,
            requested_by_user=by.user,
            requested_by_name=by.email,
        )
        _notify_on_commit(pending)
    return pending


def _apply_policy(*, customer: Customer, values: dict, by: Contact, ip: str | None, requested_by: str):
    policy, _created = FourEyesPolicy.objects.select_for_update().get_or_create(customer=customer)
    # A change asked for before a rule existed does not name it: that rule is off.
    values = {name: values.get(name) for name in POLICY_FIELDS}
    for name, value in values.items():
        setattr(policy, name, value)
    amount = values["raise_above_amount"]
    policy.raise_above_amount = None if amount is None else Decimal(amount)
    for flag in ("enabled", "lowering", "every_change"):
        setattr(policy, flag, bool(values[flag]))
    policy.save()
    security.record(
        customers=[customer],
        kind=SecurityEventKind.POLICY_CHANGED,
        actor=by,
        ip=ip,
        subject=customer.number,
        details={"policy": "four_eyes", "value": values["enabled"], "requested_by": requested_by, **values},
    )
    return policy


def _expire_if_overdue(pending_id: int) -> None:
    # Before the decision's transaction: the refusal that follows rolls that back, not the expiry.
    with transaction.atomic():
        pending = PendingChange.objects.select_for_update().filter(pk=pending_id).first()
        if pending is not None and pending.status == ChangeStatus.OPEN and not pending.is_open():
            _mark(pending, ChangeStatus.EXPIRED)


def _lock_for_decision(*, pending_id: int, customer_id: int, by: Contact) -> PendingChange:
    pending = PendingChange.objects.filter(pk=pending_id, customer_id=customer_id).first()
    if pending is None:
        raise ApprovalError(NOT_OPEN)
    if pending.line_id is not None:
        # The line first, as a proposal and a mutation lock it, then the change: no deadlock.
        LicenseLine.objects.select_for_update(of=("self",)).get(pk=pending.line_id)
    pending = PendingChange.objects.select_for_update().select_related("customer").get(pk=pending_id)
    if not _is_beheerder(by, customer_id):
        raise PermissionDenied(NOT_BEHEERDER)
    # The person, not the session or the key: the same account never decides on its own change.
    if pending.requested_by_user_id is not None and pending.requested_by_user_id == by.user_id:
        raise OwnChange(OWN_CHANGE)
    if pending.status == ChangeStatus.EXPIRED:
        raise ApprovalError(EXPIRED)
    if pending.status != ChangeStatus.OPEN:
        raise ApprovalError(NOT_OPEN)
    return pending


def approve(
    *, pending_id: int, customer_id: int, by: Contact, reason: str = "", ip: str | None = None
) -> PendingChange:
    """A second Beheerder approves: the change is made now, under every rule as it stands now. A refusal
    (LicenseError, the portal's own message) changes nothing and leaves the change open."""
    _expire_if_overdue(pending_id)
    with transaction.atomic():
        pending = _lock_for_decision(pending_id=pending_id, customer_id=customer_id, by=by)
        if pending.kind == ChangeKind.QUANTITY:
            line = LicenseLine.objects.select_related("license").get(pk=pending.line_id)
            pending.mutation = line_change_quantity(
                line=line,
                by=by,
                quantity=pending.quantity,
                acknowledge_deviation=pending.acknowledge_deviation,
            )
        else:
            if pending.policy.get("enabled") and beheerder_count(customer_id) < 2:
                raise ApprovalError(NEEDS_TWO_BEHEERDERS)
            _apply_policy(
                customer=pending.customer,
                values=pending.policy,
                by=by,
                ip=ip,
                requested_by=pending.requested_by_name,
            )
        _decide(pending, ChangeStatus.APPROVED, by=by, reason=reason.strip())
        if pending.kind == ChangeKind.QUANTITY:
            _record(pending, SecurityEventKind.CHANGE_APPROVED, by=by, ip=ip)
    return pending


def reject(
    *, pending_id: int, customer_id: int, by: Contact, reason: str, ip: str | None = None
) -> PendingChange:
    """A second Beheerder rejects, with a reason every contact reads on the list of changes."""
    reason = reason.strip()
    if not reason:
        raise ApprovalError(REASON_NEEDED)
    _expire_if_overdue(pending_id)
    with transaction.atomic():
        pending = _lock_for_decision(pending_id=pending_id, customer_id=customer_id, by=by)
        _decide(pending, ChangeStatus.REJECTED, by=by, reason=reason)
        _record(pending, SecurityEventKind.CHANGE_REJECTED, by=by, ip=ip)
    return pending


def _decide(pending: PendingChange, status: str, *, by: Contact, reason: str) -> None:
    pending.status = status
    pending.decided_by = by
    pending.decided_by_name = by.email
    pending.decided_at = timezone.now()
    pending.reason = reason
    pending.save(
        update_fields=["status", "decided_by", "decided_by_name", "decided_at", "reason", "mutation"]
    )


def _record(pending: PendingChange, kind: str, *, by: Contact, ip: str | None) -> None:
    details = {"requested_by": pending.requested_by_name, "reason": pending.reason, "kind": pending.kind}
    if pending.kind == ChangeKind.QUANTITY:
        line = pending.line
        details |= {"item": line.item, "scope": line.scope, "quantity": pending.quantity}
        names = f"{line.get_item_display()} ({line.get_scope_display()})"
        subject = f"{names}: {pending.old_maximum} → {pending.quantity}"
    else:
        details |= {"policy": "four_eyes", **pending.policy}
        subject = str(ChangeKind.POLICY.label)
    security.record(
        customers=[pending.customer_id], kind=kind, actor=by, ip=ip, subject=subject, details=details
    )


def _notify_on_commit(pending: PendingChange) -> None:
    from .tasks import send_pending_change_notice

    pending_id = pending.pk
    transaction.on_commit(lambda: send_pending_change_notice.delay(pending_id))
