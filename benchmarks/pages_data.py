"""The page benchmark's customers: issue 14's demo-sized customer (six environments, three production,
two test, one accept, each reporting a snapshot of 5,000 users out of 8,000: 30,000 user rows) and
one ten times its size, built through the snapshot import like real data, with license lines, 90 days
of usage history, a signal, warnings, a mutation and a block, and a Beheerder with a session.

Everything it makes is recognisable: customers PAGES_NUMBERS named PAGES_NAME_PREFIX..., user codes
(and so identities) starting with PAGES_CODE_PREFIX, contacts at PAGES_EMAIL_DOMAIN.
"""

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from environments.models import Client as EnvironmentClient
from environments.models import (
    Declaration,
    Employee,
    Environment,
    EnvironmentUser,
    UserIdentity,
    UserSummary,
)
from environments.services import import_snapshots
from environments.snapshots import parse_snapshot
from environments.vocabulary import ENVIRONMENT_SCOPES, LICENSE_ITEMS, Item, Scope
from licensing.maintenance.models import UserBlockChange
from licensing.maintenance.services import user_set_blocked
from licensing.models import License, LicenseLine, LicenseMutation
from licensing.monitoring.models import LicenseWarning, UsageSnapshot
from licensing.monitoring.nightly import refresh_customers
from licensing.services import line_change_quantity
from portal.models import Contact, Customer, Membership, Role

PAGES_NUMBERS = ("79998", "79999")
PAGES_NAME_PREFIX = "Benchmark pagina's klant "
PAGES_CODE_PREFIX = "bench-pages:"
PAGES_EMAIL_DOMAIN = "@bench-pages.example.nl"
ENVIRONMENT_SUFFIXES = ("OAA", "OAB", "OAC", "TAA", "TAB", "AAA")
HISTORY_DAYS = 90
NUMBERS_TAKEN = "Customer numbers {numbers} are reserved for bench_pages but hold real customers."


@dataclass(frozen=True)
class BenchCustomer:
    number: str
    customer_id: int
    unique_users: int
    user_rows: int
    session: str
    line_id: int
    identity_id: int


def check_numbers_free() -> None:
    taken = Customer.objects.filter(number__in=PAGES_NUMBERS).exclude(name__startswith=PAGES_NAME_PREFIX)
    if taken.exists():
        raise RuntimeError(NUMBERS_TAKEN.format(numbers=", ".join(PAGES_NUMBERS)))


def _raw_deletes() -> list[str]:
    """Bulk rows by SQL (the ORM would load every one first), and the append-only records, which
    refuse the ORM's delete."""
    quote = connection.ops.quote_name
    environments = f"SELECT id FROM {quote(Environment._meta.db_table)} WHERE customer_id = ANY(%s)"
    lines = (
        f"SELECT s.id FROM {quote(LicenseLine._meta.db_table)} s JOIN {quote(License._meta.db_table)} l "
        "ON l.id = s.license_id WHERE l.customer_id = ANY(%s)"
    )
    statements = [
        f"DELETE FROM {quote(model._meta.db_table)} WHERE customer_id = ANY(%s)"
        for model in (LicenseMutation, UserBlockChange, UserSummary)
    ]
    statements += [
        f"DELETE FROM {quote(model._meta.db_table)} WHERE environment_id IN ({environments})"
        for model in (EnvironmentUser, Employee, Declaration, EnvironmentClient)
    ]
    statements.append(f"DELETE FROM {quote(UsageSnapshot._meta.db_table)} WHERE line_id IN ({lines})")
    return statements


def delete_all() -> None:
    """Every customer of this bench with all it has, and the identities and accounts only it used."""
    customers = Customer.objects.filter(number__in=PAGES_NUMBERS, name__startswith=PAGES_NAME_PREFIX)
    ids = list(customers.values_list("id", flat=True))
    with transaction.atomic():
        if ids:
            with connection.cursor() as cursor:
                for statement in _raw_deletes():
                    cursor.execute(statement, [ids])
            LicenseWarning.objects.filter(customer_id__in=ids).delete()
            LicenseLine.objects.filter(license__customer_id__in=ids).delete()
            License.objects.filter(customer_id__in=ids).delete()
            Environment.objects.filter(customer_id__in=ids).delete()
            customers.delete()
        used = EnvironmentUser.objects.filter(identity__code__startswith=PAGES_CODE_PREFIX).values(
            "identity_id"
        )
        UserIdentity.objects.filter(code__startswith=PAGES_CODE_PREFIX).exclude(id__in=used).delete()
        get_user_model().objects.filter(username__endswith=PAGES_EMAIL_DOMAIN).delete()


def _snapshot(code: str, taken_at: datetime, users: range, pool: int, rng: random.Random, now) -> dict:
    people = []
    employees = []
    for n in users:
        number = n % pool
        kind = rng.choices(["person", "temp", "intern", "test", "system", "coworker"], [85, 6, 3, 2, 2, 2])[0]
        guid = str(uuid.UUID(int=number + 1))
        login = None if rng.random() < 0.1 else now - timedelta(days=rng.randrange(0, 200))
        people.append(
            {
                "code": f"{PAGES_CODE_PREFIX}{code[1:6]}.user{number:06d}",
                "name": f"Gebruiker {number}",
                "email": f"user{number}@example.nl",
                "profit": rng.random() < 0.8,
                "insite": rng.random() < 0.5,
                "outsite": rng.random() < 0.1,
                "blocked": rng.random() < 0.05,
                "kind": kind,
                "last_login": login.isoformat() if login else None,
                "employee": guid,
            }
        )
        employees.append(
            {"guid": guid, "name": f"Medewerker {number}", "in_service": rng.random() < 0.9, "kind": kind}
        )
    return {
        "format": 1,
        "environment": code,
        "taken_at": taken_at.isoformat(),
        "users": people,
        "employees": employees,
        "declarations": [{"number": f"{code}-{n}"} for n in range(50)],
        "clients": [{"code": f"C{n:04d}", "name": f"Cliënt {n}"} for n in range(20)],
    }


def create(*, number: str, users_per_snapshot: int, unique_users: int, seed: int = 14) -> BenchCustomer:
    """One customer of the bench, built as the portal's data arrives: environments, six snapshot
    imports, the nightly job for 90 days of history, a mutation, a block; and its Beheerder's session."""
    rng = random.Random(seed)
    now = timezone.now()
    customer = Customer.objects.create(number=number, name=f"{PAGES_NAME_PREFIX}{number}")
    license = License.objects.create(customer=customer)
    for suffix in ENVIRONMENT_SUFFIXES:
        Environment.objects.create(customer=customer, code=f"{suffix[0]}{number}{suffix[1:]}", type=suffix[0])
    # Six snapshots whose users overlap so that together they hold every user of the pool once.
    step = unique_users // len(ENVIRONMENT_SUFFIXES) * 3 // 2
    for position, suffix in enumerate(ENVIRONMENT_SUFFIXES):
        code = f"{suffix[0]}{number}{suffix[1:]}"
        start = (position * step) % unique_users
        raw = _snapshot(
            code, now - timedelta(hours=1), range(start, start + users_per_snapshot), unique_users, rng, now
        )
        import_snapshots(snapshots=[parse_snapshot(raw, source_name=code)], now=now)
    for item in Item:
        scopes = [Scope.LICENSE] if item in LICENSE_ITEMS else ENVIRONMENT_SCOPES
        for scope in scopes:
            # Two lines over their maximum, so the warnings and signals pages have something to show.
            maximum = (
                unique_users // 4
                if scope in (Scope.PRODUCTION, Scope.TEST) and item == Item.OUTSITE_USERS
                else 10 * unique_users
            )
            LicenseLine.objects.get_or_create(
                license=license, item=item, scope=scope, defaults={"maximum": maximum, "portal": maximum}
            )
    refresh_customers(customer_ids=[customer.id], now=now)
    lines = list(LicenseLine.objects.filter(license=license))
    today = timezone.localdate(now)
    UsageSnapshot.objects.bulk_create(
        [
            UsageSnapshot(
                line=line,
                date=today - timedelta(days=days),
                in_use=max(0, line.in_use - days * line.in_use // (3 * HISTORY_DAYS)),
                maximum=line.maximum,
            )
            for line in lines
            for days in range(1, HISTORY_DAYS + 1)
        ],
        ignore_conflicts=True,
    )
    user = get_user_model().objects.create_user(
        username=f"beheerder-{number}{PAGES_EMAIL_DOMAIN}", email=f"beheerder-{number}{PAGES_EMAIL_DOMAIN}"
    )
    contact = Contact.objects.create(user=user, name=f"Beheerder {number}")
    Membership.objects.create(contact=contact, customer=customer, role=Role.BEHEERDER)
    line = next(line for line in lines if (line.item, line.scope) == (Item.PROFIT_USERS, Scope.PRODUCTION))
    line_change_quantity(line=line, by=contact, quantity=line.maximum + 1)
    rows = EnvironmentUser.objects.filter(environment__customer=customer)
    blocked = rows.filter(blocked=False).order_by("id").first()
    user_set_blocked(
        customer=customer, by=contact, identity_id=blocked.identity_id, user_code=blocked.code, blocked=True
    )
    client = Client()
    client.force_login(user)
    return BenchCustomer(
        number=number,
        customer_id=customer.id,
        unique_users=rows.values("identity_id").distinct().count(),
        user_rows=rows.count(),
        session=client.cookies["sessionid"].value,
        line_id=line.id,
        identity_id=blocked.identity_id,
    )
