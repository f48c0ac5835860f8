"""The words the license is counted in: environment types, kinds of user, items and scopes, and the
one rule of which user rows can count at all.

Everything that counts, advises or reports (the recount, the cleanup advice, the analysis, user
maintenance, the benchmarks) takes these from here, so a rule has one definition.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class EnvironmentType(models.TextChoices):
    PRODUCTION = "O", _("Productie")
    TEST = "T", _("Test")
    ACCEPT = "A", _("Acceptatie")
    DEMO = "D", _("Demo")


class UserKind(models.TextChoices):
    PERSON = "person", _("Persoon")
    TEMP = "temp", _("Uitzendkracht")
    INTERN = "intern", _("Stagiair")
    TEST = "test", _("Testgebruiker")
    SYSTEM = "system", _("Systeemgebruiker")
    COWORKER = "coworker", _("Meewerkgebruiker")


# An employee's kind is free text from the environment; the kinds AFAS sends get a label, any other
# text is shown as the environment wrote it.
EMPLOYEE_KINDS = {
    "staff": _("Eigen personeel"),
    "temp": _("Uitzendkracht"),
    "intern": _("Stagiair"),
}


def employee_kind_label(kind: str) -> str:
    return str(EMPLOYEE_KINDS.get(kind.strip().lower(), kind)) if kind else ""


class Item(models.TextChoices):
    ENVIRONMENTS = "environments", _("Omgevingen")
    EMPLOYEES = "employees", _("Medewerkers")
    DECLARATIONS = "declarations", _("Aangiften")
    PROFIT_USERS = "profit_users", _("Profit-gebruikers")
    INSITE_USERS = "insite_users", _("InSite-gebruikers")
    OUTSITE_USERS = "outsite_users", _("OutSite-gebruikers")
    CLIENTS = "clients", _("Cliënten")


class Scope(models.TextChoices):
    """Where a line counts: the whole license, or one environment type (the same values and labels)."""

    LICENSE = "license", _("Licentie")
    PRODUCTION = EnvironmentType.PRODUCTION.value, EnvironmentType.PRODUCTION.label
    TEST = EnvironmentType.TEST.value, EnvironmentType.TEST.label
    ACCEPT = EnvironmentType.ACCEPT.value, EnvironmentType.ACCEPT.label
    DEMO = EnvironmentType.DEMO.value, EnvironmentType.DEMO.label


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

# A user row that can count: not blocked, and not a co-working user (meewerkgebruiker), who counts in
# its service provider's license. The partial index `user_countable` has exactly this condition, so
# every query that filters on it can read the index alone.
COUNTABLE_USER = Q(blocked=False) & ~Q(kind=UserKind.COWORKER)


def user_counts(*, blocked: bool, coworker: bool) -> bool:
    """COUNTABLE_USER for a row already in Python (the analysis and maintenance read masks)."""
    return not blocked and not coworker


def scopes_for(item: str) -> tuple[str, ...]:
    return (Scope.LICENSE,) if item in LICENSE_ITEMS else ENVIRONMENT_SCOPES


def is_valid_pair(item: str, scope: str) -> bool:
    return item in Item.values and scope in scopes_for(item)
