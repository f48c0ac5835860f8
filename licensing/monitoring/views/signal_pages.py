"""Signalen: the built-in signal and the customer's copies, their state; copy and adjust one."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from environments.vocabulary import Item, Scope
from licensing.models import MAX_QUANTITY
from licensing.monitoring.selectors import signal_for, signal_rows
from licensing.monitoring.services import MonitoringError, signal_copy, signal_update
from portal.models import Contact
from portal.pages import for_current_customer


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
        {"rows": signal_rows(membership.customer), "can_change": membership.is_beheerder},
    )


@require_POST
@for_current_customer()
def signal_copy_view(request, membership, signal_id):
    signal = signal_for(membership, signal_id, change=True)
    copy = signal_copy(signal=signal, customer=membership.customer)
    messages.success(request, _("Het signaal is gekopieerd. Pas de kopie hieronder aan."))
    return redirect("licensing:signal_edit", signal_id=copy.id)


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
            signal_update(
                signal=signal, **{**form.cleaned_data, "recipients": list(form.cleaned_data["recipients"])}
            )
        except MonitoringError as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(
                request, _("Het signaal is opgeslagen. Het geldt vanaf de volgende nachtelijke run.")
            )
            return redirect("licensing:signals")
    return render(request, "licensing/signal_form.html", {"form": form, "signal": signal})
