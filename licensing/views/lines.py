"""Licentiedata, the mutation form per line and the mutation history."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from licensing.approvals import views as approvals_views
from licensing.approvals.selectors import open_by_line, open_change_of_line
from licensing.approvals.services import PendingChangeExists, change_or_propose
from licensing.forms import LineQuantityForm, typed_quantity
from licensing.licentiedata import license_overview
from licensing.maintenance.cleanup import what_if
from licensing.overview_rows import rendered_sections
from licensing.pricing.money import format_money
from licensing.pricing.selectors import schedule_for
from licensing.pricing.tiers import price_for
from licensing.recount import recount_customer
from licensing.selectors import license_line_for, mutation_history
from licensing.services import (
    BelowInUse,
    DeviationNotAcknowledged,
    LicenseError,
)
from portal.pages import for_current_customer, page_of
from portal.selectors import as_id, contact_for

from .line_confirm import allowed_range, price_preview, raise_confirmation

MUTATIONS_PER_PAGE = 25


@require_GET
@for_current_customer()
def overview(request, membership):
    report, groups, total = license_overview(membership.customer, charts=False)
    waiting = open_by_line(membership.customer)
    for group in groups:
        for row in group.rows:
            row.line.pending_change = waiting.get(row.line.pk)
    can_change = membership.is_beheerder
    sections = rendered_sections(groups, counted_at=report.counted_at, can_change=can_change)
    return render(
        request,
        "licensing/overview.html",
        {"report": report, "groups": groups, "sections": sections, "total": total, "can_change": can_change},
    )


@require_POST
@for_current_customer(change=True)
def recount(request, membership):
    result = recount_customer(customer=membership.customer)
    messages.success(
        request, _("Opnieuw geteld: %(changed)s licentieregels gewijzigd.") % {"changed": result.changed}
    )
    return redirect("licensing:overview")


@require_http_methods(["GET", "POST"])
@for_current_customer()
def line_change(request, membership, line_id):
    contact = contact_for(request)
    line = license_line_for(contact, membership.customer, line_id, change=True)
    if request.method == "POST":
        form = LineQuantityForm(request.POST)
    else:
        # Back from blocking users in the what-if list: the number typed before is still there.
        form = LineQuantityForm(initial={"quantity": typed_quantity(request.GET.get("quantity"))})
    cleanup, return_to, preview = None, "", ""
    schedule = schedule_for(edition=line.license.edition, item=line.item)
    if request.method == "POST" and form.is_valid() and "preview" in request.POST:
        # "Prijs berekenen": what the typed number would cost; nothing is changed or confirmed.
        preview = price_preview(line, form.cleaned_data["quantity"], schedule=schedule)
    elif request.method == "POST" and form.is_valid():
        quantity = form.cleaned_data["quantity"]
        acknowledge = form.cleaned_data["acknowledge_deviation"]
        if asking := raise_confirmation(request, line=line, quantity=quantity, acknowledge=acknowledge):
            return asking
        try:
            outcome = change_or_propose(
                line=line,
                by=contact,
                quantity=quantity,
                acknowledge_deviation=acknowledge,
                replace=as_id(request.POST.get("replace")),
            )
        except PendingChangeExists as refusal:
            return approvals_views.ask_to_replace(
                request, line=line, refusal=refusal, quantity=quantity, acknowledge=acknowledge
            )
        except BelowInUse as refusal:
            form.add_error("quantity", refusal.message)
            form.add_error("quantity", refusal.shortfall)
            # What-if: the cleanup candidates that together would free enough for the requested number.
            cleanup = what_if(
                line=line, requested=refusal.details["requested"], in_use=refusal.details["in_use"]
            )
            # Blocking one of them comes back to this form with the number typed.
            return_to = f"{request.path}?quantity={quantity}"
        except DeviationNotAcknowledged as refusal:
            form.add_error("acknowledge_deviation", refusal.message)
        except LicenseError as refusal:
            form.add_error("quantity", refusal.message)
        else:
            if outcome.pending is not None:
                messages.success(request, approvals_views.proposed_message(outcome.pending))
                return redirect("licensing:pending_changes")
            messages.success(request, _changed_message(line, outcome.mutation))
            return redirect(f"{reverse('licensing:overview')}#line-{line.id}")
        line.refresh_from_db()
    return render(
        request,
        "licensing/line_change.html",
        {
            "line": line,
            "form": form,
            "what_if": cleanup,
            "allowed": allowed_range(line),
            "return_to": return_to,
            "schedule": schedule,
            "price": price_for(line.maximum, schedule) if schedule else None,
            "preview": preview,
            "pending": open_change_of_line(line),
        },
    )


def _changed_message(line, mutation) -> str:
    text = _(
        "%(item)s (%(scope)s): maximum en portaalaantal zijn nu %(quantity)s; "
        "in gebruik %(in_use)s, beschikbaar %(available)s."
    ) % {
        "item": line.get_item_display(),
        "scope": line.get_scope_display(),
        "quantity": mutation.new_quantity,
        "in_use": mutation.in_use,
        "available": mutation.new_quantity - mutation.in_use,
    }
    if mutation.new_price is not None:
        text += " " + _("Prijs per maand: %(price)s.") % {"price": format_money(mutation.new_price)}
    return text


@require_GET
@for_current_customer()
def mutations(request, membership):
    page = page_of(request, mutation_history(membership.customer), MUTATIONS_PER_PAGE)
    return render(request, "licensing/mutations.html", {"page": page, "customer": membership.customer})
