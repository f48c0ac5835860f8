from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

from .selectors import CustomerNotChosen


class ChooseCustomerMiddleware:
    """Sends a contact of several customers that has not chosen one yet to "Organisatie kiezen"."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, CustomerNotChosen):
            return None
        url = reverse("portal:choose_customer")
        # After choosing, come back to the page asked for; a POST cannot be replayed, so not after one.
        if request.method in ("GET", "HEAD"):
            url += "?" + urlencode({"next": request.get_full_path()})
        return redirect(url)
