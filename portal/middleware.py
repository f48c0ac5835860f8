from urllib.parse import urlencode

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

from .i18n import supported_language
from .selectors import CustomerNotChosen, VendorStaff


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


class ChosenLanguageMiddleware(LocaleMiddleware):
    """Dutch unless the visitor chose another language in the menu (the cookie set_language sets).

    Django's own middleware would follow the browser's Accept-Language; the portal is Dutch by
    default whatever the browser says.
    """

    def process_request(self, request):
        translation.activate(supported_language(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)))
        request.LANGUAGE_CODE = translation.get_language()
