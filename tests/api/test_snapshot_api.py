"""PUT /api/v1/environments/{code}/snapshot/: a snapshot pushed with the environment's token, through the
very reader, validator and atomic import of `manage.py import_snapshot`.

200 with what was imported; 422 naming field and position; 409 when stale; 413 above the limit (the
announced length first, then the bounded read, which also stops a gzip bomb); 403 for another
environment's code; 401 for an API key or no token. Nothing changes on a refusal.
"""

import gzip
import io
import json
import tracemalloc

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from api.models import ApiScope
from api.problems import CONTENT_TYPE
from api.services import revoke_environment_token
from api.snapshot_push import ENVIRONMENT_OF_ADDRESS, OTHER_ENVIRONMENT, UNSUPPORTED_ENCODING
from environments import snapshot_messages
from environments.models import EnvironmentUser
from tests.api.conftest import bearer
from tests.environments.test_import_snapshot import REFUSALS, person, set_path, snapshot_data, state, write
from tests.factories import CustomerFactory, EnvironmentFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/environments/{code}/snapshot/"
# The environment is named by the address: the API's answer for another one in the body is its own.
SAME_AS_COMMAND = [r for r in REFUSALS if r[0] != ("environment",) or r[1] != "O99999AA"]


@pytest.fixture
def imported(tmp_path, monkeypatch):
    """The data of tests/environments/test_import_snapshot.py's fixture, imported by the command, so that
    its REFUSALS hold here and "nothing changed" is checked against something."""
    customer = CustomerFactory(number="12345")
    environments = {
        code: EnvironmentFactory(customer=customer, type=code[0], code=code)
        for code in ("O12345AA", "O12345AB", "T12345AA")
    }
    monkeypatch.chdir(tmp_path)
    write("O12345AA.json", snapshot_data(taken_at="2026-11-27T00:45:00+01:00"))
    second = snapshot_data("O12345AB", taken_at="2026-11-27T00:45:00+01:00")
    second["users"] = [person("12345.JANSEN"), person("12345.bart")]
    write("O12345AB.json", second)
    call_command("import_snapshot", "O12345AA.json", "O12345AB.json", stdout=io.StringIO())
    return environments


@pytest.fixture
def token(imported, make_token):
    _token, secret = make_token(imported["O12345AA"])
    return secret


def put(client, secret, body, *, code="O12345AA", gzipped=False, **extra):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    if gzipped:
        raw = gzip.compress(raw)
        extra["HTTP_CONTENT_ENCODING"] = "gzip"
    headers = bearer(secret) if secret else {}
    return client.put(URL.format(code=code), raw, content_type="application/json", **headers, **extra)


def command(data, tmp_path) -> str | None:
    """The command's answer for the same data in a file named like the API's source, the code."""
    path = tmp_path / "O12345AA"
    path.write_text(json.dumps(data), encoding="utf-8")
    try:
        call_command("import_snapshot", str(path), stdout=io.StringIO())
    except CommandError as error:
        return str(error).replace(str(path), "O12345AA")
    return None


@pytest.mark.parametrize("gzipped", [False, True], ids=["json", "gzip"])
def test_it_imports_and_answers_what_it_imported(client, token, gzipped):
    data = snapshot_data(taken_at="2026-11-28T00:45:00+01:00")

    response = put(client, token, data, gzipped=gzipped)

    assert response.status_code == 200, response.content
    assert response.json() == {
        "environment": "O12345AA",
        "taken_at": "2026-11-28T00:45:00+01:00",
        "users": 5,
        "employees": 3,
        "declarations": 2,
        "clients": 1,
    }
    assert EnvironmentUser.objects.filter(environment__code="O12345AA").count() == 5


def without_import_time(current):
    return {**current, "environments": [row[:2] for row in current["environments"]]}


@pytest.mark.parametrize("gzipped", [False, True], ids=["json", "gzip"])
def test_it_leaves_the_same_state_as_the_command_for_the_same_file(client, token, tmp_path, gzipped):
    data = snapshot_data(taken_at="2026-11-28T00:45:00+01:00")
    data["users"].append(person("12345.nieuw", insite=True))
    before = state()

    assert put(client, token, data, gzipped=gzipped).status_code == 200
    after_api = state()
    # The command imports the same file over it (as new as the data it replaces: accepted).
    assert command(data, tmp_path) is None

    assert without_import_time(state()) == without_import_time(after_api) != without_import_time(before)


def test_the_command_reads_a_gzip_file_through_the_same_reader(imported, tmp_path, settings):
    data = snapshot_data(taken_at="2026-11-28T00:45:00+01:00")
    raw = json.dumps(data).encode()
    path = tmp_path / "O12345AA.json.gz"
    path.write_bytes(gzip.compress(raw))
    settings.SNAPSHOT_MAX_BYTES = len(raw) - 1
    with pytest.raises(CommandError, match="larger than"):
        call_command("import_snapshot", str(path), stdout=io.StringIO())
    settings.SNAPSHOT_MAX_BYTES = len(raw)
    call_command("import_snapshot", str(path), stdout=io.StringIO())
    assert EnvironmentUser.objects.filter(environment__code="O12345AA").count() == 5


@pytest.mark.parametrize(
    ("path", "value", "message"), SAME_AS_COMMAND, ids=[r[2][:60] for r in SAME_AS_COMMAND]
)
def test_it_refuses_what_the_command_refuses_naming_field_and_position(
    client, token, tmp_path, path, value, message
):
    data = snapshot_data()
    set_path(data, path, value)
    before = state()

    response = put(client, token, data)

    assert state() == before
    stale = message.startswith("taken_at: snapshot taken at") and "older" in message
    assert response.status_code == (409 if stale else 422)
    assert response["Content-Type"] == CONTENT_TYPE
    body = response.json()
    field, text = message.split(": ", 1)
    assert {"field": field, "message": text} in body["errors"]
    assert body["detail"] == command(data, tmp_path)
    assert state() == before


def test_it_names_every_problem_with_its_position(client, token):
    data = snapshot_data()
    data["users"][3]["profit"] = "true"
    data["clients"][0]["name"] = 7

    body = put(client, token, data).json()

    assert body["errors"] == [
        {"field": "users[3].profit", "message": snapshot_messages.EXPECTED_BOOLEAN},
        {"field": "clients[0].name", "message": snapshot_messages.EXPECTED_STRING},
    ]
    assert body["total"] == 2
    assert body["detail"] == (
        "O12345AA: users[3].profit: expected true or false\n"
        "O12345AA: clients[0].name: " + snapshot_messages.EXPECTED_STRING
    )


def test_a_stale_snapshot_is_409_and_changes_nothing(client, token):
    before = state()
    response = put(client, token, snapshot_data(taken_at="2026-11-26T00:00:00+01:00"))
    assert response.status_code == 409
    assert [error["field"] for error in response.json()["errors"]] == ["taken_at"]
    assert state() == before


@pytest.mark.parametrize(
    ("raw", "message_start"),
    [
        (b"{not json", "not valid JSON"),
        (b"[]", snapshot_messages.EXPECTED_OBJECT),
        (b'{"format": 1, "format": 1}', 'not valid JSON: key "format" occurs twice'),
        ("{}".encode("utf-16"), "not UTF-8"),
    ],
)
def test_a_body_that_is_no_snapshot_object_is_422_for_the_body(client, token, raw, message_start):
    before = state()
    response = put(client, token, raw)
    assert response.status_code == 422
    (error,) = response.json()["errors"][:1]
    assert error["field"] == "body" and error["message"].startswith(message_start)
    assert state() == before


def test_another_environment_in_the_body_is_422_naming_the_field(client, token):
    before = state()
    response = put(client, token, snapshot_data("O12345AB"))
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "environment", "message": ENVIRONMENT_OF_ADDRESS.format(code="O12345AA")}
    ]
    assert state() == before


def test_gzip_that_does_not_decompress_is_422(client, token):
    before = state()
    broken = gzip.compress(json.dumps(snapshot_data()).encode())[:-20]
    response = put(client, token, broken, HTTP_CONTENT_ENCODING="gzip")
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"].startswith("not valid gzip")
    assert put(client, token, b"plain text", HTTP_CONTENT_ENCODING="gzip").status_code == 422
    assert state() == before


@pytest.mark.parametrize("language", ["nl", "en"])
def test_another_content_encoding_is_415(client, token, language):
    before = state()
    response = put(client, token, snapshot_data(), HTTP_CONTENT_ENCODING="br", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 415
    with translation.override(language):
        assert response.json()["detail"] == str(UNSUPPORTED_ENCODING)
    assert state() == before


def test_above_the_limit_by_its_length_is_413_unread_and_changes_nothing(
    client, token, settings, monkeypatch
):
    data = snapshot_data()
    size = len(json.dumps(data).encode())
    settings.SNAPSHOT_MAX_BYTES = size - 1
    before = state()

    def unread(*args, **kwargs):
        raise AssertionError("the body was read")

    with monkeypatch.context() as patch:
        patch.setattr("api.snapshot_push.load_snapshot", unread)
        response = put(client, token, data)

    assert response.status_code == 413
    body = response.json()
    assert body["detail"] == f"O12345AA: {snapshot_messages.TOO_LARGE.format(max_bytes=size - 1)}"
    assert body["errors"] == [
        {"field": "body", "message": snapshot_messages.TOO_LARGE.format(max_bytes=size - 1)}
    ]
    assert state() == before
    settings.SNAPSHOT_MAX_BYTES = size
    assert put(client, token, data).status_code == 200


def test_gzip_that_decompresses_above_the_limit_is_413(client, token, settings):
    data = snapshot_data()
    raw = json.dumps(data).encode()
    settings.SNAPSHOT_MAX_BYTES = len(raw) - 1
    compressed = gzip.compress(raw)
    assert len(compressed) < len(raw) - 1  # passes the length check; the bounded read refuses it

    response = put(client, token, compressed, HTTP_CONTENT_ENCODING="gzip")

    assert response.status_code == 413


def test_a_gzip_bomb_is_413_without_expanding_in_memory(client, token, settings):
    settings.SNAPSHOT_MAX_BYTES = 5 * 1024 * 1024
    # 1 GiB of zeros as 100 concatenated gzip members of 10 MiB each: about 1 MB sent.
    member = gzip.compress(b"\0" * (10 * 1024 * 1024), compresslevel=9)
    bomb = member * 103
    assert len(bomb) < settings.SNAPSHOT_MAX_BYTES
    before = state()

    tracemalloc.start()
    try:
        response = put(client, token, bomb, HTTP_CONTENT_ENCODING="gzip")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert response.status_code == 413
    assert response.json()["errors"][0]["message"] == snapshot_messages.TOO_LARGE.format(
        max_bytes=settings.SNAPSHOT_MAX_BYTES
    )
    # The limit plus the compressed body and buffers, far below the gigabyte it would expand to.
    assert peak < 4 * settings.SNAPSHOT_MAX_BYTES
    assert state() == before


def test_djangos_upload_limit_does_not_cut_the_body(client, token, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    data = snapshot_data(taken_at="2026-11-28T00:45:00+01:00")
    assert len(json.dumps(data)) > 100
    assert put(client, token, data).status_code == 200


def test_another_environments_code_is_403_and_changes_nothing(client, token):
    before = state()
    other = put(client, token, snapshot_data("O12345AB"), code="O12345AB")
    unknown = put(client, token, snapshot_data("O99999AA"), code="O99999AA")
    assert other.status_code == unknown.status_code == 403
    assert other.json()["detail"] == str(OTHER_ENVIRONMENT)
    assert state() == before


def test_it_needs_the_environments_token(client, imported, token, make_key, customer_a):
    _key, api_key = make_key(customer_a, scopes=list(ApiScope.values))
    before = state()
    data = snapshot_data(taken_at="2026-11-28T00:45:00+01:00")

    assert put(client, api_key, data).status_code == 401
    assert put(client, None, data).status_code == 401
    assert put(client, "lp_env_nonsense", data).status_code == 401
    assert state() == before


def test_a_revoked_token_is_401(client, imported, make_token):
    environment_token, secret = make_token(imported["O12345AA"])
    revoke_environment_token(token=environment_token, by="tests")
    before = state()
    assert put(client, secret, snapshot_data(taken_at="2026-11-28T00:45:00+01:00")).status_code == 401
    assert state() == before
