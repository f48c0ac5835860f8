"""Who calls the API: `Authorization: Bearer <key>`, an API key with the scope an operation needs.

An unknown, revoked, expired or malformed key, an environment token where an API key is asked for and
no key at all get one and the same 401; a valid key without the operation's scope gets 403.
"""

from django.http import HttpRequest
from ninja.security import HttpBearer

from . import keys
from .models import ApiKey, EnvironmentToken
from .problems import MissingScope


class ApiKeyAuth(HttpBearer):
    """An API key of a customer holding `scope`; `request.auth` is the ApiKey."""

    def __init__(self, scope: str):
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        api_key = keys.verify_api_key(token.strip())
        if api_key is not None and self.scope not in api_key.scopes:
            raise MissingScope(self.scope)
        return api_key


class EnvironmentTokenAuth(HttpBearer):
    """An environment token; `request.auth` is the EnvironmentToken (it acts for its environment only)."""

    def authenticate(self, request: HttpRequest, token: str) -> EnvironmentToken | None:
        return keys.verify_environment_token(token.strip())
