"""The demo data of DESIGN.md "Stable interfaces", built the same way every time (`seed_demo`).

Two customers: 12345 Bakkerij De Korenschoof BV (edition Profit; three production, two test and one
accept environment) and 67890 Van Dijk Installatietechniek (Profit Small Business, one production
environment). The environments' data goes in as snapshots through the import service, so it passes
the same validation as real data. Everything is fixed: GUIDs are derived from names, and times are
relative to the nightly snapshot moment (today 00:45), so seeding twice gives the same rows.
"""

import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from environments.models import Environment
from environments.services import import_snapshots
from environments.snapshots import parse_snapshot
from licensing.models import License, LicenseLine
from licensing.monitoring.models import UsageSnapshot
from licensing.monitoring.services import ensure_builtin_signal
from licensing.pricing.models import PriceList
from licensing.pricing.services import price_list_save
from licensing.recount import recount_customers

from .accounts import record_email_address
from .demo_data import (
    CONTACTS,
    CUSTOMERS,
    DATA,
    ENVIRONMENTS,
    GUID_NAMESPACE,
    LINES,
    PEOPLE,
    PRICE_LISTS,
    SNAPSHOT_TIME,
)
from .models import Contact, Customer, Membership


def guid(customer: str, person: str) -> str:
    return str(uuid.uuid5(GUID_NAMESPACE, f"{customer}/{person}"))


def snapshot_moment(now: datetime) -> datetime:
    """The newest nightly snapshot moment: today 00:45 local time, or yesterday's before then."""
    local = timezone.localtime(now)
    moment = local.replace(hour=SNAPSHOT_TIME.hour, minute=SNAPSHOT_TIME.minute, second=0, microsecond=0)
    return moment if moment <= local else moment - timedelta(days=1)


def snapshot(code: str, taken_at: datetime) -> dict:
    """The snapshot (DESIGN.md's JSON format) of one demo environment."""
    customer = code[1:6]
    people = PEOPLE[customer]
    data = DATA[code]
    users = []
    for user in data.users:
        person = people[user.person] if user.person else None
        entry = {
            "code": user.code,
            "name": person.name if person else user.name,
            "email": person.email if person else "",
            "profit": "P" in user.access,
            "insite": "I" in user.access,
            "outsite": "O" in user.access,
            "blocked": user.blocked,
            "kind": user.kind,
        }
        if user.logged_in_days_ago is not None:
            moment = taken_at - timedelta(days=user.logged_in_days_ago, hours=7 + len(user.code) % 9)
            entry["last_login"] = moment.isoformat()
        if person and user.person in data.employees:
            entry["employee"] = guid(customer, user.person)
        users.append(entry)
    return {
        "format": 1,
        "environment": code,
        "taken_at": taken_at.isoformat(),
        "users": users,
        "employees": [
            {
                "guid": guid(customer, key),
                "name": people[key].name,
                "in_service": in_service,
                "kind": people[key].kind,
            }
            for key, in_service in data.employees.items()
        ],
        "declarations": [{"number": number} for number in data.declarations],
        "clients": [{"code": client_code, "name": name} for client_code, name in data.clients],
    }


def seed(*, now: datetime | None = None, log=print) -> None:
    """Creates or brings back the demo data; running it again leaves the same state."""
    now = now or timezone.now()
    with transaction.atomic():
        customers = _customers(log=log)
        _contacts(customers=customers, log=log)
        _environments(customers=customers, now=now, log=log)
        _lines(customers=customers, log=log)
        _price_lists(log=log)
        result = recount_customers(customer_ids=[customer.id for customer in customers.values()])
        _history(customer=customers["12345"], today=timezone.localdate(now), log=log)
        ensure_builtin_signal()
    log(f"recounted {result.customers} customers ({result.changed} lines changed)")


# Lines of 12345 that grew over the last two months, so their charts show a forecast.
GROWING = {("profit_users", "O"), ("insite_users", "O")}
HISTORY_DAYS = 60


def _history(*, customer: Customer, today, log) -> None:
    """Two months of daily usage snapshots up to yesterday (the nightly job writes today's)."""
    snapshots = []
    for line in LicenseLine.objects.filter(license__customer=customer):
        start = round(line.in_use * 0.7) if (line.item, line.scope) in GROWING else line.in_use
        for days_ago in range(HISTORY_DAYS, 0, -1):
            grown = start + (line.in_use - start) * (HISTORY_DAYS - days_ago) / HISTORY_DAYS
            wobble = 1 if days_ago % 9 == 0 and line.in_use else 0
            snapshots.append(
                UsageSnapshot(
                    line=line,
                    date=today - timedelta(days=days_ago),
                    in_use=max(0, round(grown) - wobble),
                    maximum=line.maximum,
                )
            )
    UsageSnapshot.objects.bulk_create(
        snapshots,
        update_conflicts=True,
        unique_fields=["line", "date"],
        update_fields=["in_use", "maximum"],
    )
    log(f"usage history: {HISTORY_DAYS} days for {customer.number}")


def _customers(*, log) -> dict[str, Customer]:
    customers = {}
    for number, (name, edition) in CUSTOMERS.items():
        customer, _ = Customer.objects.update_or_create(
            number=number, defaults={"name": name, "is_active": True}
        )
        License.objects.update_or_create(customer=customer, defaults={"edition": edition})
        customers[number] = customer
        log(f"customer {number} {name} ({edition.label})")
    return customers


def _contacts(*, customers: dict[str, Customer], log) -> None:
    User = get_user_model()
    for email, password, name, number, role in CONTACTS:
        user, _ = User.objects.update_or_create(
            username=email, defaults={"email": email, "is_active": True, "is_staff": False}
        )
        # Re-hashing every run would change the row; only reset a password that was changed.
        if not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        record_email_address(user)
        contact, _ = Contact.objects.update_or_create(user=user, defaults={"name": name})
        Membership.objects.update_or_create(
            contact=contact, customer=customers[number], defaults={"role": role}
        )
        log(f"contact {email} / {password}: {role.label} of {number}")


def _environments(*, customers: dict[str, Customer], now: datetime, log) -> None:
    taken_at = snapshot_moment(now)
    snapshots = []
    for code, name in ENVIRONMENTS.items():
        environment, _ = Environment.objects.update_or_create(
            code=code,
            defaults={
                "customer": customers[code[1:6]],
                "type": code[0],
                "name": name,
                "is_active": True,
                "decommissioned_at": None,
            },
        )
        # A newer snapshot imported by hand must not make the demo's own one stale.
        moment = max(taken_at, environment.data_taken_at or taken_at)
        snapshots.append(parse_snapshot(snapshot(code, moment), source_name=f"demo {code}"))
    for result in import_snapshots(snapshots=snapshots, now=now):
        log(
            f"environment {result.environment}: {result.users} users, {result.employees} employees, "
            f"{result.declarations} declarations, {result.clients} clients"
        )


def _price_lists(*, log) -> None:
    for (edition, item, valid_from), (mode, tiers) in PRICE_LISTS.items():
        price_list = PriceList.objects.filter(edition=edition, item=item, valid_from=valid_from).first()
        price_list = price_list or PriceList(edition=edition, item=item, valid_from=valid_from)
        price_list.mode = mode
        price_list_save(price_list=price_list, tiers=[(start, Decimal(price)) for start, price in tiers])
    log(f"{len(PRICE_LISTS)} price lists")


def _lines(*, customers: dict[str, Customer], log) -> None:
    for number, lines in LINES.items():
        license = License.objects.get(customer=customers[number])
        for (item, scope), (maximum, portal) in lines.items():
            LicenseLine.objects.update_or_create(
                license=license, item=item, scope=scope, defaults={"maximum": maximum, "portal": portal}
            )
        log(f"license {number}: {len(lines)} lines")
