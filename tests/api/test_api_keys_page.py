"""The page API-sleutels: only a Beheerder of the customer sees and changes it; a key's secret is
shown once; revoking asks first and then works."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from api import keys
from api.models import ApiKey, EnvironmentToken
from api.services import create_api_key, create_environment_token
from tests.factories import EnvironmentFactory

LIST = reverse("apikeys:list")
CREATE = reverse("apikeys:create")
VALID = {"name": "Power BI", "scopes": ["licentiedata:read", "warnings:read"], "expires": ""}


@pytest.fixture
def environment(customer_a):
    return EnvironmentFactory(customer=customer_a, type="A")


@pytest.fixture
def own(customer_a, environment):
    api_key, _ = create_api_key(
        customer=customer_a, name="HR", scopes=["warnings:read"], expires=None, by="tests"
    )
    token, _ = create_environment_token(environment=environment, by="tests")
    return {"key": api_key, "token": token}


@pytest.fixture
def foreign(customer_b):
    environment = EnvironmentFactory(customer=customer_b, type="A")
    api_key, _ = create_api_key(
        customer=customer_b, name="B", scopes=["warnings:read"], expires=None, by="tests"
    )
    token, _ = create_environment_token(environment=environment, by="tests")
    return {"key": api_key, "token": token, "environment": environment}


def urls(own, environment):
    return {
        "create": CREATE,
        "revoke": reverse("apikeys:revoke", args=[own["key"].pk]),
        "token_create": reverse("apikeys:token_create", args=[environment.pk]),
        "token_revoke": reverse("apikeys:token_revoke", args=[own["token"].pk]),
    }


def test_it_sends_anonymous_visitors_to_the_login(client, own, environment):
    for url in [LIST, *urls(own, environment).values()]:
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 302 and response.url.startswith("/login/"), url
    assert not ApiKey.objects.filter(revoked_at__isnull=False).exists()


def test_a_beheerder_sees_its_keys_and_tokens_and_never_a_digest(client, beheerder, own, environment):
    client.force_login(beheerder.user)
    response = client.get(LIST)
    assert response.status_code == 200
    page = response.content.decode()
    assert "HR" in page and own["key"].display in page and own["token"].display in page
    assert own["key"].digest not in page and own["token"].digest not in page
    assert environment.code in page
    assert 'href="/api-sleutels/"' in page  # the menu links to it


def test_the_list_takes_a_fixed_number_of_queries(
    client, beheerder, own, customer_a, django_assert_num_queries
):
    client.force_login(beheerder.user)
    for n in range(3):
        create_api_key(customer=customer_a, name=f"k{n}", scopes=["warnings:read"], expires=None, by="tests")
        create_environment_token(environment=EnvironmentFactory(customer=customer_a), by="tests")
    with django_assert_num_queries(8):
        assert client.get(LIST).status_code == 200


def test_a_medewerker_gets_403_on_the_page_and_every_change(client, medewerker, own, environment):
    client.force_login(medewerker.user)
    assert client.get(LIST).status_code == 403
    for url in urls(own, environment).values():
        assert client.post(url, VALID).status_code == 403
    assert ApiKey.objects.count() == 1 and EnvironmentToken.objects.count() == 1
    assert not ApiKey.objects.filter(revoked_at__isnull=False).exists()
    assert 'href="/api-sleutels/"' not in client.get("/").content.decode()


def test_another_customers_keys_and_environments_are_404(client, beheerder, own, foreign):
    client.force_login(beheerder.user)
    for url in (
        reverse("apikeys:revoke", args=[foreign["key"].pk]),
        reverse("apikeys:token_create", args=[foreign["environment"].pk]),
        reverse("apikeys:token_revoke", args=[foreign["token"].pk]),
        reverse("apikeys:revoke", args=[10**12]),
    ):
        assert client.get(url).status_code in (404, 405)
        assert client.post(url).status_code == 404
    assert not ApiKey.objects.filter(revoked_at__isnull=False).exists()
    assert not EnvironmentToken.objects.filter(revoked_at__isnull=False).exists()
    assert EnvironmentToken.objects.filter(environment=foreign["environment"]).count() == 1
    assert foreign["environment"].code not in client.get(LIST).content.decode()


def test_wrong_methods_get_405(client, beheerder, own, environment):
    client.force_login(beheerder.user)
    assert client.post(LIST).status_code == 405
    assert client.get(CREATE).status_code == 405
    assert client.get(reverse("apikeys:token_create", args=[environment.pk])).status_code == 405
    assert client.delete(reverse("apikeys:revoke", args=[own["key"].pk])).status_code == 405
    assert ApiKey.objects.count() == 1 and EnvironmentToken.objects.count() == 1


def test_a_new_keys_secret_is_shown_once_and_works(client, beheerder, customer_a):
    client.force_login(beheerder.user)
    response = client.post(CREATE, VALID)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = response.context["secret"]
    page = response.content.decode()
    assert secret in page and "niet nog eens getoond" in page
    api_key = ApiKey.objects.get()
    assert (api_key.name, api_key.scopes, api_key.created_by) == (
        "Power BI",
        ["licentiedata:read", "warnings:read"],
        beheerder.user,
    )
    assert keys.verify_api_key(secret) == api_key
    assert client.get("/api/v1/licentiedata/", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200
    assert secret not in client.get(LIST).content.decode()  # never again


def test_a_key_with_an_expiry_date(client, beheerder):
    client.force_login(beheerder.user)
    day = timezone.localdate() + timedelta(days=10)
    client.post(CREATE, {**VALID, "expires": day.isoformat()})
    assert timezone.localtime(ApiKey.objects.get().expires_at).date() == day + timedelta(days=1)


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({**VALID, "scopes": []}, "Dit veld is verplicht."),
        ({**VALID, "scopes": ["root"]}, "root"),
        ({**VALID, "name": ""}, "Dit veld is verplicht."),
        ({**VALID, "expires": "2001-01-01"}, "De vervaldatum moet na vandaag liggen."),
        ({**VALID, "name": "HR"}, "Er is al een sleutel met deze naam in gebruik."),
    ],
)
def test_it_refuses_an_invalid_key_with_the_reason(client, beheerder, own, form, error):
    client.force_login(beheerder.user)
    response = client.post(CREATE, form)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert ApiKey.objects.count() == 1


def test_revoking_asks_first_then_revokes(client, beheerder, own):
    client.force_login(beheerder.user)
    url = reverse("apikeys:revoke", args=[own["key"].pk])
    confirm = client.get(url)
    assert confirm.status_code == 200 and "Weet u zeker" in confirm.content.decode()
    assert ApiKey.objects.get().revoked_at is None  # asking changes nothing
    response = client.post(url)
    assert response.status_code == 302 and response.url == LIST
    revoked = ApiKey.objects.get()
    assert revoked.revoked_at is not None and revoked.revoked_by == beheerder.user
    assert "Ingetrokken" in client.get(LIST).content.decode()
    assert client.post(url).status_code == 302  # a second time: a message, nothing changes
    assert ApiKey.objects.get().revoked_at == revoked.revoked_at


def test_a_beheerder_makes_and_revokes_an_environment_token(client, beheerder, environment):
    client.force_login(beheerder.user)
    response = client.post(reverse("apikeys:token_create", args=[environment.pk]))
    assert response.status_code == 200
    secret = response.context["secret"]
    token = EnvironmentToken.objects.get()
    assert keys.verify_environment_token(secret) == token and token.environment == environment
    client.post(reverse("apikeys:token_revoke", args=[token.pk]))
    assert keys.verify_environment_token(secret) is None
    assert EnvironmentToken.objects.get().revoked_by == beheerder.user


def test_an_inactive_environment_gets_no_token(client, beheerder, customer_a):
    inactive = EnvironmentFactory(customer=customer_a, is_active=False)
    client.force_login(beheerder.user)
    assert client.post(reverse("apikeys:token_create", args=[inactive.pk])).status_code == 404
    assert not EnvironmentToken.objects.exists()


def test_the_page_speaks_english_on_request(client, beheerder, own, settings):
    client.force_login(beheerder.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(LIST).content.decode()
    assert "Create key" in page and "Environment tokens" in page and "Sleutel aanmaken" not in page
