from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .accounts import username_for
from .models import Contact, Role
from .selectors import memberships_of

NO_CUSTOMER = _(
    "Uw account is (nog) geen contactpersoon van een klant. Vraag een Beheerder van uw organisatie om "
    "u uit te nodigen."
)

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
        "no_customer": NO_CUSTOMER,
    }

    def clean_username(self) -> str:
        email = self.cleaned_data["username"]
        try:
            return username_for(email)
        except ValidationError:
            # No account can have this username: the usual "do not belong together" answer follows.
            return email

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        # A contact removed from its last customer keeps its account (so it can be invited again),
        # but has nothing to see; vendor staff without a contact go on to the back office.
        try:
            contact = user.contact
        except Contact.DoesNotExist:
            return
        if not memberships_of(contact).exists():
            raise forms.ValidationError(self.error_messages["no_customer"], code="no_customer")


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Also sends a link to an invited contact that never set a password (and lost the invitation)."""

    def get_users(self, email):
        try:
            username = username_for(email)
        except ValidationError:
            return []
        # The link goes to the address stored on the account, never to the one typed here.
        return get_user_model()._default_manager.filter(
            username=username, is_active=True, contact__isnull=False
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

    def clean_email(self) -> str:
        return username_for(self.cleaned_data["email"])


class RoleForm(forms.Form):
    role = forms.TypedChoiceField(
        label=_("Rol"), choices=ROLE_CHOICES, coerce=lambda value: "" if value == NO_ROLE else value
    )
