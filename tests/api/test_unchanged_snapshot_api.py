"""PUT snapshot takes the import's one path: a snapshot with the last import's content writes only its
taken_at, and the answer still says what the environment holds."""

import json

import pytest

from environments.models import Environment, EnvironmentUser
from tests.api.conftest import bearer
from tests.environments.test_import_snapshot import snapshot_data
from tests.factories import CustomerFactory, EnvironmentFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/environments/O12345AA/snapshot/"


def put(client, secret, taken_at):
    body = json.dumps(snapshot_data(taken_at=taken_at))
    return client.put(URL, body, "application/json", **bearer(secret))


def test_an_unchanged_push_writes_only_taken_at(client, make_token):
    environment = EnvironmentFactory(customer=CustomerFactory(number="12345"), code="O12345AA", type="O")
    _token, secret = make_token(environment)
    first = client.put(
        URL,
        json.dumps(snapshot_data(taken_at="2026-11-27T00:45:00+01:00")),
        "application/json",
        **bearer(secret),
    )
    assert first.status_code == 200, first.content
    rows = list(EnvironmentUser.objects.order_by("id").values_list("id", flat=True))

    second = client.put(
        URL,
        json.dumps(snapshot_data(taken_at="2026-11-28T00:45:00+01:00")),
        "application/json",
        **bearer(secret),
    )

    assert second.status_code == 200, second.content
    assert second.json()["users"] == first.json()["users"] == 5
    assert list(EnvironmentUser.objects.order_by("id").values_list("id", flat=True)) == rows
    assert Environment.objects.get().data_taken_at.day == 27  # 00:45 +01:00 is the 27th in UTC
