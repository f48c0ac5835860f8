"""AFAS Profit GetConnector compatibility: `GET /ProfitRestServices/connectors/Licentiedata` and its
metainfo, for an integration written against AFAS's REST API to call unchanged.

`Authorization: AfasToken <base64 of <token><version>1</version><data>KEY</data></token>>`, where KEY
is an API key with the scope `licentiedata:read`; anything else (no header, another scheme, a token
that does not decode, an unknown, revoked or expired key, an environment token) gets one and the same
401 problem document, and a valid key without the scope a 403, as everywhere in the API. A query
parameter that cannot be read is a 400 problem naming it. No portal login, no CSRF; the key's rate
limit counts these requests as any other. Plain Django views: api.afas_query reads the query.
"""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path, re_path
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt

from licensing.licentiedata import license_report

from . import afas_query, keys
from .auth import count_request
from .models import ApiKey, ApiScope
from .problems import MISSING_SCOPE, MissingScope, RateLimited, language_of, problem

NO_TOKEN = _(
    "Geef een geldig token mee: Authorization: AfasToken <base64 van "
    "<token><version>1</version><data>sleutel</data></token>>."
)
NO_SUCH_CONNECTOR = _("Deze GetConnector bestaat niet; alleen Licentiedata wordt aangeboden.")
AFAS_CHALLENGE = 'AfasToken realm="ProfitRestServices"'


class NotAuthenticated(Exception):
    pass


def afas_api_key(request: HttpRequest) -> ApiKey:
    """The API key of the request's AfasToken, counted against its rate limit; NotAuthenticated for
    anything that is not a usable key with licentiedata:read (RateLimited when over its budget)."""
    key = afas_query.parse_afas_token(request.headers.get("Authorization"))
    api_key = keys.verify_api_key(key) if key else None
    if api_key is None:
        raise NotAuthenticated
    count_request(request, api_key)
    if ApiScope.LICENTIEDATA_READ not in api_key.scopes:
        raise MissingScope(ApiScope.LICENTIEDATA_READ)
    return api_key


def _json(request: HttpRequest, body: dict) -> HttpResponse:
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Content-Language"] = translation.get_language()
    return response


def afas_view(answer):
    """A GET-only view of the connector `answer(request, api_key)`: authentication, the rate limit,
    the refusals as problem documents, no login redirect and no CSRF."""

    @csrf_exempt
    @login_not_required
    def view(request: HttpRequest, connector: str) -> HttpResponse:
        try:
            api_key = afas_api_key(request)
        except NotAuthenticated:
            response = problem(request, 401, detail=NO_TOKEN)
            response["WWW-Authenticate"] = AFAS_CHALLENGE
            return response
        except MissingScope as exc:
            return problem(request, 403, detail=MISSING_SCOPE % {"scope": exc.scope})
        except RateLimited as exc:
            response = problem(request, 429)
            response["Retry-After"] = str(exc.retry_after)
            return response
        if request.method != "GET":
            response = problem(request, 405)
            response["Allow"] = "GET"
            return response
        if connector != afas_query.CONNECTOR_ID:
            return problem(request, 404, detail=NO_SUCH_CONNECTOR)
        with translation.override(language_of(request)):
            try:
                return answer(request, api_key)
            except afas_query.QueryError as exc:
                return problem(
                    request,
                    400,
                    detail=exc.message,
                    parameter=exc.parameter,
                    errors=[{"field": exc.parameter, "message": str(exc.message)}],
                )

    view.__name__ = answer.__name__
    return view


@afas_view
def connector(request: HttpRequest, api_key: ApiKey) -> HttpResponse:
    rows = afas_query.rows_from_report(license_report(api_key.customer).as_json())
    return _json(request, afas_query.query(rows, request.GET))


@afas_view
def metainfo(request: HttpRequest, api_key: ApiKey) -> HttpResponse:
    return _json(request, afas_query.metainfo())


@csrf_exempt
@login_not_required
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other address under /ProfitRestServices/: a 404 problem document, not the portal's page."""
    return problem(request, 404)


urlpatterns = [
    path("ProfitRestServices/connectors/<str:connector>", connector, name="afas_connector"),
    path("ProfitRestServices/metainfo/get/<str:connector>", metainfo, name="afas_metainfo"),
    re_path(r"^ProfitRestServices/(?P<rest>.*)$", not_found),
]
