"""POST /api/v1/lines/{item}/{scope}/quantity: the portal's mutation, every rule, through its service.

Refusals are problem documents whose `detail` is the portal's own message, and nothing changes; an
accepted change is a LicenseMutation with source `api` and the key's name.
"""

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation

from api.models import ApiScope
from api.problems import CONTENT_TYPE
from licensing.models import MAX_QUANTITY, SMALL_BUSINESS_CAP, LicenseLine, LicenseMutation, MutationSource
from licensing.services import (
    BELOW_IN_USE,
    DEVIATION_NOT_ACKNOWLEDGED,
    NOT_BEHEERDER,
    QUANTITY_OUT_OF_RANGE,
    KeyActor,
    line_change_quantity,
)
from tests.api.conftest import bearer
from tests.factories import PASSWORD, EnvironmentFactory, EnvironmentUserFactory, LicenseLineFactory

URL = "/api/v1/lines/{item}/{scope}/quantity"
PROFIT_O = URL.format(item="profit_users", scope="O")
IN_USE = 12
BELOW_IN_USE_EN = "The requested number is below the number actually in use."


@pytest.fixture
def line(customer_a):
    environment = EnvironmentFactory(customer=customer_a, code="O12345AA")
    EnvironmentUserFactory.create_batch(IN_USE, environment=environment, profit=True)
    # in_use as of the last count is 0: the API must count fresh.
    return LicenseLineFactory(license=customer_a.license, item="profit_users", scope="O", maximum=20)


@pytest.fixture
def secret(customer_a, make_key):
    _api_key, secret = make_key(customer_a, scopes=[ApiScope.LICENSES_WRITE], name="Automatisering")
    return secret


def post(client, url, body, secret, **extra):
    return client.post(url, json.dumps(body), content_type="application/json", **bearer(secret), **extra)


def snapshot(line):
    line = LicenseLine.objects.get(pk=line.pk)
    return (line.maximum, line.portal, line.in_use, LicenseMutation.objects.count())


def assert_unchanged(line, before):
    assert snapshot(line) == before


def test_it_sets_maximum_and_portal_and_logs_the_mutation_as_the_keys(client, line, secret):
    response = post(client, PROFIT_O, {"quantity": 15}, secret)

    assert response.status_code == 200
    mutation = LicenseMutation.objects.get()
    assert response.json() == {
        "item": "profit_users",
        "scope": "O",
        "maximum": 15,
        "portal": 15,
        "in_use": IN_USE,
        "mutation_id": mutation.pk,
        "dry_run": False,
        "needs_approval": False,
        "price_before": None,
        "price_after": None,
        "currency": "EUR",
    }
    line.refresh_from_db()
    assert (line.maximum, line.portal, line.in_use) == (15, 15, IN_USE)
    assert mutation.source == MutationSource.API
    assert mutation.by == "Automatisering"
    assert mutation.contact is None and mutation.user is None
    assert (mutation.old_maximum, mutation.old_portal, mutation.new_quantity) == (20, 20, 15)
    assert mutation.acknowledged_deviation is False


def test_it_accepts_exactly_the_number_in_use(client, line, secret):
    response = post(client, PROFIT_O, {"quantity": IN_USE}, secret)
    assert response.status_code == 200
    assert LicenseLine.objects.get(pk=line.pk).maximum == IN_USE


@pytest.mark.parametrize(
    ("language", "detail"),
    [(None, "Het gewenste aantal komt onder het werkelijke aantal in gebruik."), ("en", BELOW_IN_USE_EN)],
)
def test_below_the_fresh_in_use_count_is_409_with_the_portals_exact_message(
    client, line, secret, language, detail
):
    before = snapshot(line)
    extra = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}

    response = post(client, PROFIT_O, {"quantity": IN_USE - 1}, secret, **extra)

    assert response.status_code == 409
    assert response["Content-Type"] == CONTENT_TYPE
    body = response.json()
    assert body["detail"] == detail
    assert body["in_use"] == IN_USE and body["requested"] == IN_USE - 1
    assert body["status"] == 409
    assert_unchanged(line, before)


def test_the_detail_is_the_message_the_portals_form_shows(client, line, secret, beheerder):
    api_detail = post(client, PROFIT_O, {"quantity": 3}, secret).json()["detail"]

    client.login(username=beheerder.user.username, password=PASSWORD)
    page = client.post(reverse("licensing:line_change", args=[line.pk]), {"quantity": 3})

    assert api_detail == str(BELOW_IN_USE)
    assert api_detail in page.content.decode()
    assert LicenseMutation.objects.count() == 0


@pytest.mark.parametrize("language", ["nl", "en"])
def test_an_unacknowledged_deviation_is_409_with_both_numbers(client, line, secret, language):
    LicenseLine.objects.filter(pk=line.pk).update(portal=18)
    before = snapshot(line)

    response = post(client, PROFIT_O, {"quantity": 25}, secret, HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 409
    body = response.json()
    with translation.override(language):
        assert body["detail"] == str(DEVIATION_NOT_ACKNOWLEDGED)
    assert (body["maximum"], body["portal"]) == (20, 18)
    assert_unchanged(line, before)


def test_an_acknowledged_deviation_goes_through_and_is_recorded(client, line, secret):
    LicenseLine.objects.filter(pk=line.pk).update(portal=18)

    response = post(client, PROFIT_O, {"quantity": 25, "acknowledge_deviation": True}, secret)

    assert response.status_code == 200
    mutation = LicenseMutation.objects.get()
    assert (mutation.old_maximum, mutation.old_portal, mutation.acknowledged_deviation) == (20, 18, True)
    assert snapshot(line)[:2] == (25, 25)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_above_the_small_business_cap_is_409_with_the_portals_message(client, customer_b, make_key, language):
    line = LicenseLineFactory(license=customer_b.license, item="environments", scope="license", maximum=3)
    _key, secret = make_key(customer_b, scopes=[ApiScope.LICENSES_WRITE])
    before = snapshot(line)

    url = URL.format(item="environments", scope="license")
    response = post(client, url, {"quantity": 11}, secret, HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 409
    with translation.override(language):
        assert response.json()["detail"] == SMALL_BUSINESS_CAP % {"cap": 10}
    assert_unchanged(line, before)
    assert post(client, url, {"quantity": 10}, secret).status_code == 200


@pytest.mark.parametrize("quantity", [-1, MAX_QUANTITY + 1, 10**30])
def test_a_quantity_out_of_range_is_422_naming_the_field_with_the_portals_message(
    client, line, secret, quantity
):
    before = snapshot(line)

    response = post(client, PROFIT_O, {"quantity": quantity}, secret)

    assert response.status_code == 422
    body = response.json()
    expected = QUANTITY_OUT_OF_RANGE % {"max": MAX_QUANTITY}
    assert body["detail"] == expected
    assert body["errors"] == [{"field": "quantity", "message": expected}]
    assert_unchanged(line, before)


@pytest.mark.parametrize("quantity", [15.5, "15", True, None, [15], {"n": 15}])
def test_a_quantity_that_is_not_a_whole_number_is_422_naming_the_field(client, line, secret, quantity):
    before = snapshot(line)

    response = post(client, PROFIT_O, {"quantity": quantity}, secret)

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["quantity"]
    assert_unchanged(line, before)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "quantity"),
        ({"quantity": 15, "acknowledge_deviation": "yes"}, "acknowledge_deviation"),
        ({"quantity": 15, "acknowledgeDeviation": True}, "acknowledgeDeviation"),
    ],
)
def test_a_missing_wrong_or_unknown_field_is_422_naming_it(client, line, secret, body, field):
    before = snapshot(line)
    response = post(client, PROFIT_O, body, secret)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert_unchanged(line, before)


def test_an_unknown_item_or_scope_is_422_and_a_pair_without_a_line_404(client, line, secret):
    before = snapshot(line)
    unknown_item = post(client, URL.format(item="pizzas", scope="O"), {"quantity": 15}, secret)
    unknown_scope = post(client, URL.format(item="profit_users", scope="X"), {"quantity": 15}, secret)
    no_line = post(client, URL.format(item="profit_users", scope="T"), {"quantity": 15}, secret)

    assert unknown_item.status_code == 422 and unknown_item.json()["errors"][0]["field"] == "item"
    assert unknown_scope.status_code == 422 and unknown_scope.json()["errors"][0]["field"] == "scope"
    assert no_line.status_code == 404 and no_line["Content-Type"] == CONTENT_TYPE
    assert_unchanged(line, before)


def test_a_key_acts_only_for_its_own_customer(client, line, customer_b, make_key):
    LicenseLineFactory(license=customer_b.license, item="profit_users", scope="O", maximum=2)
    _key, other = make_key(customer_b, scopes=[ApiScope.LICENSES_WRITE])
    before = snapshot(line)

    response = post(client, PROFIT_O, {"quantity": 15}, other)

    assert response.status_code == 200  # customer B's own line, not A's
    assert snapshot(line)[:3] == before[:3]
    assert LicenseMutation.objects.get().customer == customer_b


def test_it_needs_a_key_with_the_scope_licenses_write(client, line, customer_a, make_key, make_token):
    before = snapshot(line)
    _key, read_only = make_key(customer_a, scopes=[ApiScope.LICENTIEDATA_READ, ApiScope.WARNINGS_READ])
    _token, token = make_token(EnvironmentFactory(customer=customer_a, code="O12345AB"))

    wrong_scope = post(client, PROFIT_O, {"quantity": 15}, read_only)
    environment_token = post(client, PROFIT_O, {"quantity": 15}, token)
    no_key = client.post(PROFIT_O, json.dumps({"quantity": 15}), content_type="application/json")

    assert wrong_scope.status_code == 403 and wrong_scope.json()["scope"] == "licenses:write"
    assert environment_token.status_code == 401
    assert no_key.status_code == 401
    assert_unchanged(line, before)


def test_the_service_refuses_a_key_actor_of_another_customer(line, customer_b):
    with pytest.raises(PermissionDenied) as refusal:
        line_change_quantity(line=line, by=KeyActor(customer_id=customer_b.pk, name="x"), quantity=15)
    assert str(refusal.value) == str(NOT_BEHEERDER)
    assert LicenseMutation.objects.count() == 0
