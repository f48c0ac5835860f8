"""Signalen: the built-in signal and the customer's copies, their state; copy and adjust one."""

from functools import partial

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from environments.vocabulary import Item, Scope
from licensing.models import MAX_QUANTITY
from licensing.monitoring.selectors import signal_for, signal_rows
from licensing.monitoring.services import (
    MonitoringError,
    copy_name,
    signal_copy,
    signal_delete,
    signal_update,
)
from portal.models import Contact
from portal.pages import for_current_customer
from portal.selectors import beheerder_names


class SignalForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Naam"), max_length=200)
    item = forms.ChoiceField(label=gettext_lazy("Onderdeel"), choices=Item.choices)
    scope = forms.ChoiceField(
        label=gettext_lazy("Bereik"),
        choices=[("", gettext_lazy("Elk bereik")), *Scope.choices],
        required=False,
    )
    threshold = forms.IntegerField(
        label=gettext_lazy("Signaal als er minder beschikbaar zijn dan"), min_value=0, max_value=MAX_QUANTITY
    )
    recipients = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Extra ontvangers"),
        queryset=Contact.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("De Beheerders krijgen het bericht altijd."),
    )
    is_active = forms.BooleanField(label=gettext_lazy("Actief"), required=False)

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        # Only contacts of this customer can be chosen; anything else is "not a valid choice".
        self.fields["recipients"].queryset = Contact.objects.filter(
            memberships__customer=customer
        ).select_related("user")


@require_GET
@for_current_customer()
def signal_list(request, membership):
    return render(
        request,
        "licensing/signals.html",
        {
            "rows": signal_rows(membership.customer),
            "can_change": membership.is_beheerder,
            # Read only when the page names them (for a Medewerker): a callable the template calls.
            "beheerders": partial(beheerder_names, membership.customer),
        },
    )


def _cleaned(form) -> dict:
    return {**form.cleaned_data, "recipients": list(form.cleaned_data["recipients"])}


@require_http_methods(["GET", "POST"])
@for_current_customer()
def signal_copy_view(request, membership, signal_id):
    """The copy form, filled in from the original: the copy exists only once it is saved."""
    signal = signal_for(membership, signal_id, change=True)
    own = signal.customer_id == membership.customer_id
    initial = {
        "name": copy_name(signal),
        "item": signal.item,
        "scope": signal.scope,
        "threshold": signal.threshold,
        "recipients": list(signal.recipients.all()) if own else [],
        "is_active": True,
    }
    form = SignalForm(request.POST or None, initial=initial, customer=membership.customer)
    if request.method == "POST" and form.is_valid():
        try:
            signal_copy(signal=signal, customer=membership.customer, **_cleaned(form))
        except MonitoringError as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(
                request, _("De kopie is opgeslagen. Ze geldt vanaf de volgende nachtelijke run.")
            )
            return redirect("licensing:signals")
    return render(request, "licensing/signal_form.html", {"form": form, "signal": signal, "copying": True})


@require_POST
@for_current_customer()
def signal_delete_view(request, membership, signal_id):
    signal = signal_for(membership, signal_id, edit=True)
    signal_delete(signal=signal)
    messages.success(request, _("Het signaal “%(name)s” is verwijderd.") % {"name": signal.display_name})
    return redirect("licensing:signals")


@require_http_methods(["GET", "POST"])
@for_current_customer()
def signal_edit(request, membership, signal_id):
    signal = signal_for(membership, signal_id, edit=True)
    initial = {
        "name": signal.name,
        "item": signal.item,
        "scope": signal.scope,
        "threshold": signal.threshold,
        "recipients": list(signal.recipients.all()),
        "is_active": signal.is_active,
    }
    form = SignalForm(request.POST or None, initial=initial, customer=membership.customer)
    if request.method == "POST" and form.is_valid():
        try:
            signal_update(signal=signal, **_cleaned(form))
        except MonitoringError as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(
                request, _("Het signaal is opgeslagen. Het geldt vanaf de volgende nachtelijke run.")
            )
            return redirect("licensing:signals")
    return render(request, "licensing/signal_form.html", {"form": form, "signal": signal})
