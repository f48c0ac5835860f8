from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from .models import Role

# "No role" travels as this value: an empty choice would be indistinguishable from a missing field.
NO_ROLE = "geen"
ROLE_CHOICES = [(role.value or NO_ROLE, role.label) for role in Role]


class LoginForm(auth_forms.AuthenticationForm):
    """Log in with the e-mail address, which is the username of every contact."""

    username = forms.EmailField(
        label=_("E-mailadres"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": _("Dit e-mailadres en wachtwoord horen niet bij elkaar. Let op hoofdletters."),
    }

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip().lower()


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Also sends a link to an invited contact that never set a password (and lost the invitation)."""

    def get_users(self, email):
        return get_user_model()._default_manager.filter(
            email__iexact=email, is_active=True, contact__isnull=False
        )


class InviteForm(forms.Form):
    name = forms.CharField(label=_("Naam"), max_length=200)
    # The e-mail address becomes the username, which holds at most 150 characters.
    email = forms.EmailField(label=_("E-mailadres"), max_length=150)
    role = forms.TypedChoiceField(
        label=_("Rol"),
        choices=ROLE_CHOICES,
        initial=Role.MEDEWERKER,
        coerce=lambda value: "" if value == NO_ROLE else value,
    )


class RoleForm(forms.Form):
    role = forms.TypedChoiceField(
        label=_("Rol"), choices=ROLE_CHOICES, coerce=lambda value: "" if value == NO_ROLE else value
    )
