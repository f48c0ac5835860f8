"""Every error under /api/ as an RFC 9457 problem document (`application/problem+json`).

`{"type", "title", "status", "detail"}`, plus `errors: [{"field": "users[3].profit", "message": …}]`
for a request that does not validate, in the request's language (`Accept-Language`; Dutch unless
English is asked for). The API's exception handlers (`install`) answer what the operations raise;
`ProblemMiddleware` answers everything else under /api/ that is no problem document yet: a path of
no operation (404), a method the operation does not take (405), the NUL guard's 400, a server error.
"""

import json

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation.trans_real import parse_accept_lang_header
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

from portal.errors import DomainError
from portal.i18n import supported_language

CONTENT_TYPE = "application/problem+json"
API_PREFIX = "/api/"
TYPE_BASE = "urn:licentieportaal:problem:"
# Kept from the response a problem document replaces.
KEPT_HEADERS = ("Allow", "WWW-Authenticate", "Retry-After")
RESERVED = ("type", "title", "status", "detail", "errors")

# status: (type, title, detail): what a problem of that status says unless the raiser says more.
STATUSES = {
    400: ("bad-request", _("Ongeldig verzoek"), _("De API kan dit verzoek niet verwerken.")),
    401: (
        "unauthorized",
        _("Niet aangemeld"),
        _("Geef een geldige API-sleutel mee: Authorization: Bearer <sleutel>."),
    ),
    403: ("forbidden", _("Geen toegang"), _("Deze sleutel heeft hiervoor geen recht.")),
    404: ("not-found", _("Niet gevonden"), _("Dit adres bestaat niet in de API.")),
    405: ("method-not-allowed", _("Methode niet toegestaan"), _("Dit adres ondersteunt deze methode niet.")),
    409: ("conflict", _("Conflict"), _("Het verzoek botst met de huidige toestand.")),
    413: ("too-large", _("Verzoek te groot"), _("Het verzoek is groter dan de API aanneemt.")),
    422: (
        "validation",
        _("Ongeldige invoer"),
        _("De invoer voldoet niet aan het schema; zie errors."),
    ),
    429: ("too-many-requests", _("Te veel verzoeken"), _("Wacht even en probeer het opnieuw.")),
    500: ("server-error", _("Serverfout"), _("Er ging iets mis in de API. Probeer het later opnieuw.")),
}
REFUSED_TITLE = _("Geweigerd")
UNREADABLE_BODY = _("De inhoud van het verzoek is niet te lezen; stuur geldige JSON.")
MISSING_SCOPE = _("Deze sleutel heeft het recht %(scope)s niet.")

# Pydantic's messages are English; the usual ones in Dutch too, the rest as pydantic says them.
VALIDATION_MESSAGES = {
    "missing": _("Dit veld is verplicht."),
    "int_parsing": _("Geef een geheel getal."),
    "int_type": _("Geef een geheel getal."),
    "int_from_float": _("Geef een geheel getal."),
    "bool_parsing": _("Geef true of false."),
    "bool_type": _("Geef true of false."),
    "string_type": _("Geef een tekst."),
    "greater_than_equal": _("Geef een waarde van ten minste %(ge)s."),
    "less_than_equal": _("Geef een waarde van hoogstens %(le)s."),
    "json_invalid": _("De inhoud is geen geldige JSON."),
    "dict_type": _("Geef een object."),
    "model_attributes_type": _("Geef een object."),
    "list_type": _("Geef een lijst."),
    "extra_forbidden": _("Dit veld is onbekend."),
}


# The OpenAPI side of the problem documents: what an operation's `responses` say about them (the
# schema is in English, whatever language is active when it is generated).
PROBLEM = {"content": {CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}
PROBLEM_DESCRIPTIONS = {
    400: "The request cannot be read: a NUL byte in its path, query or cookies, or a body that is not JSON",
    401: "No valid API key: missing, malformed, unknown, revoked or expired (all alike)",
    403: "The key lacks the scope this operation needs",
    404: "Not found",
    422: "The request does not validate; `errors` names each field",
    429: "Too many requests for this key; `Retry-After` gives the seconds to wait",
}


def problem_responses(*statuses: int, descriptions: dict[int, str] | None = None) -> dict:
    """The `responses` of an operation's OpenAPI entry for the problem documents it may answer: each of
    `statuses`, and each of `descriptions` ({status: what it means for this operation})."""
    descriptions = descriptions or {}
    return {
        str(status): {"description": descriptions.get(status) or PROBLEM_DESCRIPTIONS[status], **PROBLEM}
        for status in (*statuses, *(status for status in descriptions if status not in statuses))
    }


class MissingScope(Exception):
    """A valid key without the scope an operation needs: 403."""

    def __init__(self, scope: str):
        super().__init__(scope)
        self.scope = scope


class ParameterRefused(DomainError):
    """Input the schema allows but the rules refuse (an item that never counts in that scope, a cursor
    the API did not hand out): a 422 of type `refused` whose `errors` names the parameter."""

    def __init__(self, message, *, field: str):
        super().__init__(message, field=field)


class RateLimited(Exception):
    """A credential over its request budget: 429 with `Retry-After` (whole seconds)."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


def language_of(request: HttpRequest) -> str:
    """The language of the answer: the first of Accept-Language the portal speaks, else the default."""
    for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        if code == "*":
            break
        language = supported_language(code)
        if language.split("-")[0] == code.split("-")[0]:
            return language
    return supported_language(None)


def field_path(loc) -> str:
    """A pydantic location as a dotted path with indices: ("users", 3, "profit") → "users[3].profit"."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _field_errors(errors: list[dict]) -> list[dict]:
    result = []
    for error in errors:
        loc = list(error.get("loc", ()))
        # ninja puts where the value came from first (body, query, path, header) and, for a body, the
        # name of the operation's parameter next: neither is a field the caller sent. A path in the body
        # is relative to the document sent ("users[3].profit").
        source = loc.pop(0) if loc and loc[0] in ("body", "query", "path", "header", "cookie", "form") else ""
        if source == "body" and loc and isinstance(loc[0], str):
            loc.pop(0)
        message = VALIDATION_MESSAGES.get(error.get("type", ""))
        context = error.get("ctx") or {}
        text = str(message) % context if message is not None else error.get("msg", "")
        result.append({"field": field_path(loc) or source, "message": text})
    return result


def problem(
    request: HttpRequest,
    status: int,
    *,
    detail=None,
    title=None,
    kind: str | None = None,
    errors: list[dict] | None = None,
    **extra,
) -> HttpResponse:
    """A problem document of `status` in the request's language; `extra` adds members (e.g. in_use)."""
    default_kind, default_title, default_detail = STATUSES.get(status, STATUSES[400 if status < 500 else 500])
    with translation.override(language_of(request)):
        body = {
            "type": TYPE_BASE + (kind or default_kind),
            "title": str(title or default_title),
            "status": status,
            "detail": str(detail or default_detail),
            **extra,
        }
        if errors is not None:
            body["errors"] = errors
        language = translation.get_language()
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, default=str), status=status, content_type=CONTENT_TYPE
    )
    response["Content-Language"] = language
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def _validation(request, exc: ValidationError) -> HttpResponse:
    with translation.override(language_of(request)):
        errors = _field_errors(exc.errors)
    return problem(request, 422, errors=errors)


def domain_problem(request, exc: DomainError) -> HttpResponse:
    """The problem document of a refusal: its status, message and scalar details (in_use, requested)."""
    details = {
        key: value
        for key, value in exc.details.items()
        if key not in RESERVED and isinstance(value, (int, str, bool))
    }
    errors = None
    if isinstance(exc, ParameterRefused):
        details.pop("field")
        with translation.override(language_of(request)):
            errors = [{"field": exc.details["field"], "message": str(exc.message)}]
    return problem(
        request, exc.status, title=REFUSED_TITLE, kind="refused", detail=exc.message, errors=errors, **details
    )


def _http_error(request, exc: HttpError) -> HttpResponse:
    # ninja raises these itself ("Unauthorized", "Cannot parse request body"), in English: the status
    # says it in the request's language instead.
    detail = UNREADABLE_BODY if exc.status_code == 400 else None
    return problem(request, exc.status_code, detail=detail)


def _missing_scope(request, exc: MissingScope) -> HttpResponse:
    with translation.override(language_of(request)):
        detail = MISSING_SCOPE % {"scope": exc.scope}
    return problem(request, 403, kind="missing-scope", detail=detail, scope=exc.scope)


def _rate_limited(request, exc: RateLimited) -> HttpResponse:
    response = problem(request, 429)
    response["Retry-After"] = str(exc.retry_after)
    return response


def _unexpected(request, exc: Exception) -> HttpResponse:
    # Django's handling (logging, the test client re-raising it); ProblemMiddleware answers the 500.
    raise exc


def install(api: NinjaAPI) -> None:
    """Answer every exception of the API's operations with a problem document."""
    api.add_exception_handler(ValidationError, _validation)
    api.add_exception_handler(DomainError, domain_problem)
    api.add_exception_handler(HttpError, _http_error)
    api.add_exception_handler(MissingScope, _missing_scope)
    api.add_exception_handler(RateLimited, _rate_limited)
    api.add_exception_handler(Http404, lambda request, exc: problem(request, 404))
    api.add_exception_handler(PermissionDenied, lambda request, exc: problem(request, 403))
    api.add_exception_handler(Exception, _unexpected)


class ProblemMiddleware:
    """Turns any error answer under /api/ that is not a problem document yet into one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            not request.path_info.startswith(API_PREFIX)
            or response.status_code < 400
            or response.get("Content-Type", "").startswith(CONTENT_TYPE)
        ):
            return response
        replaced = problem(request, response.status_code)
        for header in KEPT_HEADERS:
            if header in response:
                replaced[header] = response[header]
        return replaced
