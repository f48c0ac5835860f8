"""`Idempotency-Key` on POST lines/{item}/{scope}/quantity: one answer per key, given again to repeats.

The record and the mutation commit together; a repeat with the same key and body gets the first
answer (status and body) and changes nothing, a refusal included; the same key with another body is
422. Records older than 24 hours are purged by `manage.py purge_idempotency_records`.
"""

import hashlib
import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from api.idempotency import KEY_REUSED, fingerprint
from api.models import ApiScope, IdempotencyRecord
from api.problems import CONTENT_TYPE
from environments.models import EnvironmentUser
from licensing.models import LicenseLine, LicenseMutation
from tests.api.conftest import bearer
from tests.factories import EnvironmentFactory, EnvironmentUserFactory, LicenseLineFactory

URL = "/api/v1/lines/profit_users/O/quantity"
IN_USE = 12


@pytest.fixture
def line(customer_a):
    environment = EnvironmentFactory(customer=customer_a, code="O12345AA")
    EnvironmentUserFactory.create_batch(IN_USE, environment=environment, profit=True)
    return LicenseLineFactory(license=customer_a.license, item="profit_users", scope="O", maximum=20)


@pytest.fixture
def key(customer_a, make_key):
    return make_key(customer_a, scopes=[ApiScope.LICENSES_WRITE], name="Automatisering")


def post(client, secret, body, idempotency_key=None, *, url=URL, raw=None, **extra):
    if idempotency_key is not None:
        extra["HTTP_IDEMPOTENCY_KEY"] = idempotency_key
    data = raw if raw is not None else json.dumps(body)
    return client.post(url, data, content_type="application/json", **bearer(secret), **extra)


def test_a_repeat_gets_the_first_answer_and_makes_no_second_mutation(client, line, key):
    api_key, secret = key
    first = post(client, secret, {"quantity": 15}, "order-1")
    # In between, someone else changes the line: the repeat still answers what the first did.
    LicenseLine.objects.filter(pk=line.pk).update(maximum=30, portal=30)

    repeat = post(client, secret, {"quantity": 15}, "order-1")

    assert first.status_code == repeat.status_code == 200
    assert repeat.json() == first.json()
    assert repeat["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert LicenseMutation.objects.count() == 1
    assert LicenseLine.objects.get(pk=line.pk).maximum == 30
    record = IdempotencyRecord.objects.get()
    assert (record.api_key, record.key, record.status, record.body) == (api_key, "order-1", 200, first.json())
    assert record.fingerprint == fingerprint(
        method="POST", path=URL, body={"quantity": 15, "acknowledge_deviation": False}
    )
    assert len(record.fingerprint) == 64 and int(record.fingerprint, 16) >= 0


def test_the_fingerprint_is_sha256_of_method_path_and_json_body():
    expected = hashlib.sha256(b'["POST","/p",{"a":1,"b":2}]').hexdigest()
    assert fingerprint(method="POST", path="/p", body={"b": 2, "a": 1}) == expected


def test_the_same_body_in_other_whitespace_and_key_order_is_a_repeat(client, line, key):
    _api_key, secret = key
    first = post(client, secret, None, "k", raw='{"quantity": 15, "acknowledge_deviation": false}')
    repeat = post(client, secret, None, "k", raw='{ "acknowledge_deviation":false,"quantity":15 }')
    assert repeat.status_code == 200 and repeat.json() == first.json()
    assert LicenseMutation.objects.count() == 1


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_same_key_with_another_body_is_422_and_changes_nothing(client, line, key, language):
    _api_key, secret = key
    post(client, secret, {"quantity": 15}, "order-1")

    other = post(client, secret, {"quantity": 16}, "order-1", HTTP_ACCEPT_LANGUAGE=language)

    assert other.status_code == 422
    assert other["Content-Type"] == CONTENT_TYPE
    with translation.override(language):
        assert other.json()["detail"] == str(KEY_REUSED)
    assert LicenseMutation.objects.count() == 1
    assert LicenseLine.objects.get(pk=line.pk).maximum == 15
    assert IdempotencyRecord.objects.count() == 1


def test_the_same_key_on_another_line_is_another_request(client, line, key, customer_a):
    _api_key, secret = key
    LicenseLineFactory(license=customer_a.license, item="profit_users", scope="T", maximum=5)
    post(client, secret, {"quantity": 15}, "order-1")

    other = post(client, secret, {"quantity": 15}, "order-1", url="/api/v1/lines/profit_users/T/quantity")

    assert other.status_code == 422
    assert LicenseMutation.objects.count() == 1


def test_a_refusal_is_recorded_and_its_repeat_answers_the_same(client, line, key):
    _api_key, secret = key
    first = post(client, secret, {"quantity": 10}, "lower")
    # Now 10 would be accepted: the repeat is still the first answer, and still changes nothing.
    EnvironmentUser.objects.filter(environment__code="O12345AA").delete()

    repeat = post(client, secret, {"quantity": 10}, "lower")

    assert first.status_code == repeat.status_code == 409
    assert repeat.json() == first.json()
    assert first.json()["in_use"] == IN_USE and first.json()["requested"] == 10
    assert repeat["Content-Type"] == CONTENT_TYPE
    assert LicenseMutation.objects.count() == 0
    assert LicenseLine.objects.get(pk=line.pk).maximum == 20
    assert IdempotencyRecord.objects.get().status == 409
    # A new key is a new request.
    assert post(client, secret, {"quantity": 10}, "lower-again").status_code == 200


def test_a_range_refusal_is_recorded_too(client, line, key):
    _api_key, secret = key
    first = post(client, secret, {"quantity": -5}, "neg")
    repeat = post(client, secret, {"quantity": -5}, "neg")
    assert first.status_code == repeat.status_code == 422
    assert repeat.json() == first.json()
    assert IdempotencyRecord.objects.get().status == 422


def test_without_the_header_each_request_is_its_own(client, line, key):
    _api_key, secret = key
    post(client, secret, {"quantity": 15})
    post(client, secret, {"quantity": 15})
    assert LicenseMutation.objects.count() == 2
    assert IdempotencyRecord.objects.count() == 0


def test_keys_are_per_api_key(client, line, key, customer_a, make_key):
    _api_key, secret = key
    _other_key, other_secret = make_key(customer_a, scopes=[ApiScope.LICENSES_WRITE])
    post(client, secret, {"quantity": 15}, "shared")
    second = post(client, other_secret, {"quantity": 15}, "shared")
    assert second.status_code == 200 and "Idempotent-Replayed" not in second
    assert LicenseMutation.objects.count() == 2


@pytest.mark.parametrize("value", ["x" * 200, " ", "~!@#$%^&*()_+ {}|:<>?"])
def test_a_key_of_1_to_200_printable_ascii_characters_is_taken(client, line, key, value):
    _api_key, secret = key
    assert post(client, secret, {"quantity": 15}, value).status_code == 200
    assert IdempotencyRecord.objects.get().key == value


@pytest.mark.parametrize("value", ["", "x" * 201, "sleutel-é", "tab\there", "nul\x7f"])
def test_a_malformed_key_is_422_naming_the_header(client, line, key, value):
    _api_key, secret = key
    response = post(client, secret, {"quantity": 15}, value)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["Idempotency-Key"]
    assert LicenseMutation.objects.count() == 0
    assert IdempotencyRecord.objects.count() == 0


def test_an_invalid_body_is_not_recorded(client, line, key):
    _api_key, secret = key
    assert post(client, secret, {"quantity": "15"}, "k").status_code == 422
    assert IdempotencyRecord.objects.count() == 0
    assert post(client, secret, {"quantity": 15}, "k").status_code == 200


def test_records_older_than_24_hours_are_purged(client, line, key):
    _api_key, secret = key
    post(client, secret, {"quantity": 15}, "old")
    post(client, secret, {"quantity": 16}, "young")
    IdempotencyRecord.objects.filter(key="old").update(
        created_at=timezone.now() - timedelta(hours=24, seconds=1)
    )
    IdempotencyRecord.objects.filter(key="young").update(created_at=timezone.now() - timedelta(hours=23))
    out = StringIO()

    call_command("purge_idempotency_records", stdout=out)

    assert out.getvalue().strip() == "purged 1 idempotency records"
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["young"]
    # After the purge the key is free: the request is a new one.
    assert post(client, secret, {"quantity": 17}, "old").status_code == 200
    assert LicenseMutation.objects.count() == 3
