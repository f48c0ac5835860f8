"""The API's reads beyond the Licentiedata: a line's usage history with its forecast, and the mutation
and warning histories with cursor pagination.

The lists are newest first and paged by an opaque cursor: the urlsafe base64 (unpadded) of the JSON
`[timestamp, id]` of the last row of the previous page. A page is one query whatever its size (the
line, environment and contact come along in it), and rows added meanwhile never shift a page already
read: the next page starts strictly after the cursor's row in (time, id) order.
"""

import base64
import binascii
import json
from datetime import date, datetime
from typing import Literal

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema
from pydantic import Field

from environments.vocabulary import Item, is_valid_pair
from licensing.models import LicenseMutation, MutationSource
from licensing.monitoring.charts import usage_histories
from licensing.monitoring.forecast import ForecastReason, forecast
from licensing.monitoring.models import LicenseWarning
from licensing.selectors import license_lines, mutation_history

from . import problems
from .auth import ApiKeyAuth
from .models import ApiScope
from .problems import problem_responses
from .schemas import Money, ScopeCode, Timestamp, WarningKindCode, money

DEFAULT_DAYS = 90
MAX_DAYS = 365
DEFAULT_LIMIT = 50
MAX_LIMIT = 100
# A cursor of ours is well under this; anything longer is not one.
MAX_CURSOR_LENGTH = 200

NO_SUCH_LINE = _("Deze klant heeft geen licentieregel voor dit onderdeel en bereik.")
IMPOSSIBLE_PAIR = _("Dit onderdeel telt niet in dit bereik.")
BAD_CURSOR = _("Deze cursor is ongeldig; gebruik de waarde van next uit het vorige antwoord.")

ItemCode = Literal[tuple(Item.values)]
MutationSourceCode = Literal[tuple(MutationSource.values)]
ForecastReasonCode = Literal[tuple(reason.value for reason in ForecastReason)]

router = Router()


def invalid(request: HttpRequest, field: str, message) -> problems.ParameterRefused:
    """A 422 `refused` problem naming the query or path parameter `field`: schema-valid input that the
    rules refuse. (`request` keeps the call sites as they were; the handler picks the language.)"""
    return problems.ParameterRefused(message, field=field)


# --- usage ------------------------------------------------------------------------------------------


class UsageDayOut(Schema):
    date: date
    in_use: int = Field(description="in use on that day (the nightly count)")
    maximum: int = Field(description="the maximum on that day")


class ForecastOut(Schema):
    runs_out_on: date | None = Field(
        description="the day the trend reaches the maximum; null when it does not (see reason)"
    )
    reason: ForecastReasonCode = Field(
        description=(
            "trend: runs_out_on is the day the trend reaches the maximum; flat: not rising, or not within "
            "five years; too_little_data: fewer than five days of history; already_out: in use has "
            "reached the maximum"
        )
    )
    per_day: float | None = Field(description="the trend: extra in use per day (least squares)")


class UsageOut(Schema):
    item: ItemCode
    scope: ScopeCode
    maximum: int = Field(description="the maximum now")
    in_use: int = Field(description="in use as of the last count")
    days: int = Field(description="the days of history asked for")
    history: list[UsageDayOut] = Field(description="one entry per day with a nightly count, oldest first")
    forecast: ForecastOut


@router.get(
    "/lines/{item}/{scope}/usage",
    response=UsageOut,
    auth=ApiKeyAuth(ApiScope.LICENTIEDATA_READ),
    summary="A license line's usage history and forecast",
    description=(
        "The history behind the portal's usage chart of one line of the key's customer: per day of the "
        "last `days` (1 to 365, default 90) the number in use and the maximum, and the forecast of the day "
        "the line runs out at the current trend. 404 when the customer has no line for the item and "
        "scope. Scope `licentiedata:read`."
    ),
    openapi_extra={"responses": problem_responses(401, 403, 404, 422, 429)},
    tags=["Licentiedata"],
)
def line_usage(
    request,
    item: ItemCode,
    scope: ScopeCode,
    days: int = Query(DEFAULT_DAYS, ge=1, le=MAX_DAYS, description="days of history, 1 to 365"),
):
    if not is_valid_pair(item, scope):
        raise invalid(request, "scope", IMPOSSIBLE_PAIR)
    line = license_lines(request.auth.customer).filter(item=item, scope=scope).first()
    if line is None:
        return problems.problem(request, 404, detail=NO_SUCH_LINE)
    history = usage_histories([line], days=days).get(line.pk, [])
    outlook = forecast([(day, in_use) for day, in_use, _maximum in history], maximum=line.maximum)
    return {
        "item": line.item,
        "scope": line.scope,
        "maximum": line.maximum,
        "in_use": line.in_use,
        "days": days,
        "history": [{"date": day, "in_use": in_use, "maximum": maximum} for day, in_use, maximum in history],
        "forecast": {
            "runs_out_on": outlook.runs_out_on,
            "reason": outlook.reason.value,
            "per_day": outlook.per_day,
        },
    }


# --- cursor pagination ------------------------------------------------------------------------------


def encode_cursor(moment: datetime, pk: int) -> str:
    text = json.dumps([moment.isoformat(), pk], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(request: HttpRequest, cursor: str) -> tuple[datetime, int]:
    """The (time, id) a cursor of encode_cursor holds; a 422 naming `cursor` for anything else."""
    try:
        text = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
        moment_text, pk = json.loads(text)
        moment = datetime.fromisoformat(moment_text)
        valid = (
            type(pk) is int
            and 0 < pk < 2**63
            and timezone.is_aware(moment)
            and encode_cursor(moment, pk) == cursor
        )
    except (binascii.Error, ValueError, TypeError):  # json's and fromisoformat's errors are ValueErrors
        valid = False
    if not valid:
        raise invalid(request, "cursor", BAD_CURSOR)
    return moment, pk


def page(
    request: HttpRequest, rows: QuerySet, *, field: str, cursor: str | None, limit: int
) -> tuple[list, str | None]:
    """One page of `rows` in (`field`, id) order, newest first, after `cursor`; and the next cursor."""
    rows = rows.order_by(f"-{field}", "-id")
    if cursor is not None:
        moment, pk = decode_cursor(request, cursor)
        rows = rows.filter(Q(**{f"{field}__lt": moment}) | Q(**{field: moment, "id__lt": pk}))
    found = list(rows[: limit + 1])
    if len(found) <= limit:
        return found, None
    last = found[limit - 1]
    return found[:limit], encode_cursor(getattr(last, field), last.pk)


def cursor_param():
    return Query(
        None,
        max_length=MAX_CURSOR_LENGTH,
        description="`next` of the previous page; leave out for the first (newest) page",
    )


def limit_param():
    return Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="rows per page, 1 to 100")


NEXT = Field(description="the cursor of the next page, or null on the last page")


# --- mutations --------------------------------------------------------------------------------------


class MutationOut(Schema):
    item: ItemCode
    scope: ScopeCode
    old_maximum: int = Field(description="the maximum before the change")
    old_portal: int = Field(description="the portal count before the change")
    new_quantity: int
    in_use: int | None = Field(description="in use when it was changed, where it was counted")
    source: MutationSourceCode = Field(description="where the change came from")
    by: str = Field(
        description="who made it: the contact's name, else the e-mail address or system name recorded"
    )
    created_at: Timestamp
    old_price: Money
    new_price: Money


class MutationPage(Schema):
    items: list[MutationOut]
    next: str | None = NEXT


def mutation_json(mutation: LicenseMutation) -> dict:
    return {
        "item": mutation.line.item,
        "scope": mutation.line.scope,
        "old_maximum": mutation.old_maximum,
        "old_portal": mutation.old_portal,
        "new_quantity": mutation.new_quantity,
        "in_use": mutation.in_use,
        "source": mutation.source,
        "by": mutation.contact.name if mutation.contact else mutation.by,
        "created_at": mutation.created_at.isoformat(),
        "old_price": money(mutation.old_price),
        "new_price": money(mutation.new_price),
    }


@router.get(
    "/mutations/",
    response=MutationPage,
    auth=ApiKeyAuth(ApiScope.LICENTIEDATA_READ),
    summary="The history of license count changes",
    description=(
        "Every accepted change of a license count of the key's customer (the portal, the back office, an "
        "approved license request, the API), newest first, `limit` per page (1 to 100, default 50). "
        "Pass `next` of an answer as `cursor` for the following page; `next` is null on the last. "
        "Scope `licentiedata:read`."
    ),
    openapi_extra={"responses": problem_responses(401, 403, 422, 429)},
    tags=["Licentiedata"],
)
def mutations(request, cursor: str | None = cursor_param(), limit: int = limit_param()):
    rows, following = page(
        request, mutation_history(request.auth.customer), field="created_at", cursor=cursor, limit=limit
    )
    return {"items": [mutation_json(mutation) for mutation in rows], "next": following}


# --- warnings ---------------------------------------------------------------------------------------


class WarningListOut(Schema):
    kind: WarningKindCode
    item: ItemCode | None = Field(description="the line's item; null for a warning about no line")
    scope: ScopeCode | None
    environment: str | None = Field(description="the environment's code; null when it is about none")
    opened_at: Timestamp
    resolved_at: Timestamp | None = Field(description="null while the warning is open")
    acknowledged_at: Timestamp | None = Field(description="when a Beheerder marked it seen")
    message: str


class WarningPage(Schema):
    items: list[WarningListOut]
    next: str | None = NEXT


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def warning_json(warning: LicenseWarning) -> dict:
    return {
        "kind": warning.kind,
        "item": warning.line.item if warning.line else None,
        "scope": warning.line.scope if warning.line else None,
        "environment": warning.environment.code if warning.environment else None,
        "opened_at": warning.opened_at.isoformat(),
        "resolved_at": _time(warning.resolved_at),
        "acknowledged_at": _time(warning.acknowledged_at),
        "message": warning.text,
    }


@router.get(
    "/warnings/",
    response=WarningPage,
    auth=ApiKeyAuth(ApiScope.WARNINGS_READ),
    summary="The warnings and their history",
    description=(
        "The warnings of the key's customer (deviations, over-use, stale data, signals), newest opened "
        "first, open and resolved ones alike unless `open` says which; `limit` per page (1 to 100, "
        "default 50), `cursor` the `next` of the previous answer. Scope `warnings:read`."
    ),
    openapi_extra={"responses": problem_responses(401, 403, 422, 429)},
    tags=["Warnings"],
)
def warnings(
    request,
    open: bool | None = Query(None, description="true: only open warnings; false: only resolved ones"),
    cursor: str | None = cursor_param(),
    limit: int = limit_param(),
):
    rows = LicenseWarning.objects.filter(customer=request.auth.customer).select_related("line", "environment")
    if open is not None:
        rows = rows.filter(resolved_at__isnull=open)
    found, following = page(request, rows, field="opened_at", cursor=cursor, limit=limit)
    return {"items": [warning_json(warning) for warning in found], "next": following}
