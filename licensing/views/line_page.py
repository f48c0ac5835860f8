"""The page of one license line: its numbers and its usage chart with forecast."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from licensing.approvals.selectors import open_change_of_line
from licensing.monitoring.selectors import line_warnings
from licensing.selectors import license_line_for
from portal.pages import for_current_customer
from portal.selectors import contact_for


@require_GET
@for_current_customer()
def line_detail(request, membership, line_id):
    line = license_line_for(contact_for(request), membership.customer, line_id)
    warnings = line_warnings(line)
    return render(
        request,
        "licensing/line_detail.html",
        {
            "line": line,
            "warnings": warnings,
            "can_change": membership.is_beheerder,
            "pending": open_change_of_line(line),
        },
    )
