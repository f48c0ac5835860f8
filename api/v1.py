"""The HTTP API, version 1, at /api/v1/ (the OpenAPI 3.1 schema at /api/v1/openapi.json).

Operations are short: the auth class finds the key and checks its scope, the operation reads through
the same selectors as the portal's pages, and api.problems answers every error.
"""

import json

from django.contrib.auth.decorators import login_not_required
from ninja import NinjaAPI, Swagger

from licensing.licentiedata import license_report

from . import problems
from .approvals import router as approvals_router
from .auth import ApiKeyAuth
from .models import ApiScope
from .problems import PROBLEM_SCHEMA, problem_responses
from .schemas import LicentiedataOut, PingOut
from .snapshot_push import router as snapshot_router
from .writes import router as writes_router

DESCRIPTION = """The Licentieportaal's HTTP API. Every call carries `Authorization: Bearer <key>`: an API key
of one customer (`lp_key_…`, made on the page API-sleutels or with `manage.py create_api_key`), acting for
that customer only and within its scopes. Errors are RFC 9457 problem documents (`application/problem+json`)
in the language of `Accept-Language` (nl, the default, or en)."""


# What every operation may answer, whatever it does: the NUL guard (portal.middleware) refuses a NUL
# byte in any path, query or cookie, and ninja a body it cannot parse, both with a 400 problem.
COMMON_STATUSES = (400,)


class ProblemsAPI(NinjaAPI):
    """A NinjaAPI whose schema describes its problem documents (ninja's openapi_extra cannot add to
    `components`: the schemas of the operations take that key first), and on every operation the
    problems any operation may answer (COMMON_STATUSES)."""

    def get_openapi_schema(self, **kwargs):
        schema = super().get_openapi_schema(**kwargs)
        schema["components"].setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        for operations in schema["paths"].values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for status, response in problem_responses(*COMMON_STATUSES).items():
                    responses.setdefault(status, response)
        return schema


api = ProblemsAPI(
    title="Licentieportaal API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    # The docs page loads Swagger UI from ninja's own static files ("ninja" is an installed app), and
    # the online validator it would call by default is switched off: nothing leaves the site.
    docs=Swagger(settings={"validatorUrl": None}),
    docs_decorator=login_not_required,
)
problems.install(api)


@api.get(
    "/licentiedata/",
    response=LicentiedataOut,
    auth=ApiKeyAuth(ApiScope.LICENTIEDATA_READ),
    summary="The Licentiedata of the key's customer",
    description=(
        "Every license line with its maximum, portal count, in use (as of the last count) and available, "
        "and the open warnings: exactly the JSON of `manage.py license_report N --format json`. "
        "Scope `licentiedata:read`."
    ),
    openapi_extra={"responses": problem_responses(401, 403, 429)},
    tags=["Licentiedata"],
)
def licentiedata(request):
    return license_report(request.auth.customer).as_json()


@api.get(
    "/ping",
    response=PingOut,
    auth=ApiKeyAuth(ApiScope.LICENTIEDATA_READ),
    summary="Check that a key works",
    description=(
        'Answers `{"ok": true}` when the key is valid and holds `licentiedata:read`, and reads nothing '
        "else: the authenticated no-op that `manage.py bench_api` compares the Licentiedata's latency "
        "with. Counts against the key's rate limit like every call. Scope `licentiedata:read`."
    ),
    openapi_extra={"responses": problem_responses(401, 403, 429)},
    tags=["Licentiedata"],
)
def ping(request):
    return {"ok": True}


api.add_router("/", "api.reads.router")
api.add_router("", writes_router)
api.add_router("", snapshot_router)
api.add_router("", approvals_router)


def urls():
    """The API's URL patterns, none of which asks for a portal login (the key is the login)."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        login_not_required(pattern.callback)
    return patterns, app_name, namespace


def openapi_text() -> str:
    """The schema as docs/openapi.json holds it: the same whatever the request or the active language."""
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
