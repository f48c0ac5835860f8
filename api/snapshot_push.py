"""The API's snapshot push: `PUT environments/{code}/snapshot/` with an environment token.

It goes through the very validator and atomic import of `manage.py import_snapshot` (`load_snapshot` +
`import_snapshots`, one code path); refusals are problem documents naming field and position.
"""

from datetime import datetime

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema
from pydantic import Field

from environments.models import ENVIRONMENT_CODE_RE
from environments.services import import_snapshots, load_snapshot
from environments.snapshot_messages import TOO_LARGE, SnapshotError, SnapshotTooLarge, shown_source
from environments.snapshots import (
    CLIENT_CODE_LENGTH,
    CLIENT_NAME_LENGTH,
    DECLARATION_NUMBER_LENGTH,
    EMAIL_LENGTH,
    EMPLOYEE_KIND_LENGTH,
    EMPLOYEE_NAME_LENGTH,
    USER_CODE_LENGTH,
    USER_NAME_LENGTH,
)
from environments.vocabulary import UserKind

from . import problems
from .auth import EnvironmentTokenAuth

router = Router()

OTHER_ENVIRONMENT = _("Dit token hoort bij een andere omgeving.")
UNSUPPORTED_ENCODING_TITLE = _("Codering niet ondersteund")
UNSUPPORTED_ENCODING = _("Stuur de snapshot als JSON, zo nodig met Content-Encoding: gzip.")
# The validator's messages are English; so is this one, which it would give if it knew the address.
ENVIRONMENT_OF_ADDRESS = "expected {code}, the environment of this address"


# ---------------------------------------------------------------------------------------------------
# PUT environments/{code}/snapshot/


def _text(max_length: int, *, nullable: bool = False) -> dict:
    text = {"type": "string", "minLength": 1, "maxLength": max_length}
    return {"anyOf": [text, {"type": "null"}]} if nullable else text


def _nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def _list_of(properties: dict, required: list[str]) -> dict:
    return {
        "type": "array",
        "items": {
            "type": "object",
            "required": required,
            "additionalProperties": False,
            "properties": properties,
        },
    }


GUID = {"type": "string", "format": "uuid"}
DATE_TIME = {"type": "string", "format": "date-time"}
# The snapshot format of DESIGN.md, as `environments.snapshots.parse_snapshot` checks it (which also
# refuses what no schema says: a user code twice, an employee GUID not in the snapshot, a date in the
# future). Written out here: the operation reads its body itself, through the bounded reader.
SNAPSHOT_SCHEMA = {
    "type": "object",
    "title": "Snapshot",
    "required": ["format", "environment", "taken_at", "users", "employees", "declarations", "clients"],
    "additionalProperties": False,
    "properties": {
        "format": {"type": "integer", "enum": [1]},
        "environment": {"type": "string", "pattern": ENVIRONMENT_CODE_RE},
        "taken_at": DATE_TIME,
        "users": _list_of(
            {
                "code": _text(USER_CODE_LENGTH),
                "name": _text(USER_NAME_LENGTH, nullable=True),
                "email": _nullable({"type": "string", "format": "email", "maxLength": EMAIL_LENGTH}),
                "profit": {"type": "boolean"},
                "insite": {"type": "boolean"},
                "outsite": {"type": "boolean"},
                "blocked": {"type": "boolean"},
                "kind": _nullable({"type": "string", "enum": list(UserKind.values)}),
                "last_login": _nullable(DATE_TIME),
                "employee": _nullable(GUID),
            },
            ["code", "profit", "insite", "outsite", "blocked"],
        ),
        "employees": _list_of(
            {
                "guid": GUID,
                "name": _text(EMPLOYEE_NAME_LENGTH, nullable=True),
                "in_service": {"type": "boolean"},
                "kind": _text(EMPLOYEE_KIND_LENGTH, nullable=True),
            },
            ["guid", "in_service"],
        ),
        "declarations": _list_of({"number": _text(DECLARATION_NUMBER_LENGTH)}, ["number"]),
        "clients": _list_of(
            {"code": _text(CLIENT_CODE_LENGTH), "name": _text(CLIENT_NAME_LENGTH, nullable=True)}, ["code"]
        ),
    },
}


class SnapshotImportedOut(Schema):
    environment: str = Field(pattern=ENVIRONMENT_CODE_RE)
    taken_at: datetime
    users: int
    employees: int
    declarations: int
    clients: int


def _snapshot_problem(request: HttpRequest, refusal: SnapshotError) -> HttpResponse:
    """422 (409 stale, 413 too large) with the validator's text as `detail` and every problem it
    found in `errors`: the field with its position ("users[3].profit"), or "body" for the whole."""
    errors = [{"field": field or "body", "message": message} for field, message in refusal.fields]
    # A 422 here is the import's own rules refusing a body of the right shape (lengths, the window of
    # dates, duplicates, the environment named), as `import_snapshot` refuses it: a refusal, not a body
    # that misses the schema.
    refused = {"title": problems.REFUSED_TITLE, "kind": "refused"} if refusal.status == 422 else {}
    return problems.problem(
        request, refusal.status, detail=refusal.message, errors=errors, total=refusal.total, **refused
    )


def _too_large(source_name: str, max_bytes: int) -> SnapshotTooLarge:
    message = TOO_LARGE.format(max_bytes=max_bytes)
    return SnapshotTooLarge(f"{shown_source(source_name)}: {message}", fields=[("", message)])


@router.put(
    "/environments/{code}/snapshot/",
    # The id it had when this lived in api/writes.py: generated clients keep their method name.
    operation_id="api_writes_push_snapshot",
    response={200: SnapshotImportedOut},
    auth=EnvironmentTokenAuth(),
    summary="Push an environment's snapshot",
    description=(
        "Replaces the users, employees, declarations and clients of the token's environment with the "
        "snapshot (DESIGN.md's format 1), through the very validator and atomic import of `manage.py "
        "import_snapshot`. The body may be gzip (`Content-Encoding: gzip`); at most SNAPSHOT_MAX_BYTES "
        "(50 MB by default) before and after decompression, else 413. Refused, nothing changed: 422 with "
        "`errors` naming each field and position (`users[3].profit`), 409 when older than the data it "
        "would replace. An environment token of this environment only: another environment's code is 403."
    ),
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": SNAPSHOT_SCHEMA}}},
        "responses": problems.problem_responses(
            descriptions={
                401: "No valid environment token (an API key is none)",
                403: "The token is of another environment",
                409: "The snapshot is older than the data it would replace",
                413: "Larger than SNAPSHOT_MAX_BYTES, sent or decompressed",
                415: "A Content-Encoding other than gzip",
                422: "The snapshot does not validate; `errors` names each field and position",
                429: "Too many requests for this token; `Retry-After` gives the seconds to wait",
            }
        ),
    },
    tags=["Environments"],
)
def push_snapshot(request: HttpRequest, code: str):
    token = request.auth
    if code != token.environment.code:
        return problems.problem(request, 403, detail=OTHER_ENVIRONMENT)
    encoding = request.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding not in ("identity", "gzip", "x-gzip"):
        return problems.problem(
            request,
            415,
            kind="unsupported-encoding",
            title=UNSUPPORTED_ENCODING_TITLE,
            detail=UNSUPPORTED_ENCODING,
        )
    max_bytes = settings.SNAPSHOT_MAX_BYTES
    try:
        content_length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        content_length = 0
    try:
        # Refused by its announced length before a byte is read; then read through the bounded reader.
        if content_length > max_bytes:
            raise _too_large(code, max_bytes)
        # The body is read from the request's stream, never through request.body: Django's
        # DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB), which guards request.body and form parsing, would
        # refuse a real snapshot; SNAPSHOT_MAX_BYTES is this operation's limit, as it is the command's.
        snapshot = load_snapshot(
            request,
            source_name=code,
            gzipped=encoding != "identity",
            max_bytes=max_bytes,
            environment=token.environment,  # read with the token: its digest needs no query
        )
        if snapshot.environment != code:
            message = ENVIRONMENT_OF_ADDRESS.format(code=code)
            raise SnapshotError(f"{code}: environment: {message}", fields=[("environment", message)])
        (result,) = import_snapshots(snapshots=[snapshot])
    except SnapshotError as refusal:
        return _snapshot_problem(request, refusal)
    return SnapshotImportedOut(
        environment=result.environment,
        taken_at=result.taken_at,
        users=result.users,
        employees=result.employees,
        declarations=result.declarations,
        clients=result.clients,
    )
