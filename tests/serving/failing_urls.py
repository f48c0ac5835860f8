"""The portal's URLs plus one that fails: the 500 page's headers (test_security_headers.py)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from portal.urls import urlpatterns as portal_urlpatterns


@login_not_required
def fail(request):
    raise RuntimeError("a failure the 500 page answers")


urlpatterns = [path("kapot/", fail), *portal_urlpatterns]
