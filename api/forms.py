from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ApiKey, ApiScope


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Naam"),
        max_length=ApiKey._meta.get_field("name").max_length,
        help_text=_("Waarvoor de sleutel dient, bijvoorbeeld 'Power BI' of 'HR-koppeling'."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Rechten"), choices=ApiScope.choices, widget=forms.CheckboxSelectMultiple
    )
    expires = forms.DateField(
        label=_("Geldig tot en met"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Leeg: geldig tot u de sleutel intrekt."),
    )
