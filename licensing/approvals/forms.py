"""Forms of the four-eyes pages: parsing only; the rules live in services."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from licensing.forms import QuantityField

from .services import REASON_NEEDED


class PolicyForm(forms.Form):
    enabled = forms.TypedChoiceField(
        label=_("Vier-ogenprincipe"),
        choices=[("1", _("Aan")), ("0", _("Uit"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    lowering = forms.BooleanField(label=_("Bij elke verlaging van een aantal"), required=False)
    raise_above = QuantityField(
        label=_("Bij een verhoging naar meer dan dit aantal (leeg: verhogen zonder goedkeuring)"),
        required=False,
    )
    raise_above_amount = forms.DecimalField(
        label=_("Bij een verhoging naar een maandprijs boven dit bedrag in euro (leeg: geen bedraggrens)"),
        help_text=_(
            "De maandprijs van de licentieregel na de wijziging, volgens de prijslijst die nu geldt. "
            "Een regel zonder prijslijst valt niet onder deze grens."
        ),
        min_value=Decimal("0"),
        max_value=Decimal("99999999.99"),
        max_digits=10,
        decimal_places=2,
        localize=True,
        required=False,
    )
    every_change = forms.BooleanField(label=_("Bij elke wijziging"), required=False)


class DecisionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reden"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": REASON_NEEDED},
    )
