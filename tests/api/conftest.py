"""Keys for the API tests, made through the services as the page and the commands make them."""

import pytest

from api import ratelimit
from api.models import ApiScope
from api.services import create_api_key, create_environment_token

BY = "tests"


@pytest.fixture
def make_key():
    def make(customer, *, scopes=(ApiScope.LICENTIEDATA_READ,), name=None, expires=None):
        make.count += 1
        return create_api_key(
            customer=customer,
            name=name or f"sleutel {make.count}",
            scopes=list(scopes),
            expires=expires,
            by=BY,
        )

    make.count = 0
    return make


@pytest.fixture
def make_token():
    def make(environment):
        return create_environment_token(environment=environment, by=BY)

    return make


def bearer(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # The limiter outlives a test (in-process, or counters in Redis) and ids come back (SQLite reuses
    # them after a rollback): every test starts with full budgets, and leaves none used behind. The
    # first reset also clears Redis counters an earlier run left (its limiter is gone with its process).
    ratelimit.get_limiter().reset()
    ratelimit.reset_limiters()
    yield
    ratelimit.reset_limiters()
