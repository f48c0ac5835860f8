"""Afwijkingen en signalen: the customer's warnings, open first, then the history; acknowledge one."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from licensing.monitoring.models import WarningKind
from licensing.monitoring.selectors import live_deviations, warning_for, warnings_of
from licensing.monitoring.services import MonitoringError, warning_acknowledge
from portal.pages import for_current_customer, page_of
from portal.selectors import contact_for

WARNINGS_PER_PAGE = 50


@require_GET
@for_current_customer()
def warning_list(request, membership):
    kind = request.GET.get("soort", "")
    page = page_of(request, warnings_of(membership.customer, kind=kind), WARNINGS_PER_PAGE)
    # The live deviations are open until the nightly run: on the first page, unless another kind is asked.
    show_live = page.number == 1 and kind in ("", WarningKind.DEVIATION)
    return render(
        request,
        "licensing/warnings.html",
        {
            "page": page,
            "open": [w for w in page.object_list if w.is_open],
            "live": live_deviations(membership.customer) if show_live else [],
            "history": [w for w in page.object_list if not w.is_open],
            "kinds": WarningKind.choices,
            "kind": kind if kind in WarningKind.values else "",
            "can_change": membership.is_beheerder,
        },
    )


@require_POST
@for_current_customer()
def warning_acknowledge_view(request, membership, warning_id):
    warning = warning_for(membership, warning_id, change=True)
    try:
        warning_acknowledge(warning=warning, by=contact_for(request))
    except MonitoringError as refusal:
        messages.info(request, refusal.message)
    else:
        messages.success(request, _("De melding is als gezien bevestigd."))
    return redirect("licensing:warnings")
