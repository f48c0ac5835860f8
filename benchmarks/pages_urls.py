"""The portal's URLs plus bench_pages' yardstick: a view that does what every portal page does before
its own work (session, login, the customer it acts for, through the same middleware) and nothing else."""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.http import require_safe

from portal.selectors import current_membership
from portal.urls import urlpatterns as portal_urlpatterns

NO_OP_PATH = "bench/no-op/"


@require_safe
def no_op(request):
    current_membership(request)
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path(NO_OP_PATH, no_op, name="bench_no_op"), *portal_urlpatterns]
