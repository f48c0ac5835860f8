"""The security log of each customer: logins, failed logins, two-factor changes, API keys, roles and
policies, each with who, when and the client's IP address. Append-only (SecurityEvent).

The writers of those changes record them here in the same transaction as the change (portal.services
for roles, api.services for keys and tokens), and portal.receivers for what the login reports. An
event about an account goes to the log of every active customer the account is a contact of; an
address that belongs to no contact leaves no trace (the log is a customer's, and a stranger's
guesses are no customer's business: the login's rate limit deals with them).
"""

import ipaddress
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .accounts import username_for
from .models import Contact, Customer, Membership, Role, SecurityEvent, SecurityEventKind

# Who did it: an account (a contact's or vendor staff's), a contact, or the name of a command.
Actor = AbstractBaseUser | Contact | str | None


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address, read the same way by every caller (the log, the login's limits).

    `REMOTE_ADDR`, unless `TRUST_X_FORWARDED_FOR` says a proxy in front of the portal appends the
    address it saw to `X-Forwarded-For`: then the last address of that header, the one our proxy wrote
    (anything before it is whatever the client chose to send). None when neither holds an IP address.
    """
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if _is_ip(forwarded):
            return forwarded
    remote = request.META.get("REMOTE_ADDR", "")
    return remote if _is_ip(remote) else None


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _actor_fields(actor: Actor) -> dict:
    if isinstance(actor, Contact):
        actor = actor.user
    if actor is None:
        return {"actor": None, "actor_name": ""}
    if isinstance(actor, str):
        return {"actor": None, "actor_name": actor}
    return {"actor": actor, "actor_name": actor.email or actor.get_username()}


def record(
    *,
    customers: Iterable[Customer | int],
    kind: SecurityEventKind,
    actor: Actor,
    ip: str | None = None,
    subject: str = "",
    details: dict | None = None,
) -> list[SecurityEvent]:
    """Append one event per customer (a Customer or its id). Call it inside the change's transaction."""
    fields = {
        "kind": kind,
        **_actor_fields(actor),
        "subject": subject[:254],
        "details": details or {},
        "ip_address": ip,
    }
    ids = [customer if isinstance(customer, int) else customer.pk for customer in customers]
    return SecurityEvent.objects.bulk_create([SecurityEvent(customer_id=pk, **fields) for pk in ids])


def customers_of(user: AbstractBaseUser) -> list[int]:
    """The active customers whose log hears about `user`'s account."""
    return list(
        Membership.objects.filter(contact__user=user, customer__is_active=True).values_list(
            "customer_id", flat=True
        )
    )


def record_for_account(
    *, user: AbstractBaseUser, kind: SecurityEventKind, ip: str | None, details: dict | None = None
) -> list[SecurityEvent]:
    """An event about an account itself (a login, a second factor): in each of its customers' logs."""
    return record(
        customers=customers_of(user), kind=kind, actor=user, ip=ip, subject=user.email, details=details
    )


def record_failed_login(*, address: str, ip: str | None) -> list[SecurityEvent]:
    """A wrong password for the account of `address` (as typed); nothing for an unknown address."""
    user = _account_of(address)
    if user is None:
        return []
    return record(
        customers=customers_of(user),
        kind=SecurityEventKind.LOGIN_FAILED,
        actor=None,
        ip=ip,
        subject=user.email,
    )


def record_locked_out(*, address: str, ip: str | None) -> list[SecurityEvent]:
    """The login of `address` refused by the failed-login limit (logged once per lockout)."""
    user = _account_of(address)
    if user is None:
        return []
    return record(
        customers=customers_of(user), kind=SecurityEventKind.LOCKED_OUT, actor=None, ip=ip, subject=user.email
    )


def _account_of(address: str) -> AbstractBaseUser | None:
    try:
        username = username_for(address)
    except ValidationError:
        return None
    return get_user_model()._default_manager.filter(username=username).first()


def events_of(customer: Customer) -> QuerySet[SecurityEvent]:
    """The customer's security log, newest first (the index security_customer_recent)."""
    return SecurityEvent.objects.filter(customer=customer).order_by("-created_at", "-id")


def describe(event: SecurityEvent) -> str:
    """The event's details as a sentence in the active language ("" when the kind and subject say it all)."""
    details = event.details or {}
    if event.kind == SecurityEventKind.ROLE_CHANGED:
        return _("van %(old)s naar %(new)s") % {
            "old": _role_label(details.get("old")),
            "new": _role_label(details.get("new")),
        }
    if event.kind in (SecurityEventKind.CONTACT_ADDED, SecurityEventKind.CONTACT_REMOVED):
        return _("rol: %(role)s") % {"role": _role_label(details.get("role"))}
    if event.kind in (SecurityEventKind.API_KEY_CREATED, SecurityEventKind.API_KEY_REVOKED):
        text = _("sleutel %(prefix)s") % {"prefix": details.get("prefix", "")}
        if details.get("scopes"):
            text += "; " + _("rechten: %(scopes)s") % {"scopes": ", ".join(details["scopes"])}
        return text
    if event.kind in (SecurityEventKind.TOKEN_CREATED, SecurityEventKind.TOKEN_REVOKED):
        return _("token %(prefix)s") % {"prefix": details.get("prefix", "")}
    if event.kind in (SecurityEventKind.MFA_ADDED, SecurityEventKind.MFA_REMOVED):
        return str(MFA_TYPES.get(details.get("type"), details.get("type", "")))
    if event.kind == SecurityEventKind.POLICY_CHANGED:
        value = _("ingeschakeld") if details.get("value") else _("uitgeschakeld")
        return f"{POLICIES.get(details.get('policy'), details.get('policy', ''))}: {value}"
    if event.kind in (SecurityEventKind.CHANGE_APPROVED, SecurityEventKind.CHANGE_REJECTED):
        text = _("aangevraagd door %(requester)s") % {"requester": details.get("requested_by", "")}
        if details.get("reason"):
            text += "; " + _("reden: %(reason)s") % {"reason": details["reason"]}
        return text
    if event.kind == SecurityEventKind.SESSIONS_ENDED:
        return _("%(count)s andere sessie(s) beëindigd") % {"count": details.get("count", 0)}
    return ""


def _role_label(value) -> str:
    return str(Role(value).label) if value in Role.values else str(value)


# Labels of the second factors allauth.mfa knows, and of the policies a customer can set.
MFA_TYPES = {
    "totp": gettext_lazy("authenticator-app"),
    "recovery_codes": gettext_lazy("herstelcodes"),
    "webauthn": gettext_lazy("beveiligingssleutel of passkey"),
}
POLICIES = {
    "mfa_required": gettext_lazy("verplichte tweestapsverificatie"),
    "four_eyes": gettext_lazy("vier-ogenprincipe"),
}
