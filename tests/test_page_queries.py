"""Every portal page costs a fixed number of queries: the same for a small customer and for the same
customer grown to many more environments, users, employees, lines' history, warnings and changes."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from environments.models import Environment, EnvironmentUser
from environments.services import import_snapshots
from environments.snapshots import parse_snapshot
from licensing.approvals.models import PendingChange
from licensing.maintenance.services import user_set_blocked
from licensing.models import LicenseLine
from licensing.monitoring.models import UsageSnapshot
from licensing.monitoring.nightly import refresh_customers
from licensing.services import line_change_quantity
from tests.licensing.pricing_factories import price_list

# The queries of each page a Beheerder reads; a page that needs more for a larger customer fails here.
PAGES = {
    "dashboard": 8,
    # +1 each: the line's open four-eyes change (licensing.approvals); +1 on Licentiedata: its price lists.
    "licensing:overview": 10,
    "licensing:line_detail": 9,
    "licensing:line_change": 9,
    "licensing:mutations": 7,
    "licensing:requests": 6,
    "licensing:request_new": 6,
    "licensing:analysis": 7,
    "licensing:warnings": 8,
    "licensing:signals": 8,
    "licensing:maintenance": 8,
    "licensing:maintenance_employees": 8,
    "licensing:maintenance_cleanup": 8,
    "licensing:maintenance_log": 7,
    "licensing:maintenance_user": 7,
    "portal:contacts": 6,
    "apikeys:list": 8,
    "licensing:four_eyes": 8,
    "licensing:pending_changes": 7,
}
WITH_LINE = {"licensing:line_detail", "licensing:line_change"}
TYPES = "OOOTTA"


def snapshot(code: str, users: range, taken_at) -> dict:
    return {
        "format": 1,
        "environment": code,
        "taken_at": taken_at.isoformat(),
        "users": [
            {
                "code": f"12345.user{n}",
                "profit": True,
                "insite": n % 2 == 0,
                "outsite": n % 7 == 0,
                "blocked": n % 11 == 0,
                "kind": ("person", "temp", "intern", "test")[n % 4],
                "last_login": None if n % 5 == 0 else (taken_at - timedelta(days=n % 200)).isoformat(),
                "employee": f"6f1c2d3e-0000-4000-8000-{n:012d}",
            }
            for n in users
        ],
        "employees": [
            {"guid": f"6f1c2d3e-0000-4000-8000-{n:012d}", "in_service": n % 3 != 0, "kind": "temp"}
            for n in users
        ],
        "declarations": [{"number": f"{code}-{n}"} for n in users],
        "clients": [{"code": f"C{n}"} for n in users],
    }


def grow(customer, beheerder, *, environments: int, users: int, days: int) -> None:
    """Environments of the customer with their snapshots, a night's count, `days` of history, a
    mutation and a block: everything a page reads, more of it on every call."""
    now = timezone.now()
    for position in range(environments):
        code = f"{TYPES[position % len(TYPES)]}12345{'ABCDEF'[position]}A"
        Environment.objects.get_or_create(code=code, defaults={"customer": customer, "type": code[0]})
        start = position * users // 2
        raw = snapshot(code, range(start, start + users), now - timedelta(hours=1))
        import_snapshots(snapshots=[parse_snapshot(raw, source_name=code)], now=now)
    refresh_customers(customer_ids=[customer.id], now=now)
    # A price list per item, with more tiers and an older list kept each call: read in a fixed number.
    for item in ("profit_users", "insite_users", "environments", "employees"):
        price_list(
            item=item,
            tiers=[(1 + 10 * n, f"{20 - n}.00") for n in range(environments)],
            valid_from=date(2020, 1, environments),
        )
    lines = list(LicenseLine.objects.filter(license__customer=customer))
    UsageSnapshot.objects.bulk_create(
        [
            UsageSnapshot(
                line=line, date=timezone.localdate(now) - timedelta(days=day), in_use=day, maximum=9
            )
            for line in lines
            for day in range(1, days + 1)
        ],
        ignore_conflicts=True,
    )
    line = LicenseLine.objects.filter(license__customer=customer, item="profit_users", scope="O").first()
    line_change_quantity(line=line, by=beheerder, quantity=line.in_use + 5)
    # Four-eyes changes: a rejected one on every line, an open one on each line that has none.
    for line in lines:
        fields = {"customer": customer, "kind": "quantity", "line": line, "quantity": 3, "old_maximum": 9}
        who = {
            "requested_by": beheerder,
            "requested_by_user": beheerder.user,
            "requested_by_name": beheerder.email,
        }
        PendingChange.objects.create(**fields, **who, status="rejected", decided_by=beheerder, reason="Nee")
        if not PendingChange.objects.filter(line=line, status="open").exists():
            PendingChange.objects.create(**fields, **who)
    user = (
        EnvironmentUser.objects.filter(environment__customer=customer, blocked=False).order_by("id").first()
    )
    user_set_blocked(
        customer=customer, by=beheerder, identity_id=user.identity_id, user_code=user.code, blocked=True
    )


def path_of(name: str, customer) -> str:
    if name in WITH_LINE:
        line = LicenseLine.objects.get(license__customer=customer, item="profit_users", scope="O")
        return reverse(name, args=[line.id])
    if name == "licensing:maintenance_user":
        identity = (
            EnvironmentUser.objects.filter(environment__customer=customer).order_by("id").first().identity_id
        )
        return reverse(name, args=[identity])
    return reverse(name)


@pytest.mark.parametrize("name", PAGES)
def test_a_page_costs_the_same_queries_for_a_small_and_a_large_customer(
    name, client, beheerder, customer_a, django_assert_num_queries
):
    client.force_login(beheerder.user)
    for environments, users, days in ((2, 4, 3), (6, 60, 90)):
        grow(customer_a, beheerder, environments=environments, users=users, days=days)
        path = path_of(name, customer_a)
        assert client.get(path).status_code == 200  # the session and the chart cache warm
        with django_assert_num_queries(PAGES[name]):
            response = client.get(path)
        assert response.status_code == 200
