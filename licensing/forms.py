"""Forms of the licensing pages: parsing and input checks only; the rules live in services."""

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from .models import MAX_QUANTITY, LicenseLine
from .services import QUANTITY_OUT_OF_RANGE, REQUEST_NEEDS_QUANTITY, REQUEST_NEEDS_SUBJECT


def _out_of_range() -> str:
    return QUANTITY_OUT_OF_RANGE % {"max": MAX_QUANTITY}


OUT_OF_RANGE = lazy(_out_of_range, str)()


class QuantityField(forms.IntegerField):
    """A whole number 0…MAX_QUANTITY written in plain digits: "1e3", "12.0" and "-1" are form errors."""

    default_error_messages = {
        "required": REQUEST_NEEDS_QUANTITY,
        "invalid": OUT_OF_RANGE,
        "min_value": OUT_OF_RANGE,
        "max_value": OUT_OF_RANGE,
    }

    def __init__(self, **kwargs):
        super().__init__(min_value=0, max_value=MAX_QUANTITY, **kwargs)
        self.widget.attrs.setdefault("inputmode", "numeric")

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip()
            if value and not (value.isascii() and value.isdigit()):
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


def typed_quantity(value: str | None) -> int | None:
    """A quantity carried in a link (`?quantity=18`), or None when it is not one the form takes."""
    if value and value.isascii() and value.isdigit() and len(value) <= len(str(MAX_QUANTITY)):
        number = int(value)
        return number if number <= MAX_QUANTITY else None
    return None


class LineQuantityForm(forms.Form):
    """The mutation form: the only form in the project with a field named `quantity`."""

    quantity = QuantityField(
        label=_("Nieuw aantal"), widget=forms.NumberInput(attrs={"aria-describedby": "quantity-range"})
    )
    acknowledge_deviation = forms.BooleanField(
        label=_("Ik heb bekeken waar wij feitelijk recht op hebben."),
        required=False,
    )


class LicenseRequestForm(forms.Form):
    line = forms.ModelChoiceField(
        label=_("Licentieregel"),
        queryset=LicenseLine.objects.none(),
        required=False,
        empty_label=_("— geen: een ander onderwerp —"),
    )
    subject = forms.CharField(label=_("Onderwerp"), max_length=200, required=False)
    desired_quantity = QuantityField(label=_("Gewenst aantal"), required=False)
    motivation = forms.CharField(
        label=_("Motivatie"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].queryset = lines
        self.fields["line"].label_from_instance = lambda line: (
            f"{line.get_item_display()} — {line.get_scope_display()}"
        )

    def clean(self):
        cleaned = super().clean()
        line, subject = cleaned.get("line"), (cleaned.get("subject") or "").strip()
        if "line" in cleaned and line is None and not subject:
            self.add_error("subject", REQUEST_NEEDS_SUBJECT)
        if (
            line is not None
            and cleaned.get("desired_quantity") is None
            and "desired_quantity" not in self.errors
        ):
            self.add_error("desired_quantity", REQUEST_NEEDS_QUANTITY)
        return cleaned
