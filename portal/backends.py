"""Django's and allauth's authentication backends, loading the logged-in user together with its
two-step verification policy and state (two EXISTS in the one query that loads the user), so that
portal.middleware.RequireMfaMiddleware costs a page no query and never reads a stale answer."""

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import backends, get_user_model

from .selectors import has_second_step, requires_mfa


class WithMfaState:
    def get_user(self, user_id):
        users = get_user_model()._default_manager.annotate(
            portal_mfa_required=requires_mfa(), portal_has_second_step=has_second_step()
        )
        user = users.filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(WithMfaState, backends.ModelBackend):
    """Finds the account by its username, the normalised e-mail address (portal.accounts)."""


class AllauthBackend(WithMfaState, AuthenticationBackend):
    """Finds the account by its allauth EmailAddress rows."""
