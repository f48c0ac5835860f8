"""The four-eyes principle in the API: the changes waiting for a second Beheerder, and a decision on one.

A key with the scope `changes:approve` decides as the person who made it (`created_by`, a Beheerder of
the key's customer): that person never decides on a change of their own, whichever key, session or
page they try it through. A key made by a command (no person) may read the list but not decide.
"""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import translation
from ninja import Router, Schema
from pydantic import ConfigDict, Field

from licensing.approvals import selectors, services
from licensing.approvals.models import PendingChange
from portal.errors import DomainError
from portal.models import Contact
from portal.selectors import as_id

from . import problems
from .auth import ApiKeyAuth
from .models import ApiScope
from .schemas import ScopeCode, Timestamp

router = Router()

NO_SUCH_CHANGE = "This customer has no pending change with this id"


class PendingChangeOut(Schema):
    id: int
    kind: str = Field(description="quantity (a line's count) or policy (the four-eyes policy itself)")
    status: str = Field(description="open, approved, rejected, expired, replaced")
    item: str | None = None
    scope: ScopeCode | None = None
    quantity: int | None = Field(None, description="the number asked for")
    old_maximum: int | None = Field(None, description="the line's maximum when it was asked")
    policy: dict | None = Field(None, description="kind policy: the policy asked for")
    requested_by: str = Field(description="the e-mail address of the Beheerder, or the API key's name")
    requested_at: Timestamp
    expires_at: Timestamp
    decided_by: str | None = None
    decided_at: Timestamp | None = None
    reason: str = ""
    mutation_id: int | None = Field(None, description="approved: the LicenseMutation it made")


class PendingChangesOut(Schema):
    results: list[PendingChangeOut]


class DecisionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field("", max_length=2000, description="optional to approve, required to reject")


def pending_json(change: PendingChange) -> dict:
    line = change.line
    return PendingChangeOut(
        id=change.pk,
        kind=change.kind,
        status="expired" if change.status == "open" and not change.is_open() else change.status,
        item=line.item if line else None,
        scope=line.scope if line else None,
        quantity=change.quantity,
        old_maximum=change.old_maximum,
        policy=change.policy or None,
        requested_by=change.requested_by_name,
        requested_at=change.requested_at.isoformat(),
        expires_at=change.expires_at.isoformat(),
        decided_by=change.decided_by_name or None,
        decided_at=change.decided_at.isoformat() if change.decided_at else None,
        reason=change.reason,
        mutation_id=change.mutation_id,
    ).model_dump(mode="json")


@router.get(
    "/pending-changes/",
    response=PendingChangesOut,
    auth=ApiKeyAuth(ApiScope.CHANGES_APPROVE),
    summary="The changes waiting for a second Beheerder",
    description=(
        "The open changes of the key's customer under its four-eyes policy (not expired), oldest first. "
        "Scope `changes:approve`."
    ),
    openapi_extra={"responses": problems.problem_responses(401, 403, 429)},
    tags=["Four-eyes approval"],
)
def pending_changes(request: HttpRequest):
    return {"results": [pending_json(change) for change in selectors.open_changes(request.auth.customer_id)]}


DECISION_RESPONSES = problems.problem_responses(
    descriptions={
        401: "No valid API key",
        403: "The key lacks the scope changes:approve, was made by no Beheerder of the customer, or by the "
        "person who asked for the change (who may never decide on it)",
        404: "The customer has no pending change with this id",
        409: "Decided already, replaced or expired; or approving it now breaks a rule of the mutation (below "
        "in use counted now, above the cap, a deviation): `detail` is the portal's message, nothing changed "
        "and the change stays open",
        422: "A body that does not validate; rejecting without a reason",
        429: "Too many requests for this key; `Retry-After` gives the seconds to wait",
    }
)


def _decide(request: HttpRequest, change_id: int, payload: DecisionIn, *, approve: bool):
    api_key = request.auth
    with translation.override(problems.language_of(request)):
        change_id = as_id(change_id)
        if not PendingChange.objects.filter(pk=change_id, customer_id=api_key.customer_id).exists():
            return problems.problem(request, 404, detail=NO_SUCH_CHANGE)
        contact = (
            Contact.objects.filter(user_id=api_key.created_by_id).first() if api_key.created_by_id else None
        )
        if contact is None:
            return problems.problem(request, 403, detail=services.NO_PERSON_BEHIND_KEY)
        decide = services.approve if approve else services.reject
        try:
            change = decide(
                pending_id=change_id, customer_id=api_key.customer_id, by=contact, reason=payload.reason
            )
        except PermissionDenied as refusal:
            return problems.problem(request, 403, detail=str(refusal) or None)
        except DomainError as refusal:
            return problems.domain_problem(request, refusal)
        return pending_json(PendingChange.objects.select_related("line").get(pk=change.pk))


@router.post(
    "/pending-changes/{change_id}/approve",
    response={200: PendingChangeOut},
    auth=ApiKeyAuth(ApiScope.CHANGES_APPROVE),
    summary="Approve a pending change",
    description=(
        "Approves the change as the key's maker, who must be a Beheerder of the customer other than the one "
        "who asked. The change is made now, under every rule of a mutation checked again at this moment "
        "inside the line's lock. Scope `changes:approve`."
    ),
    openapi_extra={"responses": DECISION_RESPONSES},
    tags=["Four-eyes approval"],
)
def approve(request: HttpRequest, change_id: int, payload: DecisionIn):
    return _decide(request, change_id, payload, approve=True)


@router.post(
    "/pending-changes/{change_id}/reject",
    response={200: PendingChangeOut},
    auth=ApiKeyAuth(ApiScope.CHANGES_APPROVE),
    summary="Reject a pending change",
    description=(
        "Rejects the change with a `reason` every contact reads, as the key's maker (a Beheerder other "
        "than the one who asked). Nothing changes on the line. Scope `changes:approve`."
    ),
    openapi_extra={"responses": DECISION_RESPONSES},
    tags=["Four-eyes approval"],
)
def reject(request: HttpRequest, change_id: int, payload: DecisionIn):
    return _decide(request, change_id, payload, approve=False)
