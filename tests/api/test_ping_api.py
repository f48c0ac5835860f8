"""GET /api/v1/ping: the authenticated no-op (bench_api's yardstick) answers {"ok": true} to a key with
licentiedata:read, and refuses every other credential as the Licentiedata does."""

import pytest

from api.models import ApiKey, ApiScope
from api.problems import CONTENT_TYPE
from licensing.models import LicenseMutation
from tests.api.conftest import bearer

pytestmark = pytest.mark.django_db

URL = "/api/v1/ping"


def test_a_key_with_the_scope_gets_ok_and_its_use_is_recorded(client, customer_a, make_key):
    api_key, secret = make_key(customer_a)

    response = client.get(URL, **bearer(secret))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == {"ok": True}
    assert ApiKey.objects.get(pk=api_key.pk).last_used_at is not None
    assert not LicenseMutation.objects.exists()


def test_a_key_without_the_scope_gets_403(client, customer_a, make_key):
    _api_key, secret = make_key(customer_a, scopes=[ApiScope.WARNINGS_READ])

    response = client.get(URL, **bearer(secret))

    assert response.status_code == 403
    assert response["Content-Type"] == CONTENT_TYPE
    assert response.json()["scope"] == "licentiedata:read"


def test_no_key_gets_401(client, customer_a):
    response = client.get(URL)

    assert response.status_code == 401
    assert response["Content-Type"] == CONTENT_TYPE
    assert "ok" not in response.json()
