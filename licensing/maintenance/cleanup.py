"""Cleanup advice: users whose blocking would free seats, ranked by the seats it frees.

A candidate is a unique user (identity) of the customer's active environments that meets at least
one of the rules below and still counts somewhere. Following the advice means blocking the user in
all the customer's environments, so what it frees is every line (item and scope) the user counts
in now: one seat on each, since a user counts once per item and scope however many environments
it is in. Everything is one GROUP BY per identity in the database.

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
from datetime import datetime, timedelta

from django.db import models
from django.db.models import Case, F, IntegerField, Max, Min, Q, QuerySet, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from environments.models import Employee, EnvironmentUser
from environments.vocabulary import COUNTABLE_USER, USER_ITEM_FLAGS, EnvironmentType, Item, Scope, UserKind
from licensing.models import License, LicenseLine
from portal.models import Customer

NO_LOGIN_DAYS = 90
TEMP_KIND = "temp"


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

# (item, environment type) pairs a user can occupy a seat on, with their annotation names.
SEATS = [(item.value, scope.value) for item in USER_ITEM_FLAGS for scope in EnvironmentType]


def _seat(item: str, scope: str) -> str:
    return f"seat_{item}_{scope}"


def _flag(condition: Q) -> Max:
    return Max(Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField()))


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


@dataclass
class Advice:
    """The ranked candidates; `rows` is a lazy, sliceable queryset, `as_candidates` reads a page."""

    flex: bool
    rows: QuerySet
    cutoff: datetime

    @property
    def out_of_service_text(self) -> str:
        return out_of_service_advice(self.flex)

    def as_candidates(self, values) -> list[Candidate]:
        return [self._candidate(row) for row in values]

    def _candidate(self, row: dict) -> Candidate:
        reasons = []
        if row["gone"]:
            reasons.append(Reason.OUT_OF_SERVICE)
        if row["intern"]:
            reasons.append(Reason.INTERN)
        if row["test_user"]:
            reasons.append(Reason.TEST_USER)
        if not row["outside_test_accept"]:
            reasons.append(Reason.ONLY_TEST_ACCEPT)
        if row["blocked_in_production"] and row["active_somewhere"]:
            reasons.append(Reason.BLOCKED_IN_PRODUCTION)
        if row["last_login"] is None or row["last_login"] < self.cutoff:
            reasons.append(Reason.NO_RECENT_LOGIN)
        return Candidate(
            identity_id=row["identity_id"],
            code=row["shown_code"],
            name=row["shown_name"],
            email=row["shown_email"],
            last_login=row["last_login"],
            reasons=reasons,
            frees=[
                Freed(item=item, scope=scope, label=_line_label(item, scope), seats=1)
                for item, scope in SEATS
                if row[_seat(item, scope)]
            ],
        )

    def total_freed(self) -> list[Freed]:
        """Per line, what blocking every candidate would free: one query."""
        totals = self.rows.order_by().aggregate(
            **{f"total_{item}_{scope}": Sum(_seat(item, scope)) for item, scope in SEATS}
        )
        return [
            Freed(item=item, scope=scope, label=_line_label(item, scope), seats=seats)
            for item, scope in SEATS
            if (seats := totals[f"total_{item}_{scope}"] or 0)
        ]


def _seat_flags() -> dict[str, Max]:
    """Per line a user can occupy: 1 when the user counts there now (the countable-user rule)."""
    return {
        _seat(item, scope): _flag(
            COUNTABLE_USER & Q(**{USER_ITEM_FLAGS[item]: True}, environment__type=scope)
        )
        for item, scope in SEATS
    }


def user_seats(customer: Customer, identity_id: int) -> list[Freed]:
    """The seats one user occupies in the customer's active environments: what blocking it everywhere
    frees. One query."""
    flags = EnvironmentUser.objects.filter(
        environment__customer=customer, environment__is_active=True, identity_id=identity_id
    ).aggregate(**_seat_flags())
    return [
        Freed(item=item, scope=scope, label=_line_label(item, scope), seats=1)
        for item, scope in SEATS
        if flags[_seat(item, scope)]
    ]


def _reason_condition(reason: str, cutoff: datetime) -> Q:
    return {
        Reason.OUT_OF_SERVICE: Q(gone=1),
        Reason.INTERN: Q(intern=1),
        Reason.TEST_USER: Q(test_user=1),
        Reason.ONLY_TEST_ACCEPT: Q(outside_test_accept=0),
        Reason.BLOCKED_IN_PRODUCTION: Q(blocked_in_production=1, active_somewhere=1),
        Reason.NO_RECENT_LOGIN: Q(last_login__isnull=True) | Q(last_login__lt=cutoff),
    }[reason]


def cleanup_advice(
    customer: Customer, *, reason: str = "", now: datetime | None = None, flex: bool | None = None
) -> Advice:
    """The customer's cleanup candidates, most seats freed first, then by user code.

    `reason` narrows to one rule. `flex` defaults to the customer's license.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=NO_LOGIN_DAYS)
    if flex is None:
        flex = License.objects.filter(customer=customer, flex=True).exists()
    employees = Employee.objects.filter(environment__customer_id=customer.id, environment__is_active=True)
    # Uncorrelated subqueries: PostgreSQL hashes each once instead of probing per user row.
    out_of_service_guids = (
        employees.values("guid").annotate(serving=_flag(Q(in_service=True))).filter(serving=0).values("guid")
    )
    temp_guids = employees.filter(kind__iexact=TEMP_KIND).values("guid")
    is_temp = Q(kind=UserKind.TEMP) | Q(employee_guid__in=temp_guids)
    out_of_service = Q(employee_guid__in=out_of_service_guids)
    seats = _seat_flags()
    rows = (
        EnvironmentUser.objects.filter(environment__customer=customer, environment__is_active=True)
        .values("identity_id")
        .annotate(
            shown_code=Min("code"),
            shown_name=Max("name"),
            shown_email=Max("email"),
            last_login=Max("last_login"),
            gone=_flag(out_of_service & (~is_temp if flex else is_temp)),
            intern=_flag(Q(kind=UserKind.INTERN)),
            test_user=_flag(Q(kind=UserKind.TEST)),
            outside_test_accept=_flag(
                ~Q(environment__type__in=[EnvironmentType.TEST, EnvironmentType.ACCEPT])
            ),
            blocked_in_production=_flag(Q(environment__type=EnvironmentType.PRODUCTION, blocked=True)),
            active_somewhere=_flag(Q(blocked=False)),
            **seats,
        )
        .annotate(seats=sum((F(name) for name in seats), Value(0)))
        .filter(seats__gt=0)
    )
    reasons = [reason] if reason in Reason.values else Reason.values
    condition = Q()
    for one in reasons:
        condition |= _reason_condition(one, cutoff)
    rows = rows.filter(condition).order_by("-seats", "shown_code")
    return Advice(flex=flex, rows=rows, cutoff=cutoff)


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
    rows = advice.rows.filter(**{_seat(line.item, line.scope): 1})[:needed]
    return WhatIf(
        needed=needed, candidates=advice.as_candidates(rows), out_of_service_text=advice.out_of_service_text
    )
