"""API keys and environment tokens in the back office: made and revoked through api.services.

The digest is never shown; a new key's secret is shown once, in the message after saving.
"""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from portal.admin import ServiceAdmin
from portal.security import client_ip

from . import services
from .models import ApiKey, ApiScope, EnvironmentToken

SECRET_ONCE = _("De nieuwe sleutel, die niet nog eens wordt getoond: %(secret)s")
REVOKED = _("Ingetrokken: %(count)s.")
SHOWN = [
    "prefix",
    "created_at",
    "created_by_name",
    "expires_at",
    "last_used_at",
    "revoked_at",
    "revoked_by_name",
]


class ApiKeyAddForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("rechten"), choices=ApiScope.choices, widget=forms.CheckboxSelectMultiple
    )
    expires = forms.DateField(label=_("geldig tot en met"), required=False)

    class Meta:
        model = ApiKey
        fields = ["customer", "name", "scopes"]


def _shown_once(request, secret: str) -> None:
    messages.warning(request, SECRET_ONCE % {"secret": secret})


def _adopt(obj, saved) -> None:
    # The admin goes on with the object of its form (log entry, redirect): make it the saved one.
    for field in saved._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False


class CredentialAdmin(ServiceAdmin):
    refusals = (services.CredentialError,)
    actions = ["revoke_selected"]

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, never deleted: the history stays

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return self.shown if obj is not None else ()

    @admin.action(description=_("Geselecteerde intrekken"))
    def revoke_selected(self, request, queryset):
        revoked = 0
        for credential in queryset.filter(revoked_at__isnull=True).order_by("pk"):
            self.revoke(credential, by=request.user, ip=client_ip(request))
            revoked += 1
        self.message_user(request, REVOKED % {"count": revoked})


@admin.register(ApiKey)
class ApiKeyAdmin(CredentialAdmin):
    form = ApiKeyAddForm
    list_display = [
        "name",
        "customer",
        "prefix",
        "scopes",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["revoked_at"]
    list_select_related = ["customer"]
    search_fields = ["=customer__number", "customer__name", "name", "prefix"]
    autocomplete_fields = ["customer"]
    shown = ["customer", "name", "scopes", *SHOWN]

    def get_fields(self, request, obj=None):
        return self.shown if obj is not None else ["customer", "name", "scopes", "expires"]

    def save_model(self, request, obj, form, change):
        saved, secret = services.create_api_key(
            customer=form.cleaned_data["customer"],
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            expires=form.cleaned_data["expires"],
            by=request.user,
            ip=client_ip(request),
        )
        _adopt(obj, saved)
        _shown_once(request, secret)

    def revoke(self, credential, *, by, ip):
        services.revoke_api_key(api_key=credential, by=by, ip=ip)


@admin.register(EnvironmentToken)
class EnvironmentTokenAdmin(CredentialAdmin):
    list_display = ["environment", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    list_select_related = ["environment"]
    search_fields = ["environment__code", "prefix"]
    autocomplete_fields = ["environment"]
    shown = ["environment", *SHOWN]

    def get_fields(self, request, obj=None):
        return self.shown if obj is not None else ["environment"]

    def save_model(self, request, obj, form, change):
        saved, secret = services.create_environment_token(
            environment=form.cleaned_data["environment"], by=request.user, ip=client_ip(request)
        )
        _adopt(obj, saved)
        _shown_once(request, secret)

    def revoke(self, credential, *, by, ip):
        services.revoke_environment_token(token=credential, by=by, ip=ip)
