"""How django-allauth behaves in the portal: no signup, `next` by the portal's own rule, Dutch refusals,
and the reset link to the address stored on the account."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from django.utils.translation import gettext_lazy as _

from .redirects import is_local_path

INVALID_LOGIN = _("Dit e-mailadres en wachtwoord horen niet bij elkaar. Let op hoofdletters.")


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
