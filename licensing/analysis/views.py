"""Licentietelling analyse: have it e-mailed to your own address, or download it directly."""

import tempfile

from django import forms
from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from portal.pages import for_current_customer

from .delivery import ON_ITS_WAY, REQUEST_LIMIT, AnalysisRefused
from .delivery import request_analysis as request_analysis_service
from .workbook import XLSX_CONTENT_TYPE, analysis_filename, build_workbook


class AnalysisRequestForm(forms.Form):
    # Filled in with the contact's own address and read-only: the analysis goes nowhere else (the
    # service checks it all the same).
    email = forms.EmailField(
        label=_("Uw e-mailadres"),
        max_length=254,
        help_text=_("Het e-mailadres waarmee u inlogt; de analyse wordt alleen daarheen gestuurd."),
        widget=forms.EmailInput(attrs={"readonly": True, "autocomplete": "email"}),
    )


@require_http_methods(["GET", "POST"])
@for_current_customer()
def request_analysis(request, membership):
    form = AnalysisRequestForm(request.POST or None, initial={"email": membership.contact.email})
    if form.is_valid():
        try:
            request_analysis_service(membership=membership, email=form.cleaned_data["email"])
        except AnalysisRefused as refused:
            form.add_error("email", refused.message)
        else:
            messages.success(request, ON_ITS_WAY % {"email": membership.contact.email})
            return redirect("licensing:analysis")
    return render(
        request,
        "licensing/analysis.html",
        {"form": form, "customer": membership.customer, "request_limit": REQUEST_LIMIT},
    )


@require_GET
@for_current_customer()
def download_analysis(request, membership):
    # A temporary file keeps memory flat however large the workbook; FileResponse closes (removes) it.
    handle = tempfile.TemporaryFile()  # noqa: SIM115
    build_workbook(customer=membership.customer, output=handle)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=analysis_filename(membership.customer),
        content_type=XLSX_CONTENT_TYPE,
    )
