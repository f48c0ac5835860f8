"""Licentieaanvragen: the customer's requests to the vendor, and a new one."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from licensing.forms import LicenseRequestForm
from licensing.selectors import license_lines, license_requests_of
from licensing.services import LicenseError, request_submit
from portal.pages import for_current_customer
from portal.selectors import contact_for


@require_GET
@for_current_customer()
def request_list(request, membership):
    return render(
        request,
        "licensing/requests.html",
        {"requests": license_requests_of(membership.customer), "can_change": membership.is_beheerder},
    )


@require_http_methods(["GET", "POST"])
@for_current_customer(change=True)
def request_new(request, membership):
    lines = license_lines(membership.customer).select_related("license").order_by("scope", "item")
    data = request.POST if request.method == "POST" else None
    form = LicenseRequestForm(data, lines=lines, initial={"line": request.GET.get("line")})
    if request.method == "POST" and form.is_valid():
        try:
            request_submit(
                customer=membership.customer,
                by=contact_for(request),
                line=form.cleaned_data["line"],
                subject=form.cleaned_data["subject"],
                desired_quantity=form.cleaned_data["desired_quantity"],
                motivation=form.cleaned_data["motivation"],
            )
        except LicenseError as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(
                request, _("Uw licentieaanvraag is ingediend. U krijgt bericht zodra erover is besloten.")
            )
            return redirect("licensing:requests")
    return render(request, "licensing/request_form.html", {"form": form})
