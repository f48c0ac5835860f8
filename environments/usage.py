"""The counting rules of DESIGN.md "What is counted", computed in the database.

`count_usage` returns, per customer, the exact number in use for every (item, scope) that has
any use. Everything is aggregated in SQL with COUNT(DISTINCT ...) over normalised identities;
no user row is loaded into Python.
"""

from collections import defaultdict
from collections.abc import Iterable

from django.db import models
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from .models import Client, Declaration, Employee, Environment, EnvironmentType, EnvironmentUser, UserKind


class Item(models.TextChoices):
    ENVIRONMENTS = "environments", _("Omgevingen")
    EMPLOYEES = "employees", _("Medewerkers")
    DECLARATIONS = "declarations", _("Aangiften")
    PROFIT_USERS = "profit_users", _("Profit-gebruikers")
    INSITE_USERS = "insite_users", _("InSite-gebruikers")
    OUTSITE_USERS = "outsite_users", _("OutSite-gebruikers")
    CLIENTS = "clients", _("Cliënten")


class Scope(models.TextChoices):
    LICENSE = "license", _("Licentie")
    PRODUCTION = "O", _("Productie")
    TEST = "T", _("Test")
    ACCEPT = "A", _("Acceptatie")
    DEMO = "D", _("Demo")


# Type 1: one count per license over all active environments of every type.
LICENSE_ITEMS = (Item.ENVIRONMENTS, Item.EMPLOYEES, Item.DECLARATIONS)
# Type 2: one count per environment type over the active environments of that type.
ENVIRONMENT_TYPE_ITEMS = (Item.PROFIT_USERS, Item.INSITE_USERS, Item.OUTSITE_USERS, Item.CLIENTS)
ENVIRONMENT_SCOPES = tuple(Scope(t.value) for t in EnvironmentType)

# Access flag per user item.
USER_ITEM_FLAGS = {
    Item.PROFIT_USERS: "profit",
    Item.INSITE_USERS: "insite",
    Item.OUTSITE_USERS: "outsite",
}


def scopes_for(item: str) -> tuple[str, ...]:
    return (Scope.LICENSE,) if item in LICENSE_ITEMS else ENVIRONMENT_SCOPES


def is_valid_pair(item: str, scope: str) -> bool:
    return item in Item.values and scope in scopes_for(item)


Usage = dict[tuple[str, str], int]


def count_usage(customer_ids: Iterable[int]) -> dict[int, Usage]:
    """Exact usage per customer id: {customer_id: {(item, scope): in_use}}.

    Only (item, scope) pairs with a non-zero count appear; a missing pair means 0.
    Runs a fixed number of queries, whatever the number of customers.
    """
    ids = list(customer_ids)
    result: dict[int, Usage] = defaultdict(dict)
    if not ids:
        return {}

    active = Q(environment__is_active=True, environment__customer_id__in=ids)
    per_license = (
        (
            Item.ENVIRONMENTS,
            Environment.objects.filter(is_active=True, customer_id__in=ids),
            "customer_id",
            "id",
        ),
        (
            Item.EMPLOYEES,
            Employee.objects.filter(active, in_service=True),
            "environment__customer_id",
            "guid",
        ),
        (Item.DECLARATIONS, Declaration.objects.filter(active), "environment__customer_id", "number"),
    )
    for item, queryset, customer, counted in per_license:
        rows = queryset.values(customer).annotate(n=Count(counted, distinct=True)).values_list(customer, "n")
        for customer_id, n in rows.order_by():
            result[customer_id][(item.value, Scope.LICENSE.value)] = n

    clients = (
        Client.objects.filter(active)
        .values("environment__customer_id", "environment__type")
        .annotate(n=Count("code", distinct=True))
        .values_list("environment__customer_id", "environment__type", "n")
        .order_by()
    )
    for customer_id, scope, n in clients:
        result[customer_id][(Item.CLIENTS.value, scope)] = n

    # Same condition as the partial index `user_countable`, so PostgreSQL can use it.
    users = (
        EnvironmentUser.objects.filter(active, blocked=False)
        .exclude(kind=UserKind.COWORKER)
        .values("environment__customer_id", "environment__type")
        .annotate(
            **{
                item.value: Count("identity_id", distinct=True, filter=Q(**{flag: True}))
                for item, flag in USER_ITEM_FLAGS.items()
            }
        )
        .values_list("environment__customer_id", "environment__type", *(i.value for i in USER_ITEM_FLAGS))
        .order_by()
    )
    for customer_id, scope, *counts in users:
        usage = result[customer_id]
        for item, n in zip(USER_ITEM_FLAGS, counts, strict=True):
            if n:
                usage[(item.value, scope)] = n

    return dict(result)
