"""Who calls the API: `Authorization: Bearer <key>`, an API key with the scope an operation needs.

An unknown, revoked, expired or malformed key, an environment token where an API key is asked for and
no key at all get one and the same 401; a valid key without the operation's scope gets 403.

Every request a credential authenticates counts against its rate limit (`count_request`), keyed by
the credential's id: over the budget it is a 429 with `Retry-After`, before the scope is looked at.
"""

from django.http import HttpRequest
from ninja.security import HttpBearer

from . import keys, ratelimit
from .models import ApiKey, Credential, EnvironmentToken
from .problems import MissingScope, RateLimited

# Set on a request once it has been counted: a second authentication of the same request (another
# auth class tried after the first) does not count it twice.
COUNTED = "_api_rate_counted"


def rate_key(credential: Credential) -> str:
    """The limiter's key for a credential: its kind and id, never the secret or its digest."""
    kind = keys.API_KEY if isinstance(credential, ApiKey) else keys.ENVIRONMENT_TOKEN
    return f"{kind}:{credential.pk}"


def count_request(request: HttpRequest, credential: Credential) -> None:
    """Count one authenticated request of `credential`; RateLimited when it is over its budget."""
    if getattr(request, COUNTED, False):
        return
    setattr(request, COUNTED, True)
    decision = ratelimit.get_limiter().hit(rate_key(credential))
    if not decision.allowed:
        raise RateLimited(decision.retry_after)


def api_key_with_scope(request: HttpRequest, token: str, scope: str) -> ApiKey | None:
    """The usable API key `token` is, counted against its rate limit; MissingScope without `scope`."""
    api_key = keys.verify_api_key(token.strip())
    if api_key is None:
        return None
    count_request(request, api_key)
    if scope not in api_key.scopes:
        raise MissingScope(scope)
    return api_key


class ApiKeyAuth(HttpBearer):
    """An API key of a customer holding `scope`; `request.auth` is the ApiKey."""

    def __init__(self, scope: str):
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        return api_key_with_scope(request, token, self.scope)


class EnvironmentTokenAuth(HttpBearer):
    """An environment token; `request.auth` is the EnvironmentToken (it acts for its environment only)."""

    def authenticate(self, request: HttpRequest, token: str) -> EnvironmentToken | None:
        environment_token = keys.verify_environment_token(token.strip())
        if environment_token is not None:
            count_request(request, environment_token)
        return environment_token
