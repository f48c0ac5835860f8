"""What every portal page needs, whichever app it belongs to: the customer it acts for, pages of a
long list, and the password asked again before a change that matters for security."""

from functools import wraps

from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.core.paginator import Page, Paginator

from . import sessions
from .selectors import current_membership


def for_current_customer(*, change: bool = False):
    """Call `view(request, membership, ...)` with the membership of the customer the request acts for.

    A contact of several customers that chose none yet goes to "Organisatie kiezen" first (through
    portal.middleware.ChooseCustomerMiddleware); with `change`, a contact that is not Beheerder of
    that customer gets 403.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            return view(request, current_membership(request, change=change), *args, **kwargs)

        return wrapper

    return decorator


def page_of(request, rows, per_page: int) -> Page:
    """The page `?page=` asks for, clamped to the first or the last page; anything that is not a whole
    number is the first. A page number never answers 404 (Django's `get_page` sends 0 and -1 to the
    last page)."""
    try:
        number = int(request.GET.get("page", ""))
    except ValueError:  # also a number of more digits than int() reads
        number = 1
    return Paginator(rows, per_page).get_page(max(number, 1))


def recent_login_required(view):
    """Ask for the password (or second factor) again unless the login or the last re-authentication is
    at most ACCOUNT_REAUTHENTICATION_TIMEOUT seconds old (allauth's re-authentication: the request is
    kept and carried out after it). For creating API keys and tokens, changing roles and the two-step
    policy. Place it below the access check, so that who may not do it at all gets 403 first."""
    return reauthentication_required(view, enabled=_login_not_recent)


def _login_not_recent(request) -> bool:
    return not sessions.logged_in_within(request.session, settings.ACCOUNT_REAUTHENTICATION_TIMEOUT)
