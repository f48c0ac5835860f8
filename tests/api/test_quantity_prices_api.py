"""POST lines/{item}/{scope}/quantity answers the monthly price before and after, and `dry_run: true`
runs every rule and answers the same without changing anything: no mutation, no Idempotency-Key kept."""

import json

import pytest

from api.models import ApiScope, IdempotencyRecord
from licensing.models import LicenseLine, LicenseMutation
from licensing.services import BELOW_IN_USE
from tests.api.conftest import bearer
from tests.factories import EnvironmentFactory, EnvironmentUserFactory, LicenseLineFactory
from tests.licensing.pricing_factories import price_list

URL = "/api/v1/lines/profit_users/O/quantity"
IN_USE = 12

pytestmark = pytest.mark.django_db


@pytest.fixture
def line(customer_a):
    price_list()  # € 16,50 up to 25, € 5,50 from 26, graduated
    environment = EnvironmentFactory(customer=customer_a, code="O12345AA")
    EnvironmentUserFactory.create_batch(IN_USE, environment=environment, profit=True)
    return LicenseLineFactory(license=customer_a.license, item="profit_users", scope="O", maximum=25)


@pytest.fixture
def secret(customer_a, make_key):
    _api_key, secret = make_key(customer_a, scopes=[ApiScope.LICENSES_WRITE], name="Automatisering")
    return secret


def post(client, body, secret, **extra):
    return client.post(URL, json.dumps(body), content_type="application/json", **bearer(secret), **extra)


def state(line):
    line = LicenseLine.objects.get(pk=line.pk)
    return (line.maximum, line.portal, LicenseMutation.objects.count(), IdempotencyRecord.objects.count())


def test_a_change_answers_the_price_before_and_after_and_records_them(client, line, secret):
    response = post(client, {"quantity": 32}, secret)

    assert response.status_code == 200
    body = response.json()
    assert (body["price_before"], body["price_after"], body["currency"]) == ("412.50", "451.00", "EUR")
    assert body["dry_run"] is False
    mutation = LicenseMutation.objects.get(pk=body["mutation_id"])
    assert (str(mutation.old_price), str(mutation.new_price)) == ("412.50", "451.00")


def test_a_line_without_a_price_list_answers_null_prices(client, customer_a, secret):
    LicenseLineFactory(license=customer_a.license, item="clients", scope="O", maximum=3)

    response = client.post(
        "/api/v1/lines/clients/O/quantity",
        json.dumps({"quantity": 4}),
        content_type="application/json",
        **bearer(secret),
    )

    assert response.status_code == 200
    assert (response.json()["price_before"], response.json()["price_after"]) == (None, None)


def test_a_dry_run_answers_what_would_happen_and_changes_nothing(client, line, secret):
    before = state(line)

    response = post(client, {"quantity": 32, "dry_run": True}, secret, HTTP_IDEMPOTENCY_KEY="try-1")

    assert response.status_code == 200
    assert response.json() == {
        "item": "profit_users",
        "scope": "O",
        "maximum": 32,
        "portal": 32,
        "in_use": IN_USE,
        "mutation_id": None,
        "dry_run": True,
        "needs_approval": False,
        "price_before": "412.50",
        "price_after": "451.00",
        "currency": "EUR",
    }
    assert state(line) == before  # no mutation, no idempotency record
    assert "Idempotent-Replayed" not in response


def test_a_dry_run_is_refused_by_every_rule_as_the_change_is(client, line, secret):
    before = state(line)

    response = post(client, {"quantity": IN_USE - 1, "dry_run": True}, secret)

    assert response.status_code == 409
    assert response.json()["detail"] == str(BELOW_IN_USE)
    assert (response.json()["in_use"], response.json()["requested"]) == (IN_USE, IN_USE - 1)
    assert state(line) == before


def test_a_dry_run_then_the_change_with_the_same_key_makes_the_change_once(client, line, secret):
    post(client, {"quantity": 32, "dry_run": True}, secret, HTTP_IDEMPOTENCY_KEY="k-1")

    first = post(client, {"quantity": 32}, secret, HTTP_IDEMPOTENCY_KEY="k-1")
    again = post(client, {"quantity": 32}, secret, HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert first.json()["mutation_id"] == again.json()["mutation_id"] is not None
    assert LicenseMutation.objects.count() == 1
    assert LicenseLine.objects.get(pk=line.pk).maximum == 32


def test_dry_run_must_be_a_boolean(client, line, secret):
    response = post(client, {"quantity": 32, "dry_run": "yes"}, secret)

    assert response.status_code == 422
    assert LicenseMutation.objects.count() == 0
