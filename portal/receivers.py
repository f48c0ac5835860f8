"""What the login tells the tenancy core: the session's lifetime starts, and the security log hears of
logins and failed logins (Django's own signals, which django-allauth's login sends too) and of second
factors set up or removed (allauth.mfa's)."""

from allauth.mfa.signals import authenticator_added, authenticator_removed, authenticator_reset
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from . import security, sessions
from .models import SecurityEventKind


@receiver(user_logged_in, dispatch_uid="portal.logged_in")
def logged_in(sender, request, user, **kwargs) -> None:
    if request is None:
        return
    sessions.start(request.session)
    security.record_for_account(user=user, kind=SecurityEventKind.LOGIN, ip=security.client_ip(request))


@receiver(user_login_failed, dispatch_uid="portal.login_failed")
def login_failed(sender, credentials, request=None, **kwargs) -> None:
    # The credentials as Django passes them on: the password is masked, the address is as typed.
    address = credentials.get("username") or credentials.get("email") or ""
    ip = security.client_ip(request) if request is not None else None
    security.record_failed_login(address=str(address), ip=ip)


@receiver(authenticator_added, dispatch_uid="portal.mfa_added")
@receiver(authenticator_reset, dispatch_uid="portal.mfa_reset")
def mfa_added(sender, request, user, authenticator, **kwargs) -> None:
    _record_mfa(request, user, authenticator, SecurityEventKind.MFA_ADDED)


@receiver(authenticator_removed, dispatch_uid="portal.mfa_removed")
def mfa_removed(sender, request, user, authenticator, **kwargs) -> None:
    _record_mfa(request, user, authenticator, SecurityEventKind.MFA_REMOVED)


def _record_mfa(request, user, authenticator, kind: SecurityEventKind) -> None:
    ip = security.client_ip(request) if request is not None else None
    security.record_for_account(user=user, kind=kind, ip=ip, details={"type": authenticator.type})
