"""Cleanup advice: users whose blocking would free seats, ranked by the seats it frees.

A candidate is a unique user (identity) of the customer's active environments that meets at least
one of the rules below and still counts somewhere. Following the advice means blocking the user in
all the customer's environments, so what it frees is every line (item and scope) the user counts
in now: one seat on each, since a user counts once per item and scope however many environments
it is in. The rules are evaluated where the data changes and stored with the unique-user summary
(environments.summary: the import, blocking, the nightly job); a page reads one indexed slice of
it and the stored totals.

The rules:
- its employee (the user's `employee` GUID) is out of service in every environment where it
  exists. Without Flex these are temps (user or employee kind `temp`) who no longer work there.
  A license with Flex covers temps, so then temps are no candidates and the staff are: users whose
  employee is out of service and who are not temps. The advice says which of the two applies;
- interns (kind `intern`) and test users (kind `test`);
- users that exist only in test or accept environments;
- users blocked in a production environment but active (not blocked) in another environment;
- users without a login for 90 days: no environment records a login after that (or none at all).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import models
from django.db.models import F, QuerySet
from django.utils.translation import gettext_lazy as _

from environments import summary
from environments.models import UserSummary, UserSummaryTotals
from environments.selectors import KnownCount
from environments.summary import SEAT_BITS, SEATS, seat_key
from environments.vocabulary import USER_ITEM_FLAGS, Item, Scope
from licensing.models import License, LicenseLine
from portal.models import Customer


class Reason(models.TextChoices):
    OUT_OF_SERVICE = "out_of_service", _("Medewerker overal uit dienst")
    INTERN = "intern", _("Stagiair")
    TEST_USER = "test_user", _("Testgebruiker")
    ONLY_TEST_ACCEPT = "only_test_accept", _("Alleen in test- of acceptatieomgevingen")
    BLOCKED_IN_PRODUCTION = "blocked_in_production", _("Geblokkeerd in productie, elders actief")
    NO_RECENT_LOGIN = "no_recent_login", _("Geen login in 90 dagen")


OUT_OF_SERVICE_TEMPS = _(
    "Uitzendkrachten waarvan de medewerker nergens meer in dienst is: zij werken hier niet meer."
)
OUT_OF_SERVICE_FLEX = _(
    "Uw licentie heeft Flex: uitzendkrachten vallen onder Flex en zijn hier geen kandidaat. "
    "Kandidaten zijn vaste medewerkers waarvan de medewerker nergens meer in dienst is."
)
NOT_ENOUGH = _(
    "Ook als u al deze gebruikers blokkeert, komt er niet genoeg vrij: %(found)s van de %(needed)s "
    "benodigde plaatsen."
)

# The stored fact of each rule (out of service: of the temps without Flex, of the others with it).
FACT_OF_REASON = {
    "intern": summary.INTERN,
    "test_user": summary.TEST_USER,
    "only_test_accept": summary.ONLY_TEST_ACCEPT,
    "blocked_in_production": summary.BLOCKED_IN_PRODUCTION,
    "no_recent_login": summary.NO_RECENT_LOGIN,
}


def _advice_key(reason: str, flex: bool) -> str:
    """The key of the stored totals (UserSummaryTotals.advice) of one rule, or of all rules."""
    if reason == Reason.OUT_OF_SERVICE:
        return "gone_staff" if flex else "gone_temp"
    if reason in FACT_OF_REASON:
        return reason
    return "all_flex" if flex else "all"


def _reasons_of(facts: int, flex: bool) -> list["Reason"]:
    gone = summary.GONE_STAFF if flex else summary.GONE_TEMP
    reasons = [Reason.OUT_OF_SERVICE] if facts & gone else []
    return reasons + [Reason(reason) for reason, fact in FACT_OF_REASON.items() if facts & fact]


def out_of_service_advice(flex: bool) -> str:
    return str(OUT_OF_SERVICE_FLEX if flex else OUT_OF_SERVICE_TEMPS)


@dataclass(frozen=True)
class Freed:
    item: str
    scope: str
    label: str
    seats: int

    def __str__(self) -> str:
        return f"{self.label}: {self.seats}"


@dataclass(frozen=True)
class Candidate:
    identity_id: int
    code: str
    name: str
    email: str
    last_login: datetime | None
    reasons: list[Reason]
    frees: list[Freed]

    @property
    def seats(self) -> int:
        return sum(freed.seats for freed in self.frees)

    @property
    def frees_text(self) -> str:
        return ", ".join(str(freed) for freed in self.frees)


def _line_label(item: str, scope: str) -> str:
    return f"{Item(item).label} {Scope(scope).label}"


CANDIDATE_COLUMNS = ("identity_id", "code", "name", "email", "last_login", "seats", "facts")


@dataclass
class Advice:
    """The ranked candidates; `rows` is a sliceable queryset with the stored count, `as_candidates`
    reads a page; `advised_at` is the moment the rules were evaluated (the login rule's "now")."""

    flex: bool
    rows: KnownCount
    queryset: QuerySet
    freed: dict[str, int]
    advised_at: datetime | None

    @property
    def out_of_service_text(self) -> str:
        return out_of_service_advice(self.flex)

    def as_candidates(self, values) -> list[Candidate]:
        return [self._candidate(row) for row in values]

    def _candidate(self, row: dict) -> Candidate:
        return Candidate(
            identity_id=row["identity_id"],
            code=row["code"],
            name=row["name"],
            email=row["email"],
            last_login=row["last_login"],
            reasons=_reasons_of(row["facts"], self.flex),
            frees=[
                Freed(item=item, scope=scope, label=_line_label(item, scope), seats=1)
                for item, scope in SEATS
                if row["seats"] & SEAT_BITS[(item, scope)]
            ],
        )

    def total_freed(self) -> list[Freed]:
        """Per line, what blocking every candidate would free (stored with the advice)."""
        return [
            Freed(item=item, scope=scope, label=_line_label(item, scope), seats=seats)
            for item, scope in SEATS
            if (seats := self.freed.get(seat_key(item, scope), 0))
        ]


def user_seats(customer: Customer, identity_id: int) -> list[Freed]:
    """The seats one user occupies in the customer's active environments: what blocking it everywhere
    frees, read from its unique-user summary. One query."""
    seats = (
        UserSummary.objects.filter(customer=customer, identity_id=identity_id)
        .values_list("seats", flat=True)
        .first()
    )
    return [
        Freed(item=item, scope=scope, label=_line_label(item, scope), seats=1)
        for item, scope in SEATS
        if (seats or 0) & SEAT_BITS[(item, scope)]
    ]


def cleanup_advice(customer: Customer, *, reason: str = "", flex: bool | None = None) -> Advice:
    """The customer's cleanup candidates, most seats freed first, then by user code: one indexed
    slice of the unique-user summary per page, and the totals stored with it.

    `reason` narrows to one rule. `flex` defaults to the customer's license.
    """
    if flex is None:
        flex = License.objects.filter(customer=customer, flex=True).exists()
    key = _advice_key(reason, flex)
    mask = summary.ADVICE_MASKS[key]
    rows = (
        UserSummary.objects.filter(customer=customer, facts__gt=0, seat_count__gt=0)
        .alias(rule=F("facts").bitand(mask))
        .filter(rule__gt=0)
        .order_by("-seat_count", "code")
        .values(*CANDIDATE_COLUMNS)
    )
    totals = UserSummaryTotals.objects.filter(customer=customer).values("advice", "advised_at").first()
    stored = (totals or {}).get("advice", {}).get(key, {})
    return Advice(
        flex=flex,
        rows=KnownCount(rows, stored.get("candidates", 0)),
        queryset=rows,
        freed=stored.get("freed", {}),
        advised_at=totals["advised_at"] if totals else None,
    )


@dataclass(frozen=True)
class WhatIf:
    """Under a refused mutation: the candidates that together would free enough on the line."""

    needed: int
    candidates: list[Candidate]
    out_of_service_text: str

    @property
    def enough(self) -> bool:
        return len(self.candidates) >= self.needed

    @property
    def shortage_text(self) -> str:
        return "" if self.enough else str(NOT_ENOUGH % {"found": len(self.candidates), "needed": self.needed})


def what_if(*, line: LicenseLine, requested: int, in_use: int) -> WhatIf:
    """The cleanup candidates that free a seat on `line`, as many as it takes to bring its in-use
    count down to `requested` (fewer when there are not that many). Each frees exactly one seat on
    the line. Lines of items users do not occupy (environments, employees, ...) get none."""
    needed = max(0, in_use - requested)
    customer = line.license.customer
    advice = cleanup_advice(customer, flex=line.license.flex)
    if needed == 0 or line.item not in USER_ITEM_FLAGS or line.scope == Scope.LICENSE:
        return WhatIf(needed=needed, candidates=[], out_of_service_text=advice.out_of_service_text)
    bit = SEAT_BITS[(line.item, line.scope)]
    rows = advice.queryset.alias(seat=F("seats").bitand(bit)).filter(seat__gt=0)[:needed]
    return WhatIf(
        needed=needed, candidates=advice.as_candidates(rows), out_of_service_text=advice.out_of_service_text
    )
