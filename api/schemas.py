"""The shapes of the API's answers, as the OpenAPI schema shows them."""

from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from environments.vocabulary import Scope
from licensing.monitoring.models import WarningKind

ScopeCode = Literal[tuple(Scope.values)]
WarningKindCode = Literal[tuple(WarningKind.values)]
# license_report writes its times with isoformat(): kept as that text, so that the API's JSON is the
# command's to the character (a datetime would be re-rendered by the JSON encoder).
Timestamp = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
# Amounts as decimal strings, never JSON numbers (floats): the mutation's prices.
Money = Annotated[
    str | None,
    Field(
        json_schema_extra={"pattern": r"^[0-9]+\.[0-9]{2}$"},
        description='EUR per month as a decimal string, e.g. "451.00"; null when the item has no price list',
    ),
]


def money(amount: Decimal | None) -> str | None:
    return None if amount is None else f"{amount:.2f}"


class LineOut(Schema):
    item: str = Field(description="the license item, e.g. profit_users")
    scope: ScopeCode = Field(description="license (per license), or the environment type O, T, A or D")
    maximum: int = Field(description="what the customer is entitled to")
    portal: int = Field(description="the count set in the portal")
    in_use: int = Field(description="in use as of the last count")
    available: int
    deviation: bool = Field(description="maximum and portal count differ")


class WarningOut(Schema):
    kind: WarningKindCode
    item: str | None
    scope: ScopeCode | None
    environment: str | None
    opened_at: Timestamp
    message: str


class LicentiedataOut(Schema):
    """The Licentiedata of the key's customer: `license_report N --format json`."""

    customer: str = Field(pattern=r"^[0-9]{5}$")
    counted_at: Timestamp | None
    lines: list[LineOut]
    warnings: list[WarningOut]


class PingOut(Schema):
    """The answer of the no-op `GET ping`: the key works."""

    ok: Literal[True]
