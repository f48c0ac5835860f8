"""Every kind of credential a request can carry, for the tests of one endpoint: {name: secret or None}.

`own` holds `scope`; `wrong_scope` holds every other scope; `other_customer` is a valid key of the
other customer with `scope`; `revoked`, `expired` and `unknown` are keys that are no longer (or never
were) usable; `environment_token` is a valid token of one of the customer's environments.
"""

from datetime import timedelta

from django.utils import timezone

from api import keys
from api.models import ApiKey, ApiScope
from api.services import revoke_api_key
from tests.factories import EnvironmentFactory

# The status each kind gets on an endpoint that needs an API key, but for the other customer's key
# (which acts for its own customer: the endpoint's tests say what it gets).
REFUSED = {
    "none": 401,
    "unknown": 401,
    "malformed": 401,
    "revoked": 401,
    "expired": 401,
    "environment_token": 401,
    "wrong_scope": 403,
}


def credentials(customer, other_customer, *, scope: str, make_key, make_token) -> dict[str, str | None]:
    _own, own = make_key(customer, scopes=[scope])
    others = [s for s in ApiScope.values if s != scope]
    _wrong, wrong_scope = make_key(customer, scopes=others)
    _other, other_customer_key = make_key(other_customer, scopes=[scope])
    revoked_key, revoked = make_key(customer, scopes=[scope])
    revoke_api_key(api_key=revoked_key, by="tests")
    expired_key, expired = make_key(customer, scopes=[scope])
    now = timezone.now()
    ApiKey.objects.filter(pk=expired_key.pk).update(
        created_at=now - timedelta(days=2), expires_at=now - timedelta(days=1)
    )
    environment = customer.environments.first() or EnvironmentFactory(customer=customer)
    _token, token = make_token(environment)
    return {
        "own": own,
        "none": None,
        "unknown": keys.generate(keys.API_KEY),
        "malformed": "lp_key_nonsense",
        "revoked": revoked,
        "expired": expired,
        "environment_token": token,
        "wrong_scope": wrong_scope,
        "other_customer": other_customer_key,
    }


def bearer_of(secret: str | None) -> dict:
    return {} if secret is None else {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
