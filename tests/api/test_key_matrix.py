"""Every operation of the API × every kind of credential: the right status, and nothing of another
customer in any answer.

The operations come from the generated OpenAPI schema, so a new endpoint without a row in REQUIRED
fails here with its name. For each one: no credential, a malformed, an unknown, a revoked and an
expired key, another customer's key, a key without the operation's scope, a key with it, and an
environment token (of its own environment and of another where the path names an environment).
Every invalid kind gets one and the same 401, byte for byte; a valid credential without the right
gets 403; the right one anything but 401/403. Refused calls change nothing in the database.
"""

import base64
import json
from datetime import timedelta

import pytest
from django.apps import apps
from django.test import Client
from django.utils import timezone

from api import keys
from api.models import ApiKey, ApiScope
from api.problems import CONTENT_TYPE
from api.services import revoke_api_key
from api.v1 import openapi_text
from tests.api.seed import seed_customer

ENVIRONMENT = "environment"  # the operation takes an environment token of the environment in its path

# (method, path) of every operation → the scope of the API key it needs, or ENVIRONMENT. A new
# operation gets its row here; the test names every operation of the schema that has none.
REQUIRED = {
    ("GET", "/api/v1/licentiedata/"): ApiScope.LICENTIEDATA_READ,
    ("GET", "/api/v1/ping"): ApiScope.LICENTIEDATA_READ,
    ("GET", "/api/v1/lines/{item}/{scope}/usage"): ApiScope.LICENTIEDATA_READ,
    ("GET", "/api/v1/mutations/"): ApiScope.LICENTIEDATA_READ,
    ("GET", "/api/v1/warnings/"): ApiScope.WARNINGS_READ,
    ("POST", "/api/v1/lines/{item}/{scope}/quantity"): ApiScope.LICENSES_WRITE,
    ("PUT", "/api/v1/environments/{code}/snapshot/"): ENVIRONMENT,
    ("GET", "/api/v1/pending-changes/"): ApiScope.CHANGES_APPROVE,
    ("POST", "/api/v1/pending-changes/{change_id}/approve"): ApiScope.CHANGES_APPROVE,
    ("POST", "/api/v1/pending-changes/{change_id}/reject"): ApiScope.CHANGES_APPROVE,
}

# Operations that are not in /api/v1/'s schema (an API of their own, such as the AFAS GetConnector
# at /ProfitRestServices/ if it is mounted apart): (method, path) → (what it needs, security scheme).
OUTSIDE_THE_SCHEMA: dict[tuple[str, str], tuple[str, str]] = {
    ("GET", "/ProfitRestServices/connectors/Licentiedata"): (ApiScope.LICENTIEDATA_READ, "AfasToken"),
    ("GET", "/ProfitRestServices/metainfo/get/Licentiedata"): (ApiScope.LICENTIEDATA_READ, "AfasToken"),
}

# A valid body for an operation that takes one, sent with every credential: a refusal (403 for another
# environment) must not hide behind a 422 of a missing body, and the right credential gets past it.
BODIES: dict[tuple[str, str], dict] = {
    ("POST", "/api/v1/lines/{item}/{scope}/quantity"): {"quantity": 10, "acknowledge_deviation": True},
    ("POST", "/api/v1/pending-changes/{change_id}/approve"): {"reason": ""},
    ("POST", "/api/v1/pending-changes/{change_id}/reject"): {"reason": "not needed"},
    # Valid in shape; whichever environment the path names, the right token gets past 401/403.
    ("PUT", "/api/v1/environments/{code}/snapshot/"): {
        "format": 1,
        "environment": "O12345AA",
        "taken_at": "2026-11-28T00:45:00+01:00",
        "users": [],
        "employees": [],
        "declarations": [],
        "clients": [],
    },
}


def afas_token(secret: str) -> str:
    """The key as an AFAS integration sends it: `AfasToken <base64 of the token XML around it>`."""
    token = f"<token><version>1</version><data>{secret}</data></token>"
    return "AfasToken " + base64.b64encode(token.encode()).decode()


# How each security scheme of the schema carries a secret in the Authorization header.
PRESENTED = {
    "ApiKeyAuth": lambda secret: f"Bearer {secret}",
    "EnvironmentTokenAuth": lambda secret: f"Bearer {secret}",
    # The AFAS GetConnector at /ProfitRestServices/, outside /api/v1/'s schema.
    "AfasToken": afas_token,
}

INVALID_KINDS = ("none", "malformed", "unknown", "revoked", "expired")


def schema_operations() -> dict[tuple[str, str], str]:
    """(method, path) → security scheme of every operation of the generated schema."""
    schema = json.loads(openapi_text())
    found = {}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            security = operation.get("security", schema.get("security", []))
            found[(method.upper(), path)] = next(iter(security[0])) if security else None
    return found


def all_operations() -> dict[tuple[str, str], str]:
    return {**schema_operations(), **{op: scheme for op, (_needs, scheme) in OUTSIDE_THE_SCHEMA.items()}}


def requirement(operation) -> str:
    return OUTSIDE_THE_SCHEMA[operation][0] if operation in OUTSIDE_THE_SCHEMA else REQUIRED[operation]


def check_the_table(operations) -> None:
    """Fails naming every operation of the schema without a row in REQUIRED, and every row of none."""
    missing = sorted(set(operations) - set(REQUIRED) - set(OUTSIDE_THE_SCHEMA))
    assert not missing, (
        "operations without a row in REQUIRED of tests/api/test_key_matrix.py (the scope they need, or "
        "ENVIRONMENT): " + ", ".join(f"{method} {path}" for method, path in missing)
    )
    gone = sorted(set(REQUIRED) - set(schema_operations()))
    assert not gone, "rows of REQUIRED for no operation of the schema: " + ", ".join(map(" ".join, gone))
    unsecured = sorted(op for op, scheme in operations.items() if scheme is None)
    assert not unsecured, "operations without a security scheme: " + ", ".join(map(" ".join, unsecured))
    unknown = sorted(set(operations.values()) - set(PRESENTED))
    assert not unknown, f"security schemes without a way to present a key in PRESENTED: {unknown}"
    for operation in operations:
        needs = requirement(operation)
        assert needs == ENVIRONMENT or needs in ApiScope.values, f"{operation}: not a scope: {needs!r}"


def test_the_table_has_a_row_for_every_operation_of_the_schema():
    check_the_table(all_operations())


@pytest.fixture
def world(customer_a, customer_b, make_key, make_token):
    production_a = seed_customer(customer_a)
    test_a = customer_a.environments.get(type="T")
    production_b = seed_customer(customer_b)
    revoked, revoked_secret = make_key(customer_a, scopes=ApiScope.values)
    revoke_api_key(api_key=revoked, by="tests")
    expired, expired_secret = make_key(customer_a, scopes=ApiScope.values)
    past = timezone.now() - timedelta(days=2)
    ApiKey.objects.filter(pk=expired.pk).update(created_at=past, expires_at=past + timedelta(days=1))
    secrets = {
        "malformed": "lp_key_nonsense",
        "unknown": keys.generate(keys.API_KEY),
        "revoked": revoked_secret,
        "expired": expired_secret,
        "other customer": make_key(customer_b, scopes=ApiScope.values)[1],
        "environment token": make_token(production_a)[1],
        "other customer's environment token": make_token(production_b)[1],
    }
    for scope in ApiScope.values:
        secrets[f"only {scope}"] = make_key(customer_a, scopes=[scope])[1]
        others = [other for other in ApiScope.values if other != scope]
        secrets[f"all but {scope}"] = make_key(customer_a, scopes=others)[1]
    return {
        "secrets": secrets,
        # What of each customer must never show in an answer to a credential of the other.
        "marks": {customer.number: marks_of(customer) for customer in (customer_a, customer_b)},
        "a": customer_a.number,
        "b": customer_b.number,
        "path": {"code": production_a.code, "item": "profit_users", "scope": "O", "change_id": "999999"},
        "other environment codes": [test_a.code, production_b.code],
    }


def marks_of(customer) -> set[str]:
    marks = {customer.number, customer.name}
    for environment in customer.environments.all():
        marks.add(environment.code)
        marks.update(environment.users.values_list("code", flat=True))
    return marks


def url(path: str, values: dict) -> str:
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    assert "{" not in path, f"{path}: a path parameter without a value in the world fixture"
    return path


def call(client, method, path, authorization=None, body=None):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization is not None else {}
    if body is not None:
        return client.generic(method, path, json.dumps(body), content_type="application/json", **headers)
    return client.generic(method, path, **headers)


def database_state():
    """Every row of the product's apps (not the credentials, whose last use a call may note)."""
    state = {}
    for label in ("portal", "environments", "licensing"):
        for model in apps.get_app_config(label).get_models():
            state[model._meta.label] = list(model.objects.order_by("pk").values())
    return state


def cases(operation, scheme, world):
    """(kind, path, secret or None, expected) for the operation; expected is 401, 403 or "allowed"."""
    method, template = operation
    needs = requirement(operation)
    secrets = world["secrets"]
    own = url(template, world["path"])
    yield "none", own, None, 401
    for kind in ("malformed", "unknown", "revoked", "expired"):
        yield kind, own, secrets[kind], 401
    if needs == ENVIRONMENT:
        yield "environment token", own, secrets["environment token"], "allowed"
        for code in world["other environment codes"]:
            other = url(template, {**world["path"], "code": code})
            yield f"environment token on {code}", other, secrets["environment token"], 403
        yield "other customer's environment token", own, secrets["other customer's environment token"], 403
        # An API key is no environment token, whatever its scopes.
        yield "api key", own, secrets[f"only {ApiScope.LICENTIEDATA_READ}"], 401
        yield "other customer", own, secrets["other customer"], 401
    else:
        yield "right scope", own, secrets[f"only {needs}"], "allowed"
        yield "wrong scope", own, secrets[f"all but {needs}"], 403
        # Another customer's key acts for that customer: allowed, and it sees only its own.
        yield "other customer", own, secrets["other customer"], "allowed"
        # An environment token is no API key: the same 401 as no key at all.
        yield "environment token", own, secrets["environment token"], 401


def test_every_operation_gives_every_kind_of_credential_its_status_and_leaks_nothing(world):
    operations = all_operations()
    check_the_table(operations)
    planned = [
        (operation, kind, path, PRESENTED[scheme](secret) if secret is not None else None, expected)
        for operation, scheme in operations.items()
        for kind, path, secret, expected in cases(operation, scheme, world)
    ]
    client = Client()
    before = database_state()
    # The refusals first: together they must change nothing.
    answers = [
        (operation, kind, expected, call(client, operation[0], path, authorization, BODIES.get(operation)))
        for operation, kind, path, authorization, expected in planned
        if expected != "allowed"
    ]
    assert database_state() == before, "a refused call changed the database"
    answers += [
        (operation, kind, expected, call(client, operation[0], path, authorization, BODIES.get(operation)))
        for operation, kind, path, authorization, expected in planned
        if expected == "allowed"
    ]

    unauthorized = {}
    for operation, kind, expected, response in answers:
        label = f"{operation[0]} {operation[1]} with {kind}"
        if expected == "allowed":
            assert response.status_code not in (401, 403), (
                f"{label}: {response.status_code} {response.content!r}"
            )
            assert response.status_code < 500, f"{label}: {response.status_code}"
        else:
            assert response.status_code == expected, f"{label}: {response.status_code} {response.content!r}"
            assert response["Content-Type"] == CONTENT_TYPE, label
        if expected == 401:
            seen = (response["Content-Type"], response.get("WWW-Authenticate"), response.content)
            unauthorized.setdefault(operation, {})[kind] = seen
        # An answer to a credential of A holds nothing of B, one to B's nothing of A, and a refusal
        # nothing of either.
        speaks_for = world["b"] if kind.startswith("other customer") else world["a"]
        forbidden = set().union(*(marks for number, marks in world["marks"].items() if number != speaks_for))
        if expected != "allowed":
            forbidden |= world["marks"][speaks_for]
        text = response.content.decode()
        leaked = sorted(mark for mark in forbidden if mark in text)
        assert not leaked, f"{label}: the answer holds {leaked}"
    for operation, seen in unauthorized.items():
        assert set(INVALID_KINDS) <= set(seen), operation
        assert len(set(seen.values())) == 1, f"{operation}: the 401s differ: {seen}"
    # ...and every operation of the schema was called with each kind.
    assert set(unauthorized) == set(operations)
