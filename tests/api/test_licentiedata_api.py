"""GET /api/v1/licentiedata/: the license_report JSON of the key's customer, for a key with the scope.

Every way of not holding a valid API key gets one and the same 401. An environment token is no API
key: on this endpoint it gets that same 401 too (it is not a key of a customer, so it has no scopes
to lack).
"""

import json
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from api import keys
from api.models import ApiKey, ApiScope
from api.problems import CONTENT_TYPE
from api.services import revoke_api_key
from licensing.licentiedata import license_report
from licensing.monitoring.models import LicenseWarning, WarningKind
from licensing.monitoring.texts import over_use_params, stale_data_params
from licensing.recount import recount_customer
from tests.api.conftest import bearer
from tests.factories import EnvironmentFactory, EnvironmentUserFactory, LicenseLineFactory

URL = "/api/v1/licentiedata/"


@pytest.fixture
def data(customer_a, customer_b):
    production = EnvironmentFactory(customer=customer_a, code="O12345AA")
    EnvironmentUserFactory(environment=production, code="12345.jansen", profit=True)
    line = LicenseLineFactory(license=customer_a.license, item="profit_users", scope="O", maximum=10)
    LicenseLineFactory(license=customer_a.license, item="environments", scope="license", maximum=5, portal=4)
    LicenseLineFactory(license=customer_b.license, item="profit_users", scope="O", maximum=2)
    recount_customer(customer=customer_a)
    LicenseWarning.objects.create(
        customer=customer_a,
        kind=WarningKind.STALE_DATA,
        environment=production,
        opened_at=timezone.now() - timedelta(hours=1),
        params=stale_data_params(code="O12345AA", taken_at=None, hours=36),
    )
    LicenseWarning.objects.create(
        customer=customer_a,
        kind=WarningKind.OVER_USE,
        line=line,
        opened_at=timezone.now(),
        params=over_use_params(item="profit_users", scope="O", in_use=1, maximum=10),
    )
    return customer_a


def test_it_answers_exactly_the_json_of_license_report(client, data, make_key):
    _api_key, secret = make_key(data)
    response = client.get(URL, **bearer(secret))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == license_report(data).as_json()
    out = StringIO()
    call_command("license_report", "12345", "--format", "json", stdout=out)
    assert response.json() == json.loads(out.getvalue())
    assert len(response.json()["lines"]) == 2 and len(response.json()["warnings"]) == 2


def test_a_key_sees_only_its_own_customer(client, data, customer_b, make_key):
    _api_key, secret = make_key(customer_b)
    body = client.get(URL, **bearer(secret)).json()
    assert body == license_report(customer_b).as_json()
    assert body["customer"] == "67890"
    assert [line["maximum"] for line in body["lines"]] == [2]
    assert body["warnings"] == []


def test_it_needs_no_portal_login_and_a_session_is_no_key(client, beheerder, data):
    response = client.get(URL)
    assert response.status_code == 401  # not a redirect to the login page
    client.force_login(beheerder.user)
    assert client.get(URL).status_code == 401


def test_a_use_is_noted_on_the_key(client, data, make_key):
    api_key, secret = make_key(data)
    client.get(URL, **bearer(secret))
    assert ApiKey.objects.get(pk=api_key.pk).last_used_at is not None


def test_every_invalid_credential_gets_the_same_401(client, data, make_key, make_token):
    revoked, revoked_secret = make_key(data)
    revoke_api_key(api_key=revoked, by="tests")
    _expired, expired_secret = make_key(data, expires=timezone.localdate() + timedelta(days=1))
    _token, token_secret = make_token(data.environments.get())
    _valid, valid_secret = make_key(data)
    typo = valid_secret[:-1] + ("A" if valid_secret[-1] != "A" else "B")
    headers = {
        "revoked": bearer(revoked_secret),
        "expired": bearer(expired_secret),
        "unknown": bearer(keys.generate(keys.API_KEY)),
        "malformed": bearer("lp_key_nonsense"),
        "typo": bearer(typo),
        "environment token": bearer(token_secret),
        "other scheme": {"HTTP_AUTHORIZATION": f"Basic {valid_secret}"},
        "missing": {},
    }
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        answers = {name: client.get(URL, **header) for name, header in headers.items()}
    seen = {(r.status_code, r["Content-Type"], r["WWW-Authenticate"], r.content) for r in answers.values()}
    assert len(seen) == 1
    status, content_type, challenge, content = seen.pop()
    assert (status, content_type) == (401, CONTENT_TYPE)
    assert challenge.startswith("Bearer")
    assert json.loads(content)["status"] == 401


def test_a_key_without_the_scope_gets_403(client, data, make_key):
    _api_key, secret = make_key(data, scopes=[ApiScope.WARNINGS_READ, ApiScope.LICENSES_WRITE])
    response = client.get(URL, **bearer(secret))
    assert response.status_code == 403
    assert response["Content-Type"] == CONTENT_TYPE
    body = response.json()
    assert body["scope"] == "licentiedata:read"
    assert body["detail"] == "Deze sleutel heeft het recht licentiedata:read niet."


def test_csrf_does_not_apply_to_the_api(data, make_key):
    _api_key, secret = make_key(data)
    client = Client(enforce_csrf_checks=True)
    # No CSRF refusal (403) before the API answers: the operation's own 405.
    assert client.post(URL, **bearer(secret)).status_code == 405
    assert client.get(URL, **bearer(secret)).status_code == 200
