"""The API's license write: a count changed under the portal's rules (the snapshot push is
api/snapshot_push.py).

It goes through the very services the portal uses: `change_or_propose` (the four-eyes policy, then
`line_change_quantity`: the line locked, in use counted fresh inside the lock) and, for a dry run,
`try_change`. Refusals are problem documents whose `detail` is the portal's own message.
"""

import json
from typing import Annotated, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from ninja import Header, Router, Schema
from pydantic import BeforeValidator, ConfigDict, Field, StrictBool, StrictInt

from environments.vocabulary import Item
from licensing.approvals.services import change_or_propose, try_change
from licensing.models import MAX_QUANTITY, LicenseLine
from licensing.pricing.models import CURRENCY
from licensing.services import KeyActor, QuantityOutOfRange
from portal.errors import DomainError

from . import idempotency, problems
from .approvals import PendingChangeOut, pending_json
from .auth import ApiKeyAuth
from .idempotency import Answer
from .models import ApiScope
from .schemas import Money, ScopeCode, money

router = Router()

ItemCode = Literal[tuple(Item.values)]


# ---------------------------------------------------------------------------------------------------
# POST lines/{item}/{scope}/quantity


def _whole_number(value):
    # JSON Schema's "integer" includes 5.0 (schemathesis sends it, rightly), so 5.0 is 5; "5" and true
    # stay refused by StrictInt: no whole number of licenses.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class QuantityIn(Schema):
    model_config = ConfigDict(extra="forbid")

    # The range is the portal's, checked by the service so that its refusal is the portal's message
    # (422 naming the field `quantity`).
    quantity: Annotated[StrictInt, BeforeValidator(_whole_number)] = Field(
        json_schema_extra={"minimum": 0, "maximum": MAX_QUANTITY},
        description="the new maximum and portal number: a whole number from 0 to 1,000,000",
    )
    acknowledge_deviation: StrictBool = Field(
        False,
        description=(
            "confirms having reviewed the number actually entitled to; needed when the line has a "
            "deviation (portal number ≠ maximum)"
        ),
    )
    dry_run: StrictBool = Field(
        False,
        description=(
            "checks every rule and answers what the change would do, prices included, and changes "
            "nothing: no mutation, no Idempotency-Key recorded"
        ),
    )
    replace_pending: int | None = Field(
        None,
        description=(
            "under the four-eyes policy: the id of the line's open pending change this one replaces "
            "(without it, an open change of the line is a 409 naming its `pending_id`)"
        ),
    )


class QuantityOut(Schema):
    item: ItemCode
    scope: ScopeCode
    maximum: int = Field(description="after the change: the new quantity")
    portal: int = Field(description="after the change: the new quantity")
    in_use: int = Field(description="counted fresh at the change")
    mutation_id: int | None = Field(
        description="the LicenseMutation recorded (source api, by the key's name); null for a dry run"
    )
    dry_run: bool = Field(description="true: nothing was changed, this is what the change would do")
    needs_approval: bool = Field(
        description=(
            "a dry run only: true when the customer's four-eyes policy covers the change, so that "
            "without dry_run it would answer 202 with a pending change"
        )
    )
    price_before: Money
    price_after: Money
    currency: Literal["EUR"] = CURRENCY


IdempotencyKey = Annotated[
    str | None,
    Header(
        None,
        alias=idempotency.HEADER,
        min_length=1,
        max_length=idempotency.KEY_MAX_LENGTH,
        pattern=idempotency.KEY_PATTERN,
        description=(
            "optional, 1 to 200 printable ASCII characters: a repeat with the same key and body gets the "
            "first answer again (status and body) and changes nothing; the same key with another body is "
            "422. Kept 24 hours."
        ),
    ),
]


def _json(response: HttpResponse) -> dict:
    return json.loads(response.content)


def _answer_response(answer: Answer, *, replayed: bool) -> HttpResponse:
    content_type = problems.CONTENT_TYPE if answer.status >= 400 else "application/json"
    response = HttpResponse(
        json.dumps(answer.body, ensure_ascii=False), status=answer.status, content_type=content_type
    )
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response


@router.post(
    "/lines/{item}/{scope}/quantity",
    response={200: QuantityOut, 202: PendingChangeOut},
    auth=ApiKeyAuth(ApiScope.LICENSES_WRITE),
    summary="Change a license count under the portal's rules",
    description=(
        "Sets the maximum and the portal number of the key's customer's line to `quantity`, exactly as a "
        "Beheerder's mutation form does: the line is locked and in use counted fresh inside the lock. "
        "Refused (nothing changes, `detail` is the portal's message): below in use (409, with `in_use` "
        "and `requested`), above the Profit Small Business cap of 10 environments (409), a deviation not "
        "acknowledged (409, with `maximum` and `portal`), out of range or not a whole number (422, "
        "`errors` naming `quantity`). The mutation is logged with source `api` and the key's name, with the "
        "monthly price before and after (`price_before`, `price_after`: null without a price list). "
        "`dry_run: true` runs every rule and answers the same, but changes nothing and records no "
        "mutation (`mutation_id` null) and no Idempotency-Key; `needs_approval` says whether the change "
        "would wait for a second Beheerder. "
        "Under the customer's four-eyes policy (vier-ogenprincipe) a change it covers is checked the same "
        "way but not made: 202 with the pending change, which a second Beheerder approves (then every "
        "rule is checked again); an open change of the line is replaced only with `replace_pending` "
        "(else 409 with `pending_id`). Optional `Idempotency-Key`. Scope `licenses:write`."
    ),
    openapi_extra={
        "responses": problems.problem_responses(
            descriptions={
                401: "No valid API key",
                403: "The key lacks the scope licenses:write",
                404: "The customer has no line of this item and scope",
                409: "Refused by the line's or the license's state: below in use, above the cap, "
                "deviation not acknowledged, a pending change of the line not replaced",
                422: "Not a whole number in range, an unknown item or scope, a bad Idempotency-Key, or "
                "an Idempotency-Key used before with another body",
                429: "Too many requests for this key; `Retry-After` gives the seconds to wait",
            }
        )
    },
    tags=["Licenses"],
)
def change_quantity(
    request: HttpRequest,
    item: ItemCode,
    scope: ScopeCode,
    payload: QuantityIn,
    idempotency_key: IdempotencyKey = None,
):
    api_key = request.auth
    with translation.override(problems.language_of(request)):
        line = (
            LicenseLine.objects.filter(license__customer_id=api_key.customer_id, item=item, scope=scope)
            .only("pk")
            .first()
        )
        if line is None:
            return problems.problem(request, 404)

        def perform() -> Answer:
            change = {
                "line": line,
                "by": KeyActor(customer_id=api_key.customer_id, name=api_key.name),
                "quantity": payload.quantity,
                "acknowledge_deviation": payload.acknowledge_deviation,
            }
            try:
                if payload.dry_run:
                    outcome = try_change(**change)
                else:
                    outcome = change_or_propose(
                        **change, replace=payload.replace_pending, key_maker=api_key.created_by
                    )
            except QuantityOutOfRange as refusal:
                response = problems.domain_problem(request, refusal)
                body = _json(response)
                body["errors"] = [{"field": "quantity", "message": body["detail"]}]
                return Answer(status=response.status_code, body=body)
            except DomainError as refusal:
                response = problems.domain_problem(request, refusal)
                return Answer(status=response.status_code, body=_json(response))
            if outcome.pending is not None:
                return Answer(status=202, body=pending_json(outcome.pending))
            mutation = outcome.mutation
            out = QuantityOut(
                item=item,
                scope=scope,
                maximum=mutation.new_quantity,
                portal=mutation.new_quantity,
                in_use=mutation.in_use,
                mutation_id=mutation.pk,
                dry_run=payload.dry_run,
                needs_approval=outcome.needs_approval,
                price_before=money(mutation.old_price),
                price_after=money(mutation.new_price),
            )
            return Answer(status=200, body=out.model_dump(mode="json"))

        if payload.dry_run:
            # Nothing to make idempotent: a dry run changes nothing, and its answer is not kept.
            return _answer_response(perform(), replayed=False)

        fingerprint = idempotency.fingerprint(
            method=request.method,
            path=request.path,
            # dry_run left out (always false here), replace_pending when not given: the
            # fingerprints of records kept from before either stay valid.
            body=payload.model_dump(mode="json", exclude={"dry_run"}, exclude_none=True),
        )
        answer, replayed = idempotency.answer_once(
            api_key=api_key, key=idempotency_key, fingerprint=fingerprint, perform=perform
        )
    return _answer_response(answer, replayed=replayed)
