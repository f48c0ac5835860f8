from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import SuspiciousOperation
from django.http import QueryDict
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from . import sessions
from .i18n import supported_language
from .selectors import CustomerNotChosen, VendorStaff, mfa_enabled_for, mfa_required_for


class ChooseCustomerMiddleware:
    """Sends a contact of several customers that has not chosen one yet to "Organisatie kiezen", and
    vendor staff without a contact from the portal's pages to the back office."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, VendorStaff):
            return redirect("admin:index")
        if not isinstance(exception, CustomerNotChosen):
            return None
        url = reverse("portal:choose_customer")
        # After choosing, come back to the page asked for; a POST cannot be replayed, so not after one.
        if request.method in ("GET", "HEAD"):
            url += "?" + urlencode({"next": request.get_full_path()})
        return redirect(url)


SESSION_ENDED = {
    sessions.IDLE: _("U bent uitgelogd omdat u een tijd niets in het portaal hebt gedaan. Log opnieuw in."),
    sessions.ABSOLUTE: _("Uw sessie was de maximale tijd ingelogd en is beëindigd. Log opnieuw in."),
}


class SessionTimeoutMiddleware:
    """Logs out a session past its idle timeout or its absolute lifetime (portal.sessions), before any
    view; LoginRequiredMiddleware then sends a page request to the login, which comes back to it.

    A form sent after the end goes to the login page without coming back (a POST cannot be replayed).
    Between AuthenticationMiddleware and MessageMiddleware's users, after MessageMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            ended = sessions.expiry(request.session)
            if ended is None:
                sessions.touch(request.session)
            else:
                logout(request)
                messages.info(request, SESSION_ENDED[ended])
                if request.method not in ("GET", "HEAD"):
                    return redirect(settings.LOGIN_URL)
        return self.get_response(request)


class RequireMfaMiddleware:
    """Sends an account that must use two-step verification (portal.selectors.mfa_required_for) and has
    none yet to set it up, before any other page: to "Beveiliging", or allauth's page for an account
    without a contact (vendor staff).

    Open on the way there: the setup pages themselves (allauth's under /account/, re-authentication
    included), logout, the language switch, static files, the health checks, and the HTTP API (keys, not
    sessions).
    """

    OPEN = ("/account/", "/logout/", "/i18n/", "/api/", "/ProfitRestServices/", "/health", "/ready", "/live")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not self._is_open(request.path_info)
            and mfa_required_for(user)
            and not mfa_enabled_for(user)
        ):
            return redirect(self._setup_url(request))
        return self.get_response(request)

    def _is_open(self, path: str) -> bool:
        static = "/" + settings.STATIC_URL.lstrip("/")
        return path.startswith((*self.OPEN, static)) or path == reverse("portal:security")

    @staticmethod
    def _setup_url(request) -> str:
        if hasattr(request.user, "contact"):
            return reverse("portal:security")
        return reverse("mfa_index")


class ChosenLanguageMiddleware(LocaleMiddleware):
    """Dutch unless the visitor chose another language in the menu (the cookie set_language sets).

    Django's own middleware would follow the browser's Accept-Language; the portal is Dutch by
    default whatever the browser says.
    """

    def process_request(self, request):
        translation.activate(supported_language(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)))
        request.LANGUAGE_CODE = translation.get_language()


NUL = "\x00"


class NulByteInRequest(SuspiciousOperation):
    """A NUL byte in the path, a query or form key or value, or a cookie: Django answers 400 (400.html)."""


class RefuseNulBytesMiddleware:
    """Refuses a request with a NUL byte in its path, query string, form data or cookies, before any view.

    PostgreSQL cannot hold NUL in text, so a search, filter or session key with one fails in the
    database (500). No browser sends one from a link, form or cookie; only a hand-made request does.
    Refused rather than stripped: stripping would quietly search for, store or check (a password)
    something other than what was sent, while a refusal leaves nothing half-understood.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            NUL in request.path_info
            or _holds_nul(request.GET)
            or _holds_nul(request.POST)
            or _cookies_hold_nul(request.COOKIES)
        ):
            raise NulByteInRequest("NUL byte in the path, query string, form data or cookies")
        return self.get_response(request)


def _holds_nul(data: QueryDict) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in data.lists())


def _cookies_hold_nul(cookies: dict[str, str]) -> bool:
    return any(NUL in name or NUL in value for name, value in cookies.items())
