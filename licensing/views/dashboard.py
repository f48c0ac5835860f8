"""The dashboard, the portal's start page: environments per type, the edition, lines that need attention."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from licensing.dashboard import dashboard_for
from portal.selectors import current_membership


@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    membership = current_membership(request)
    return render(request, "portal/dashboard.html", {"dashboard": dashboard_for(membership.customer)})
