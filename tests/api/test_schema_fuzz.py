"""schemathesis over the API's own schema, in process: every operation, 0 server errors, every answer
as the schema says (status code documented, content type, headers, body), with every built-in check.

The schema is loaded from the app (`/api/v1/openapi.json`), so an operation merged later is fuzzed
without touching this module: schemathesis makes one test per operation. Each case runs in the test's
thread through Django's WSGI handler, on the test's database connection, inside a savepoint that is
rolled back, so no case sees another's writes.
"""

import itertools

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.models import ApiScope
from api.problems import CONTENT_TYPE, TYPE_BASE
from tests.api.seed import seed_customer

SCHEMA_URL = "/api/v1/openapi.json"
# Generated cases per operation in the fuzzing phase; schemathesis adds its example and coverage
# cases. Bounded and derandomised: the same cases on every run, the module within about a minute.
MAX_EXAMPLES = 30
REFUSED = TYPE_BASE + "refused"

# Loaded when the module is collected. schemathesis's lazy loader (schemathesis.pytest.from_fixture)
# fails on pytest 9.2: it sets `node._nodeid`, which pytest no longer has. The schema view reads no
# database, so loading it here needs none.
schema = schemathesis.openapi.from_wsgi(SCHEMA_URL, WSGIHandler())


@pytest.fixture(autouse=True)
def _room_for_every_example(settings):
    # One operation's examples come from one key; the rate limit (tested in test_rate_limit_api) must not
    # turn them into 429s that pass every check while testing nothing.
    settings.API_RATE_LIMIT = 1_000_000


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # Django's test client disconnects close_old_connections around each request; the plain WSGI
    # handler does not, and it would close the test's connection in the middle of its transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(customer_a, customer_b, make_key, make_token):
    """Customer A (and B beside it) with data, an API key of A holding every scope, a token of A's
    production environment, and path values that name A's things."""
    production = seed_customer(customer_a)
    seed_customer(customer_b)
    _key, key_secret = make_key(customer_a, scopes=ApiScope.values)
    _token, token_secret = make_token(production)
    return {
        # The Authorization header for each security scheme of the schema.
        "credentials": {
            "ApiKeyAuth": f"Bearer {key_secret}",
            "EnvironmentTokenAuth": f"Bearer {token_secret}",
        },
        # Every other positive case has its path parameters of these names replaced, so that the
        # operations get past "not found" to their real work; the rest keep what was generated.
        "path": {"code": production.code, "item": "profit_users", "scope": "O"},
        "alternate": itertools.count(),
    }


def authorization(case, credentials) -> dict:
    """The credential of the operation's security scheme (its first one) as a header.

    None for a negative case that left the Authorization header out on purpose (schemathesis's
    "violates `required` (was Authorization)"): adding the key back would turn the invalid request
    into a valid one, which the API rightly accepts, and the rejection check would fail on the test's
    own doing.
    """
    security = case.operation.definition.raw.get("security", schema.raw_schema.get("security", []))
    if not security:
        return {}
    headers = {name.lower() for name in (case.headers or {})}
    if case.meta is not None and case.meta.generation.mode.is_negative and "authorization" not in headers:
        return {}
    scheme = next(iter(security[0]))
    assert scheme in credentials, (
        f"{case.method.upper()} {case.path}: no credential for its security scheme {scheme!r}; "
        "add one to the `world` fixture of tests/api/test_schema_fuzz.py"
    )
    return {"Authorization": credentials[scheme]}


def positive_data_acceptance_but_refusals(ctx, response, case):
    """schemathesis's positive_data_acceptance, except for a refusal of the domain.

    A request can match the schema and still break a rule of DESIGN.md (a count below what is in
    use, a snapshot older than the last): the API answers that with a 422 problem of type `refused`
    and the portal's own message, as issue 11 asks. positive_data_acceptance takes any 422 of valid
    data for a schema that promises too much; every other 422 (a validation error of valid data) and
    every other status still fail it.
    """
    content_type = response.headers.get("content-type", [""])[0]
    if content_type.startswith(CONTENT_TYPE) and response.status_code == 422:
        refused = response.json().get("type") == REFUSED
        if refused:
            return True
    return positive_data_acceptance(ctx, response, case)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_answers_as_its_schema_says(case, world):
    if case.meta.generation.mode.is_positive and next(world["alternate"]) % 2:
        for name in case.path_parameters.keys() & world["path"].keys():
            case.path_parameters[name] = world["path"][name]
    with transaction.atomic():
        response = case.call_and_validate(
            headers=authorization(case, world["credentials"]),
            excluded_checks=[positive_data_acceptance],
            additional_checks=[positive_data_acceptance_but_refusals],
        )
        transaction.set_rollback(True)
    # A 429 passes every check (it is documented) but tests nothing: the fuzzing would stop at the
    # rate limit. Raise the limit for this test when that happens.
    assert response.status_code != 429, f"{case.method} {case.path}: rate-limited while fuzzing"
