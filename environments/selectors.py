"""Reads of environment data for "Onderhoud gebruikers": the customer's unique users and employees.

A user is an identity (normalised user code) across the customer's active environments; an
employee is a GUID. Every list is one GROUP BY in the database with one small bit mask per
environment (MAX over a CASE: an identity has at most one row per environment), so a page costs
the same few queries whatever the number of users. Only active environments are shown: only they
count.
"""

from dataclasses import dataclass
from uuid import UUID

from django.db.models import Case, Exists, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, When
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.models import Customer
from portal.selectors import as_id

from .models import (
    Employee,
    EmployeeSummary,
    EmployeeSummaryTotals,
    Environment,
    EnvironmentUser,
    UserSummary,
    UserSummaryTotals,
)
from .summary import ACCESS_FLAGS, BLOCKED, COWORKER, INSITE, OUTSITE, PROFIT
from .vocabulary import EnvironmentType, UserKind, employee_kind_label, user_counts

ACCESS_LETTERS = ((PROFIT, "P"), (INSITE, "I"), (OUTSITE, "O"))
IN_SERVICE = 2

ACCESS_CHOICES = (("profit", _("Profit")), ("insite", _("InSite")), ("outsite", _("OutSite")))
TYPE_ORDER = {value: position for position, value in enumerate(EnvironmentType.values)}


def active_environments(customer: Customer) -> list[Environment]:
    """The customer's active environments: production first, then test, accept, demo; by code."""
    return sorted(
        Environment.objects.filter(customer=customer, is_active=True),
        key=lambda e: (TYPE_ORDER[e.type], e.code),
    )


def mask_counts(mask: int) -> bool:
    """Whether the user row a mask describes can count: the vocabulary's one countable-user rule."""
    return user_counts(blocked=bool(mask & BLOCKED), coworker=bool(mask & COWORKER))


def mask_per_environment(environments: list[Environment], expression) -> dict:
    """An aggregate per environment (`env_<id>`) of `expression`; each identity or GUID has at most one
    row per environment, so MAX picks exactly that row."""
    return {
        f"env_{environment.id}": Max(
            Case(When(environment_id=environment.id, then=expression), output_field=IntegerField())
        )
        for environment in environments
    }


def _yes_no(value: str) -> bool | None:
    return {"ja": True, "nee": False}.get(value)


@dataclass(frozen=True)
class UserFilter:
    """What the user list is narrowed to. Type, access, blocked and kind apply to one and the same
    environment of the user ("has Profit in a production environment where it is blocked"); the
    search matches the code, name or e-mail address in any of them."""

    search: str = ""
    environment_type: str = ""
    access: str = ""
    blocked: bool | None = None
    kind: str = ""

    @classmethod
    def from_query(cls, query) -> "UserFilter":
        environment_type = query.get("type", "")
        access = query.get("toegang", "")
        kind = query.get("soort", "")
        return cls(
            search=query.get("q", "").strip()[:100],
            environment_type=environment_type if environment_type in EnvironmentType.values else "",
            access=access if access in ACCESS_FLAGS else "",
            blocked=_yes_no(query.get("geblokkeerd", "")),
            kind=kind if kind in UserKind.values else "",
        )

    def row_condition(self) -> Q:
        condition = Q()
        if self.environment_type:
            condition &= Q(environment__type=self.environment_type)
        if self.access:
            condition &= Q(**{self.access: True})
        if self.blocked is not None:
            condition &= Q(blocked=self.blocked)
        if self.kind:
            condition &= Q(kind=self.kind)
        return condition

    def search_condition(self) -> Q:
        if not self.search:
            return Q()
        return (
            Q(code__icontains=self.search) | Q(name__icontains=self.search) | Q(email__icontains=self.search)
        )


@dataclass(frozen=True)
class Presence:
    """A user (or employee) in one environment: the environment and what it is there."""

    environment: Environment
    mark: str
    counts: bool


@dataclass(frozen=True)
class TypeSummary:
    """A user on one environment type: in how many environments, and what it counts as there."""

    type: str
    label: str
    environments: int
    counts_as: str
    blocked: bool
    coworker: bool
    # What a page shows of it, worded here (cheaper than in the template, row by row): "2 omgevingen",
    # "telt als P I, geblokkeerd" and its environments with their marks, "O12345AA: P I; O12345AB: P".
    environments_text: str = ""
    counting_text: str = ""
    where: str = ""


@dataclass(frozen=True)
class UserRow:
    identity_id: int
    code: str
    name: str
    email: str
    kinds: list[str]
    presences: list[Presence]
    types: list[TypeSummary]


def mark_of(mask: int) -> str:
    """How a user's bit mask in one environment reads: "P I", "P, geblokkeerd", "meewerkgebruiker"."""
    parts = [" ".join(letter for bit, letter in ACCESS_LETTERS if mask & bit) or str(_("geen toegang"))]
    if mask & BLOCKED:
        parts.append(str(_("geblokkeerd")))
    if mask & COWORKER:
        parts.append(str(_("meewerkgebruiker")))
    return ", ".join(parts)


def _counting_text(counts_as: str, blocked: bool, coworker: bool) -> str:
    parts = [f"{_('telt als')} {counts_as}" if counts_as else str(_("telt niet"))]
    if blocked:
        parts.append(str(_("geblokkeerd")))
    if coworker:
        parts.append(str(_("meewerkgebruiker")))
    return ", ".join(parts)


def _type_summaries(environments: list[Environment], masks: list[int | None]) -> list[TypeSummary]:
    summaries = []
    for value, label in EnvironmentType.choices:
        pairs = [
            (env, mask) for env, mask in zip(environments, masks, strict=True) if env.type == value and mask
        ]
        if not pairs:
            continue
        present = [mask for _env, mask in pairs]
        # By the counting rules: any environment of the type where the user is neither blocked nor a
        # coworker makes it count there, once.
        counted = 0
        for mask in present:
            if mask_counts(mask):
                counted |= mask
        counts_as = " ".join(letter for bit, letter in ACCESS_LETTERS if counted & bit)
        blocked = any(mask & BLOCKED for mask in present)
        coworker = any(mask & COWORKER for mask in present)
        summaries.append(
            TypeSummary(
                type=value,
                label=label,
                environments=len(present),
                counts_as=counts_as,
                blocked=blocked,
                coworker=coworker,
                environments_text=ngettext("%(count)s omgeving", "%(count)s omgevingen", len(present))
                % {"count": len(present)},
                counting_text=_counting_text(counts_as, blocked, coworker),
                where="; ".join(f"{env.code}: {mark_of(mask)}" for env, mask in pairs),
            )
        )
    return summaries


@dataclass
class UserList:
    """The customer's unique users, narrowed by a filter; `rows` is a lazy, sliceable queryset of
    summary values (its `count()` the stored number when nothing narrows it), `as_rows` turns a page
    of it into UserRow objects."""

    environments: list[Environment]
    rows: "QuerySet | KnownCount"

    def as_rows(self, values) -> list[UserRow]:
        kinds = dict(UserKind.choices)
        result = []
        for row in values:
            presence = row["presence"]
            masks = [presence.get(str(environment.id)) for environment in self.environments]
            kind_values = sorted({row["min_kind"], row["max_kind"]})
            result.append(
                UserRow(
                    identity_id=row["identity_id"],
                    code=row["code"],
                    name=row["name"],
                    email=row["email"],
                    kinds=[str(kinds.get(kind, kind)) for kind in kind_values],
                    presences=[
                        Presence(environment=env, mark=mark_of(mask), counts=mask_counts(mask))
                        for env, mask in zip(self.environments, masks, strict=True)
                        if mask
                    ],
                    types=_type_summaries(self.environments, masks),
                )
            )
        return result


class KnownCount:
    """A queryset whose number of rows is known already (stored): a Paginator counts nothing."""

    ordered = True

    def __init__(self, rows: QuerySet, count: int):
        self.rows, self._count = rows, count

    def count(self) -> int:
        return self._count

    def __getitem__(self, key):
        return self.rows[key]


USER_COLUMNS = ("identity_id", "code", "name", "email", "min_kind", "max_kind", "presence")


def customer_users(customer: Customer, user_filter: UserFilter | None = None) -> UserList:
    """The customer's unique users in its active environments, by user code, narrowed by the filter.

    Read from the unique-user summary (environments.summary): a page is one indexed slice, and its
    count the stored number unless a filter narrows it (then the filter's semi-joins count).
    """
    user_filter = user_filter or UserFilter()
    environments = active_environments(customer)
    rows = UserSummary.objects.filter(customer=customer)
    users = EnvironmentUser.objects.filter(environment__in=[e.id for e in environments])
    narrowed = False
    for condition in (user_filter.row_condition(), user_filter.search_condition()):
        if condition:
            rows = rows.filter(identity_id__in=users.filter(condition).values("identity_id"))
            narrowed = True
    rows = rows.order_by("identity_code").values(*USER_COLUMNS)
    if not narrowed:
        total = UserSummaryTotals.objects.filter(customer=customer).values_list("users", flat=True).first()
        rows = KnownCount(rows, total or 0)
    return UserList(environments=environments, rows=rows)


def _employee_of_user_in_service():
    """Per user row: whether its employee is in service in any active environment of its customer."""
    return Exists(
        Employee.objects.filter(
            environment__customer_id=OuterRef("environment__customer_id"),
            environment__is_active=True,
            guid=OuterRef("employee_guid"),
            in_service=True,
        )
    )


def _employee_name():
    """Per user row: its employee's name (in the same snapshot, so the same environment)."""
    employees = Employee.objects.filter(environment=OuterRef("environment"), guid=OuterRef("employee_guid"))
    return Subquery(employees.values("name")[:1])


@dataclass(frozen=True)
class UserDetail:
    code: str
    name: str
    email: str
    identity_id: int
    users: list[EnvironmentUser]


def customer_user(customer: Customer, identity_id: int | str) -> UserDetail:
    """One unique user of the customer with its rows in each active environment; 404 when the customer
    has no such user (also when another customer has). Each row names its employee."""
    identity_id = as_id(identity_id)
    if identity_id is None:
        raise Http404("No such user")
    users = list(
        EnvironmentUser.objects.filter(
            identity_id=identity_id, environment__customer=customer, environment__is_active=True
        )
        .select_related("environment")
        .annotate(employee_in_service=_employee_of_user_in_service(), employee_name=_employee_name())
    )
    if not users:
        raise Http404("No such user")
    users.sort(key=lambda user: (TYPE_ORDER[user.environment.type], user.environment.code))
    return UserDetail(
        code=min(user.code for user in users),
        name=max(user.name for user in users),
        email=max(user.email for user in users),
        identity_id=identity_id,
        users=users,
    )


def customer_user_environment(customer: Customer, identity_id: int, environment_id: int | str) -> Environment:
    """An active environment of the customer in which the user exists; 404 otherwise."""
    environment_id = as_id(environment_id)
    if environment_id is None:
        raise Http404("No such environment")
    environment = (
        Environment.objects.filter(
            pk=environment_id, customer=customer, is_active=True, users__identity_id=identity_id
        )
        .distinct()
        .first()
    )
    if environment is None:
        raise Http404("No such environment")
    return environment


@dataclass(frozen=True)
class EmployeeFilter:
    search: str = ""
    in_service: bool | None = None

    @classmethod
    def from_query(cls, query) -> "EmployeeFilter":
        return cls(search=query.get("q", "").strip()[:100], in_service=_yes_no(query.get("in_dienst", "")))


@dataclass(frozen=True)
class EmployeeRow:
    guid: UUID
    name: str
    kind: str
    in_service: bool
    presences: list[Presence]
    users: list[str]


@dataclass
class EmployeeList:
    environments: list[Environment]
    rows: QuerySet | KnownCount

    def as_rows(self, values) -> list[EmployeeRow]:
        out_of_service, in_service = str(_("uit dienst")), str(_("in dienst"))
        result = []
        for row in values:
            marks = [row.presence.get(str(environment.id), 0) for environment in self.environments]
            result.append(
                EmployeeRow(
                    guid=row.guid,
                    name=row.name,
                    kind=employee_kind_label(row.kind),
                    in_service=row.serving,
                    presences=[
                        Presence(
                            environment=env,
                            mark=in_service if mark & IN_SERVICE else out_of_service,
                            counts=bool(mark & IN_SERVICE),
                        )
                        for env, mark in zip(self.environments, marks, strict=True)
                        if mark
                    ],
                    users=row.users,
                )
            )
        return result


def customer_employees(customer: Customer, employee_filter: EmployeeFilter | None = None) -> EmployeeList:
    """The customer's employees per GUID in its active environments; counted as an employee when in
    service in at least one of them.

    Read from the employee summary (environments.employee_summary): a page is one indexed slice by name,
    and its count the stored number unless a search narrows it (then the search's semi-join counts).
    """
    employee_filter = employee_filter or EmployeeFilter()
    environments = active_environments(customer)
    rows = EmployeeSummary.objects.filter(customer=customer)
    if employee_filter.in_service is not None:
        rows = rows.filter(serving=employee_filter.in_service)
    rows = rows.order_by("name", "guid")
    if employee_filter.search:
        search = employee_filter.search
        matching = Employee.objects.filter(environment__in=[e.id for e in environments]).filter(
            Q(name__icontains=search) | Q(guid__icontains=search)
        )
        return EmployeeList(environments=environments, rows=rows.filter(guid__in=matching.values("guid")))
    totals = EmployeeSummaryTotals.objects.filter(customer=customer)
    employees, serving = totals.values_list("employees", "serving").first() or (0, 0)
    total = {None: employees, True: serving, False: employees - serving}[employee_filter.in_service]
    return EmployeeList(environments=environments, rows=KnownCount(rows, total))
