"""API keys and environment tokens in the back office: made and revoked through the services, the
secret shown once in a message, the digest never."""

from django.contrib import messages
from django.contrib.messages import get_messages
from django.urls import reverse

from api import keys
from api.models import ApiKey, EnvironmentToken
from api.services import create_api_key, create_environment_token
from tests.factories import EnvironmentFactory


def secret_in(response) -> str:
    (message,) = [str(m) for m in get_messages(response.wsgi_request) if m.level == messages.WARNING]
    return message.rsplit(" ", 1)[-1]


def test_staff_make_a_key_and_see_its_secret_once(admin_client, admin_user, customer_a):
    response = admin_client.post(
        reverse("admin:api_apikey_add"),
        {"customer": customer_a.pk, "name": "Billing", "scopes": ["licenses:write"], "expires": ""},
    )
    assert response.status_code == 302
    api_key = ApiKey.objects.get()
    secret = secret_in(response)
    assert keys.verify_api_key(secret) == api_key
    assert (api_key.created_by, api_key.scopes) == (admin_user, ["licenses:write"])
    change = reverse("admin:api_apikey_change", args=[api_key.pk])
    first, second = (admin_client.get(change).content.decode() for _ in range(2))
    assert secret in first and "niet nog eens wordt getoond" in first
    assert secret not in second
    assert api_key.digest not in first + second
    assert api_key.prefix in second


def test_a_refusal_of_the_service_is_shown_and_nothing_made(admin_client, customer_a):
    create_api_key(customer=customer_a, name="Billing", scopes=["licenses:write"], expires=None, by="tests")
    response = admin_client.post(
        reverse("admin:api_apikey_add"),
        {"customer": customer_a.pk, "name": "Billing", "scopes": ["licenses:write"], "expires": ""},
    )
    assert response.status_code == 302
    assert "Er is al een sleutel met deze naam in gebruik." in [
        str(m) for m in get_messages(response.wsgi_request)
    ]
    assert ApiKey.objects.count() == 1


def test_staff_revoke_keys_and_tokens_with_the_action(admin_client, admin_user, customer_a):
    api_key, secret = create_api_key(
        customer=customer_a, name="A", scopes=["warnings:read"], expires=None, by="t"
    )
    token, token_secret = create_environment_token(
        environment=EnvironmentFactory(customer=customer_a), by="t"
    )
    for model, credential in (("apikey", api_key), ("environmenttoken", token)):
        admin_client.post(
            reverse(f"admin:api_{model}_changelist"),
            {"action": "revoke_selected", "_selected_action": [credential.pk]},
        )
    assert ApiKey.objects.get().revoked_by == admin_user
    assert EnvironmentToken.objects.get().revoked_by == admin_user
    assert keys.verify_api_key(secret) is None and keys.verify_environment_token(token_secret) is None


def test_staff_make_an_environment_token(admin_client, customer_a):
    environment = EnvironmentFactory(customer=customer_a)
    response = admin_client.post(reverse("admin:api_environmenttoken_add"), {"environment": environment.pk})
    assert keys.verify_environment_token(secret_in(response)) == EnvironmentToken.objects.get()


def test_nothing_is_deleted_in_the_back_office(admin_client, customer_a):
    api_key, _ = create_api_key(customer=customer_a, name="A", scopes=["warnings:read"], expires=None, by="t")
    assert (
        admin_client.post(reverse("admin:api_apikey_delete", args=[api_key.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert ApiKey.objects.filter(pk=api_key.pk).exists()
