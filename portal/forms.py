from allauth.account import forms as allauth_forms
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from . import tasks
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


class LoginForm(allauth_forms.LoginForm):
    """allauth's login with the e-mail address (field `login`), found by the portal's username rule."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"] = forms.EmailField(
            label=_("E-mailadres"),
            max_length=254,
            widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
        )
        self.fields["password"].label = _("Wachtwoord")
        self.fields["password"].help_text = ""
        self.fields["password"].widget.attrs.pop("placeholder", None)
        self.order_fields(["login", "password"])

    def clean_login(self) -> str:
        email = self.cleaned_data["login"]
        try:
            return username_for(email)
        except ValidationError:
            # No account can have this username: the usual "do not belong together" answer follows.
            return email.strip()

    def user_credentials(self) -> dict:
        # Every contact's username is its normalised address: Django's ModelBackend finds it by that,
        # allauth's backend by the EmailAddress rows.
        return {**super().user_credentials(), "username": self.cleaned_data["login"]}

    def clean(self):
        cleaned_data = super().clean()
        # A contact removed from its last customer keeps its account (so it can be invited again),
        # but has nothing to see; vendor staff without a contact go on to the back office.
        if self.user is not None and not self.errors:
            contact = Contact.objects.filter(user=self.user).first()
            if contact is not None and not memberships_of(contact).exists():
                raise forms.ValidationError(NO_CUSTOMER, code="no_customer")
        return cleaned_data


class PasswordResetForm(allauth_forms.ResetPasswordForm):
    """Finds the account by the username rule; also sends a link to an invited contact that never set a
    password (and lost the invitation). Vendor staff reset theirs in the back office or with
    `manage.py changepassword`."""

    def clean_email(self) -> str:
        # Nothing is looked up here: the task does, so a known and an unknown address cost the same.
        self.users = []
        return self.cleaned_data["email"]

    def save(self, request, **kwargs) -> str:
        """Hand the typed address to a Celery task that finds the account and sends the link
        (portal.emails.send_password_reset); the request itself sends nothing."""
        email = self.cleaned_data["email"]
        language = translation.get_language() or settings.LANGUAGE_CODE
        tasks.send_password_reset.delay(email=email, language=language)
        return email


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


CONFIRM_POLICY = _("Bevestig dat u de gevolgen voor de contactpersonen hebt gelezen.")


class MfaPolicyForm(forms.Form):
    """Switch "tweestapsverificatie verplicht" on (`required` 1) or off (0), confirmed: it changes how every
    contact of the customer gets in."""

    required = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda value: value == "1")
    confirm = forms.BooleanField(
        label=_("Ik heb gelezen wat dit voor de contactpersonen betekent."),
        error_messages={"required": CONFIRM_POLICY},
    )
