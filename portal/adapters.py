"""How django-allauth behaves in the portal: no signup, `next` by the portal's own rule, Dutch refusals,
and the reset link to the address stored on the account."""

import math

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from . import security, tasks
from .redirects import is_local_path

INVALID_LOGIN = _("Dit e-mailadres en wachtwoord horen niet bij elkaar. Let op hoofdletters.")
TOO_MANY_LOGIN_ATTEMPTS = _(
    "Te veel mislukte inlogpogingen voor dit account of vanaf dit adres. Inloggen is tijdelijk "
    "geblokkeerd, ook met het goede wachtwoord; probeer het over hoogstens %(minutes)s minuten opnieuw."
)


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_password_mismatch": INVALID_LOGIN,
        "invalid_login": INVALID_LOGIN,
    }

    def is_open_for_signup(self, request) -> bool:
        # Contacts come by invitation (portal.services.invite_contact), staff accounts from the vendor.
        return False

    def is_safe_url(self, url: str) -> bool:
        """A `next` allauth follows (after login, logout, a reset, a second step) is one every other view
        of the portal would follow: a local path, and not the page it was sent from."""
        request = context.request
        return request is not None and is_local_path(request, url or "")

    def send_password_reset_mail(self, user, email: str, context: dict) -> None:
        # The link goes to the address stored on the account, never to the one typed in the form.
        super().send_password_reset_mail(user, user.email, context)

    # --- The protection half (README "Security") ---------------------------------------------------------

    def get_client_ip(self, request) -> str:
        """allauth's limits per IP and its session list read the address as the security log does."""
        ip = security.client_ip(request)
        if ip is None:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def validation_error(self, code, *args) -> ValidationError:
        if code == "too_many_login_attempts":
            minutes = math.ceil(settings.LOGIN_LOCKOUT / 60)
            return ValidationError(TOO_MANY_LOGIN_ATTEMPTS % {"minutes": minutes}, code=code)
        return super().validation_error(code, *args)

    def pre_authenticate(self, request, **credentials) -> None:
        """allauth's count of failed logins (per account and per IP); a refused attempt is logged once
        per lockout in the security log of the account's customers."""
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            address = str(credentials.get("username") or credentials.get("email") or "")
            if cache.add(f"portal:lockout-logged:{address.lower()}", True, settings.LOGIN_LOCKOUT):
                security.record_locked_out(address=address, ip=security.client_ip(request))
            raise

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Every e-mail of allauth is rendered here and sent by a Celery task, outside the request."""
        request = globals()["context"].request
        base = {"request": request, "email": email, "current_site": get_current_site(request)}
        message = self.render_mail(template_prefix, email, {**base, **context})
        html = [
            content for content, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"
        ]
        tasks.send_email.delay(
            subject=message.subject,
            body=message.body,
            to=list(message.to),
            from_email=message.from_email,
            html=html[0] if html else None,
        )
