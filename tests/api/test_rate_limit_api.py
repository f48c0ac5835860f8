"""Rate limits on the API: API_RATE_LIMIT requests per API_RATE_WINDOW seconds per credential, counted
once per authenticated request (under /api/v1/ and at the AFAS GetConnector alike), keyed by the
credential's id; above it a 429 problem with Retry-After. Each test runs with Redis and in-process."""

import base64
import os
import time

import pytest
import redis
from django.test import RequestFactory

from api import ratelimit
from api.auth import EnvironmentTokenAuth, count_request, rate_key
from api.models import ApiKey, ApiScope
from api.problems import CONTENT_TYPE, RateLimited
from tests.api.conftest import bearer
from tests.factories import EnvironmentFactory, LicenseLineFactory

URL = "/api/v1/licentiedata/"
AFAS = "/ProfitRestServices/connectors/Licentiedata"
LIMIT = 3


@pytest.fixture(params=["redis", "in-process"])
def backend(request, settings):
    if request.param == "redis":
        url = os.environ.get("REDIS_URL", "")
        if not url:
            pytest.skip("REDIS_URL is not set")
        settings.REDIS_URL = url
    else:
        settings.REDIS_URL = ""
    settings.API_RATE_LIMIT = LIMIT
    settings.API_RATE_WINDOW = 60
    limiter = ratelimit.get_limiter()
    expected = ratelimit.RedisRateLimiter if request.param == "redis" else ratelimit.LocalRateLimiter
    assert isinstance(limiter, expected)
    limiter.reset()
    return request.param


@pytest.fixture
def line(customer_a):
    return LicenseLineFactory(license=customer_a.license, item="profit_users", scope="O", maximum=10)


def afas_token(key: str) -> dict:
    xml = f"<token><version>1</version><data>{key}</data></token>"
    return {"HTTP_AUTHORIZATION": f"AfasToken {base64.b64encode(xml.encode()).decode()}"}


def test_exactly_the_limit_is_allowed_then_429_with_retry_after(client, backend, line, make_key):
    api_key, secret = make_key(line.license.customer)
    statuses = [client.get(URL, **bearer(secret)).status_code for _ in range(LIMIT)]
    assert statuses == [200] * LIMIT
    refused = client.get(URL, **bearer(secret))
    assert refused.status_code == 429
    assert refused["Content-Type"] == CONTENT_TYPE
    assert 1 <= int(refused["Retry-After"]) <= 60
    body = refused.json()
    assert (body["status"], body["type"]) == (429, "urn:licentieportaal:problem:too-many-requests")
    # The key was found (its use noted) before it was refused: a known key, over its budget.
    assert ApiKey.objects.get(pk=api_key.pk).last_used_at is not None
    assert client.get(URL, **bearer(secret)).status_code == 429


def test_separate_keys_have_separate_budgets(client, backend, line, customer_b, make_key):
    _a, first = make_key(line.license.customer)
    _b, second = make_key(line.license.customer)
    _c, other_customer = make_key(customer_b)
    for _ in range(LIMIT):
        client.get(URL, **bearer(first))
    assert client.get(URL, **bearer(first)).status_code == 429
    assert [client.get(URL, **bearer(second)).status_code for _ in range(LIMIT)] == [200] * LIMIT
    assert client.get(URL, **bearer(other_customer)).status_code == 200
    assert client.get(URL, **bearer(second)).status_code == 429


def test_the_afas_connector_counts_against_the_same_budget(client, backend, line, make_key):
    _api_key, secret = make_key(line.license.customer)
    assert client.get(URL, **bearer(secret)).status_code == 200
    assert [client.get(AFAS, **afas_token(secret)).status_code for _ in range(LIMIT - 1)] == [200] * (
        LIMIT - 1
    )
    refused = client.get(AFAS, **afas_token(secret))
    assert (refused.status_code, refused["Content-Type"]) == (429, CONTENT_TYPE)
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert client.get(URL, **bearer(secret)).status_code == 429


def test_a_request_without_the_scope_still_counts(client, backend, line, make_key):
    _api_key, secret = make_key(line.license.customer, scopes=[ApiScope.WARNINGS_READ])
    assert [client.get(URL, **bearer(secret)).status_code for _ in range(LIMIT)] == [403] * LIMIT
    assert client.get(URL, **bearer(secret)).status_code == 429
    assert client.get("/api/v1/warnings/", **bearer(secret)).status_code == 429


def test_an_unknown_key_is_never_counted_only_refused(client, backend, line, make_key):
    _api_key, secret = make_key(line.license.customer)
    typo = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    assert {client.get(URL, **bearer(typo)).status_code for _ in range(LIMIT + 2)} == {401}
    assert client.get(URL, **bearer(secret)).status_code == 200


def test_environment_tokens_are_limited_by_their_own_id(backend, line, make_key, make_token):
    token, secret = make_token(EnvironmentFactory(customer=line.license.customer))
    _other, other_secret = make_token(EnvironmentFactory(customer=line.license.customer))
    auth = EnvironmentTokenAuth()

    def authenticate(key):
        return auth(RequestFactory().put("/api/v1/environments/x/snapshot/", **bearer(key)))

    assert [authenticate(secret) for _ in range(LIMIT)] == [token] * LIMIT
    with pytest.raises(RateLimited) as refused:
        authenticate(secret)
    assert 1 <= refused.value.retry_after <= 60
    assert authenticate(other_secret) == _other
    # Keys and tokens are told apart by kind: an API key with the token's id has a budget of its own.
    api_key, _secret = make_key(line.license.customer)
    assert (rate_key(token), rate_key(api_key)) == (f"env:{token.pk}", f"key:{api_key.pk}")


def test_the_window_closing_gives_a_fresh_budget(client, backend, settings, line, make_key):
    settings.API_RATE_WINDOW = 1
    ratelimit.get_limiter().reset()
    _api_key, secret = make_key(line.license.customer)
    assert [client.get(URL, **bearer(secret)).status_code for _ in range(LIMIT)] == [200] * LIMIT
    refused = client.get(URL, **bearer(secret))
    assert (refused.status_code, refused["Retry-After"]) == (429, "1")
    time.sleep(1.1)
    assert client.get(URL, **bearer(secret)).status_code == 200


def test_the_limiter_is_keyed_by_the_credentials_id_never_its_secret(client, settings, line, make_key):
    url = os.environ.get("REDIS_URL", "")
    if not url:
        pytest.skip("REDIS_URL is not set")
    settings.REDIS_URL = url
    api_key, secret = make_key(line.license.customer)
    client.get(URL, **bearer(secret))
    stored = [
        key.decode() for key in redis.Redis.from_url(url).scan_iter(match=ratelimit.DEFAULT_PREFIX + "*")
    ]
    assert stored == [f"{ratelimit.DEFAULT_PREFIX}key:{api_key.pk}"]
    assert not [key for key in stored if secret in key or api_key.digest in key]


def test_reset_clears_the_budgets(client, backend, line, make_key):
    _api_key, secret = make_key(line.license.customer)
    for _ in range(LIMIT):
        client.get(URL, **bearer(secret))
    assert client.get(URL, **bearer(secret)).status_code == 429
    ratelimit.reset_limiters()
    assert client.get(URL, **bearer(secret)).status_code == 200


def test_one_request_is_counted_once_however_often_it_is_authenticated(backend, line, make_key):
    api_key, _secret = make_key(line.license.customer)
    request = RequestFactory().get(URL)
    for _ in range(LIMIT + 2):
        count_request(request, api_key)  # a second auth class trying the same request
    assert ratelimit.get_limiter().hit(rate_key(api_key)).remaining == LIMIT - 2
