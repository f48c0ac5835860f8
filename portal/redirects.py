"""Where to go after a form: the `next` a request carries, if it is a path on this site."""

from urllib.parse import urlsplit

from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

NEXT = "next"


def next_url(request: HttpRequest, *, default: str | None = None) -> str:
    """The request's `next` (form field first, then query) when it is a local path of this site,
    else `default` (the dashboard unless given).

    Every reader of `next` goes through here. A relative value ("foo") would be reversed as a URL name by
    `redirect()` (NoReverseMatch) and resolved against the current page by a browser, a value with a host
    or scheme leaves the site, and the page's own path would bring the visitor back to where it is (the
    login page of a logged-in user answers that with an error): all fall back.
    """
    value = request.POST.get(NEXT) or request.GET.get(NEXT) or ""
    if not is_local_path(request, value):
        return reverse("dashboard") if default is None else default
    return value


def is_local_path(request: HttpRequest, value: str) -> bool:
    """True for a path of this site (with its query) that is not the path of `request` itself."""
    if not value.startswith("/") or not url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return False
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc and parts.path != request.path
