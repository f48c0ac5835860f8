"""The four-eyes pages: the policy (Beheerders), the changes waiting for approval (every contact), and a
second Beheerder's decision on one of them. The mutation form hands its change to `propose_or_change`."""

import copy

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from licensing.models import LicenseLine
from portal.confirm import CONFIRM, STATE, confirmation
from portal.pages import for_current_customer
from portal.security import client_ip
from portal.selectors import contact_for

from . import selectors, services
from .forms import DecisionForm, PolicyForm

DECIDED_SHOWN = 25


@require_http_methods(["GET", "HEAD", "POST"])
@for_current_customer(change=True)
def policy(request, membership):
    customer = membership.customer
    current = services.policy_for(customer.pk)
    form = PolicyForm(request.POST if request.method == "POST" else None, initial=_initial(current))
    if form.is_valid():
        try:
            outcome = services.propose_policy(
                customer=customer, by=membership.contact, ip=client_ip(request), **form.cleaned_data
            )
        except services.ApprovalError as refusal:
            form.add_error(None, refusal.message)
        else:
            if isinstance(outcome, services.FourEyesPolicy):
                messages.success(request, _("Het vier-ogenprincipe is uitgeschakeld."))
            else:
                messages.success(
                    request, _("Uw wijziging van het beleid wacht op goedkeuring van een andere Beheerder.")
                )
            return redirect("licensing:four_eyes")
    context = {
        "form": form,
        "policy": current,
        "beheerders": services.beheerder_count(customer.pk),
        "open_policy": selectors.open_changes(customer).filter(kind="policy").first(),
    }
    return render(request, "approvals/policy.html", context, status=400 if form.is_bound else 200)


def _initial(current) -> dict:
    return {
        **services.policy_values(current),
        "enabled": "1" if current.enabled else "0",
        "raise_above_amount": current.raise_above_amount,
    }


@require_safe
@for_current_customer()
def pending_list(request, membership):
    context = {
        "open": list(selectors.open_changes(membership.customer)),
        "decided": selectors.decided_changes(membership.customer)[:DECIDED_SHOWN],
        "can_decide": membership.is_beheerder,
        "me": request.user.pk,
        "form": DecisionForm(),
    }
    return render(request, "approvals/pending_list.html", context)


@require_POST
@for_current_customer(change=True)
def decide(request, membership, change_id, approve: bool):
    change = selectors.change_of(membership.customer, change_id)
    form = DecisionForm(request.POST)
    form.is_valid()
    decide_with = services.approve if approve else services.reject
    try:
        decide_with(
            pending_id=change.pk,
            customer_id=membership.customer_id,
            by=contact_for(request),
            reason=form.cleaned_data.get("reason", ""),
            ip=client_ip(request),
        )
    except services.DomainError as refusal:
        messages.error(request, refusal.message)
        return redirect(f"{reverse('licensing:pending_changes')}#change-{change.pk}")
    messages.success(request, _("Goedgekeurd en doorgevoerd.") if approve else _("Afgewezen."))
    return redirect("licensing:pending_changes")


def proposed_message(pending) -> str:
    return _(
        "%(item)s (%(scope)s) naar %(quantity)s wacht op goedkeuring van een andere Beheerder "
        "(vier-ogenprincipe). De andere Beheerders hebben een e-mail gekregen."
    ) % {
        "item": pending.line.get_item_display(),
        "scope": pending.line.get_scope_display(),
        "quantity": pending.quantity,
    }


def ask_to_replace(request, *, line: LicenseLine, refusal, quantity: int, acknowledge: bool):
    """The confirmation that a new change replaces the one already waiting on this line. It keeps the
    state of a raise's confirmation that the post carried, so that one need not be given twice."""
    asking = copy.copy(request)
    asking.POST = request.POST.copy()
    asking.POST.pop(CONFIRM, None)
    fields = {"quantity": quantity, "replace": refusal.details["pending_id"]}
    if acknowledge:
        fields["acknowledge_deviation"] = "on"
    names = {"item": line.get_item_display(), "scope": line.get_scope_display()}
    return confirmation(
        asking,
        title=_("Openstaande wijziging van %(item)s (%(scope)s) vervangen?") % names,
        consequences=[
            _("Er wacht al een wijziging naar %(old)s op goedkeuring.")
            % {"old": refusal.details["quantity"]},
            _("Die vervalt; uw wijziging naar %(new)s wacht dan op goedkeuring.") % {"new": quantity},
        ],
        fields=fields,
        state=request.POST.get(STATE) or f"replace:{refusal.details['pending_id']}",
        button=_("Vervangen"),
        cancel_url=reverse("licensing:pending_changes"),
    )
