"""The page API-sleutels: a Beheerder's API keys and environment tokens.

Keys are credentials, so the whole page is for a Beheerder only (a Medewerker gets 403, also on the
list). A new key's secret is shown once, on the answer to the POST that made it, which no cache keeps.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from portal.pages import for_current_customer, recent_login_required
from portal.security import client_ip

from . import selectors, services
from .forms import ApiKeyForm


@require_safe
@for_current_customer(change=True)
def api_keys(request, membership):
    return _render_list(request, membership, ApiKeyForm())


@never_cache
@require_POST
@for_current_customer(change=True)
@recent_login_required
def api_key_create(request, membership):
    form = ApiKeyForm(request.POST)
    if form.is_valid():
        try:
            api_key, secret = services.create_api_key(
                customer=membership.customer, by=request.user, ip=client_ip(request), **form.cleaned_data
            )
        except services.CredentialError as refusal:
            form.add_error(None, refusal.message)
        else:
            return _render_secret(request, credential=api_key, secret=secret, title=_("Nieuwe API-sleutel"))
    return _render_list(request, membership, form, status=400)


@require_http_methods(["GET", "HEAD", "POST"])
@for_current_customer(change=True)
def api_key_revoke(request, membership, key_id):
    api_key = selectors.api_key_for(membership, key_id)
    if request.method != "POST":
        label = _("de sleutel “%(name)s” (%(prefix)s)") % {"name": api_key.name, "prefix": api_key.display}
        return render(request, "api/revoke_confirm.html", {"credential": api_key, "label": label})
    return _revoke(request, services.revoke_api_key, api_key=api_key)


@never_cache
@require_POST
@for_current_customer(change=True)
@recent_login_required
def environment_token_create(request, membership, environment_id):
    environment = selectors.environment_for(membership, environment_id)
    try:
        token, secret = services.create_environment_token(
            environment=environment, by=request.user, ip=client_ip(request)
        )
    except services.CredentialError as refusal:
        messages.error(request, refusal.message)
        return redirect("apikeys:list")
    title = _("Nieuw omgevingstoken voor %(code)s") % {"code": environment.code}
    return _render_secret(request, credential=token, secret=secret, title=title)


@require_http_methods(["GET", "HEAD", "POST"])
@for_current_customer(change=True)
def environment_token_revoke(request, membership, token_id):
    token = selectors.environment_token_for(membership, token_id)
    if request.method != "POST":
        label = _("het token %(prefix)s van %(code)s") % {
            "prefix": token.display,
            "code": token.environment.code,
        }
        return render(request, "api/revoke_confirm.html", {"credential": token, "label": label})
    return _revoke(request, services.revoke_environment_token, token=token)


def _revoke(request, service, **credential):
    try:
        service(by=request.user, ip=client_ip(request), **credential)
    except services.CredentialError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Ingetrokken: wie deze sleutel nog gebruikt, krijgt voortaan 401."))
    return redirect("apikeys:list")


def _render_secret(request, *, credential, secret: str, title: str):
    context = {"credential": credential, "secret": secret, "title": title}
    return render(request, "api/secret.html", context)


def _render_list(request, membership, form, status=200):
    context = {
        "membership": membership,
        "api_keys": selectors.api_keys_of(membership.customer),
        "environments": selectors.environments_with_tokens(membership.customer),
        "form": form,
    }
    return render(request, "api/api_keys.html", context, status=status)
