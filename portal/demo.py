"""The demo data of DESIGN.md "Stable interfaces", built the same way every time (`seed_demo`).

Two customers: 12345 Bakkerij De Korenschoof BV (edition Profit; three production, two test and one
accept environment) and 67890 Van Dijk Installatietechniek (Profit Small Business, one production
environment). The environments' data goes in as snapshots through the import service, so it passes
the same validation as real data. Everything is fixed: GUIDs are derived from names, and times are
relative to the nightly snapshot moment (today 00:45), so seeding twice gives the same rows.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from environments.models import Environment
from environments.services import import_snapshots
from environments.snapshots import parse_snapshot
from licensing.models import Edition, License, LicenseLine
from licensing.monitoring.models import UsageSnapshot
from licensing.monitoring.services import ensure_builtin_signal
from licensing.recount import recount_customers

from .models import Contact, Customer, Membership, Role

PASSWORD_BEHEERDER = "demo-beheerder"
PASSWORD_MEDEWERKER = "demo-medewerker"
# Environments report their data every night at this time (DESIGN.md's example snapshot).
SNAPSHOT_TIME = time(0, 45)
_GUIDS = uuid.UUID("3d0c6a52-9a55-4c1e-9a0f-0d2f6c5e1a00")

CUSTOMERS = {
    "12345": ("Bakkerij De Korenschoof BV", Edition.PROFIT),
    "67890": ("Van Dijk Installatietechniek", Edition.SMALL_BUSINESS),
}

ENVIRONMENTS = {
    "O12345AA": "Productie — Bakkerij De Korenschoof BV",
    "O12345AB": "Productie — Korenschoof Vastgoed BV",
    "O12345AC": "Productie — Korenschoof Webwinkel",
    "T12345AA": "Test — kopie van O12345AA",
    "T12345AB": "Test — kopie van O12345AB",
    "A12345AA": "Acceptatie — nieuwe loonstructuur",
    "O67890AA": "Productie — Van Dijk Installatietechniek",
}

# (e-mail, password, name, customer, role)
CONTACTS = [
    ("beheerder@example.nl", PASSWORD_BEHEERDER, "Marleen de Graaf", "12345", Role.BEHEERDER),
    ("medewerker@example.nl", PASSWORD_MEDEWERKER, "Tom Hermans", "12345", Role.MEDEWERKER),
    ("beheerder67890@example.nl", PASSWORD_BEHEERDER, "Peter van Dijk", "67890", Role.BEHEERDER),
]


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    kind: str = "staff"  # the employee record's kind


PEOPLE = {
    "12345": {
        "susan": Person("Susan de Vries", "s.devries@korenschoof.nl"),
        "john": Person("John Bakker", "j.bakker@korenschoof.nl"),
        "martin": Person("Martin Visser", "m.visser@korenschoof.nl"),
        "bart": Person("Bart Smit", "b.smit@korenschoof.nl"),
        "pascal": Person("Pascal Mulder", "p.mulder@korenschoof.nl"),
        "jansen": Person("Jan Jansen", "j.jansen@korenschoof.nl"),
        "vandenberg": Person("Anouk van den Berg", "a.vandenberg@korenschoof.nl"),
        "deboer": Person("Pieter de Boer", "p.deboer@korenschoof.nl"),
        "elamrani": Person("Fatima El Amrani", "f.elamrani@korenschoof.nl"),
        "hendriks": Person("Lotte Hendriks", "l.hendriks@korenschoof.nl"),
        "willemsen": Person("Kees Willemsen", "k.willemsen@korenschoof.nl"),
        "meijer": Person("Sanne Meijer", "s.meijer@korenschoof.nl"),
        "koster": Person("Lisa Koster", "l.koster@korenschoof.nl"),
        "bos": Person("Thomas Bos", "t.bos@korenschoof.nl"),
        "smits": Person("Ingrid Smits", "i.smits@korenschoof.nl"),
        "kok": Person("Ruud Kok", "r.kok@korenschoof.nl", "temp"),
        "yilmaz": Person("Mehmet Yılmaz", "m.yilmaz@korenschoof.nl", "temp"),
        "verbeek": Person("Emma Verbeek", "e.verbeek@korenschoof.nl", "intern"),
        "dijkstra": Person("Sem Dijkstra", "s.dijkstra@korenschoof.nl", "intern"),
        # Bakers and drivers: employees without a user account.
        "brouwer": Person("Gerrit Brouwer", "g.brouwer@korenschoof.nl"),
        "dejong": Person("Wim de Jong", "w.dejong@korenschoof.nl"),
        "peters": Person("Marieke Peters", "m.peters@korenschoof.nl"),
        "vos": Person("Joyce Vos", "j.vos@korenschoof.nl"),
        "vandam": Person("Youssef van Dam", "y.vandam@korenschoof.nl"),
    },
    "67890": {
        "pvandijk": Person("Peter van Dijk", "peter@vandijk-installatie.nl"),
        "mvandijk": Person("Marloes van Dijk", "marloes@vandijk-installatie.nl"),
        "jacobs": Person("Rik Jacobs", "r.jacobs@vandijk-installatie.nl"),
        "kuipers": Person("Stefan Kuipers", "s.kuipers@vandijk-installatie.nl"),
        "dewit": Person("Dennis de Wit", "d.dewit@vandijk-installatie.nl"),
        "hoekstra": Person("Bas Hoekstra", "b.hoekstra@vandijk-installatie.nl", "intern"),
    },
}


@dataclass(frozen=True)
class DemoUser:
    code: str
    access: str  # letters P, I, O: Profit, InSite, OutSite
    person: str | None = None  # key in PEOPLE: name, e-mail and employee
    name: str = ""
    kind: str = "person"
    blocked: bool = False
    logged_in_days_ago: int | None = 1


@dataclass(frozen=True)
class DemoEnvironment:
    users: list[DemoUser]
    # employee key -> in service
    employees: dict[str, bool] = field(default_factory=dict)
    declarations: list[str] = field(default_factory=list)
    clients: list[tuple[str, str]] = field(default_factory=list)


U = DemoUser

DATA = {
    "O12345AA": DemoEnvironment(
        users=[
            U("12345.susan", "PI", "susan"),
            U("12345.john", "PI", "john", logged_in_days_ago=0),
            U("12345.martin", "P", "martin", logged_in_days_ago=3),
            U("12345.jansen", "PI", "jansen"),
            U("12345.vandenberg", "PI", "vandenberg", logged_in_days_ago=2),
            U("12345.deboer", "PI", "deboer"),
            U("12345.elamrani", "I", "elamrani", logged_in_days_ago=6),
            U("12345.hendriks", "I", "hendriks", logged_in_days_ago=12),
            U("12345.willemsen", "I", "willemsen", logged_in_days_ago=4),
            # Left the company: account blocked, employee out of service.
            U("12345.smits", "PI", "smits", blocked=True, logged_in_days_ago=94),
            # A temp whose contract ended but whose account is still open: the portal can flag it.
            U("12345.kok", "I", "kok", kind="temp", logged_in_days_ago=41),
            U("12345.yilmaz", "I", "yilmaz", kind="temp"),
            U("12345.verbeek", "PI", "verbeek", kind="intern"),
            U("12345.dijkstra", "I", "dijkstra", kind="intern", logged_in_days_ago=None),
            # Moved to Korenschoof Vastgoed: blocked here, active in O12345AB.
            U("12345.bos", "PI", "bos", blocked=True, logged_in_days_ago=30),
            U(
                "12345.test",
                "P",
                name="Testgebruiker salarisadministratie",
                kind="test",
                logged_in_days_ago=20,
            ),
            U("12345.systeem", "P", name="Koppeling kassasysteem", kind="system", logged_in_days_ago=0),
            # The accountant's account counts in the accountant's own license.
            U("54321.groen", "PI", name="M. Groen (Groen & Partners Accountants)", kind="coworker"),
            U("12345.os.meelfabriek", "O", name="Meelfabriek Holland, inkoop", logged_in_days_ago=8),
            U("12345.os.debruin", "O", name="Lunchroom De Bruin", logged_in_days_ago=15),
        ],
        employees={
            "susan": True,
            "john": True,
            "martin": True,
            "jansen": True,
            "vandenberg": True,
            "deboer": True,
            "elamrani": True,
            "hendriks": True,
            "willemsen": True,
            "smits": False,
            "kok": False,
            "yilmaz": True,
            "verbeek": True,
            "dijkstra": True,
            "bos": False,
            "brouwer": True,
            "dejong": True,
            "peters": True,
            "vos": True,
            "vandam": False,
        },
        declarations=["812345678L01", "812345678L02", "812345678B01"],
        clients=[
            ("C0001", "Korenschoof Retail BV"),
            ("C0002", "Korenschoof Vastgoed BV"),
            ("C0003", "Stichting Broodfonds Zwolle"),
        ],
    ),
    "O12345AB": DemoEnvironment(
        users=[
            U("12345.Susan", "PI", "susan", logged_in_days_ago=2),
            U("12345.bart", "PI", "bart"),
            U("12345.pascal", "P", "pascal", logged_in_days_ago=5),
            # Blocked here, but active in O12345AA: still counts once.
            U("12345.JANSEN", "P", "jansen", blocked=True, logged_in_days_ago=60),
            U("12345.meijer", "I", "meijer", logged_in_days_ago=3),
            U("12345.bos", "PI", "bos"),
            U("54321.GROEN", "P", name="M. Groen (Groen & Partners Accountants)", kind="coworker"),
        ],
        employees={"susan": True, "bart": True, "pascal": True, "jansen": True, "meijer": True, "bos": True},
        declarations=["812345678l01", "856789012L01"],
        clients=[("c0002", "Korenschoof Vastgoed BV"), ("C0004", "Korenschoof Catering BV")],
    ),
    "O12345AC": DemoEnvironment(
        users=[
            U("12345.DeBoer", "PI", "deboer", logged_in_days_ago=7),
            U("12345.koster", "PI", "koster"),
            U("12345.systeem", "P", name="Koppeling webwinkel", kind="system", logged_in_days_ago=0),
            U("12345.os.cafedehoek", "O", name="Café De Hoek", logged_in_days_ago=2),
            U("12345.os.hotelzwolle", "O", name="Hotel Zwolle Centrum", logged_in_days_ago=9),
        ],
        employees={"deboer": True, "koster": True},
    ),
    "T12345AA": DemoEnvironment(
        users=[
            U("12345.susan", "PI", "susan", logged_in_days_ago=9),
            U("12345.john", "P", "john", logged_in_days_ago=16),
            U("12345.martin", "P", "martin", logged_in_days_ago=None),
            U("12345.vandenberg", "I", "vandenberg", logged_in_days_ago=9),
            U("12345.tester", "PI", name="Testgebruiker releases", kind="test", logged_in_days_ago=9),
            U(
                "12345.systeem",
                "P",
                name="Koppeling kassasysteem (test)",
                kind="system",
                logged_in_days_ago=9,
            ),
        ],
        employees={"susan": True, "john": True, "martin": True, "vandenberg": True, "smits": False},
        declarations=["812345678L01"],
        clients=[("C0001", "Korenschoof Retail BV"), ("C0002", "Korenschoof Vastgoed BV")],
    ),
    "T12345AB": DemoEnvironment(
        users=[
            U("12345.susan", "P", "susan", logged_in_days_ago=21),
            U("12345.bart", "P", "bart", logged_in_days_ago=21),
            U("12345.pascal", "PI", "pascal", logged_in_days_ago=22),
            U("12345.Tester", "P", name="Testgebruiker releases", kind="test", logged_in_days_ago=21),
        ],
        employees={"susan": True, "bart": True, "pascal": True},
        clients=[("C0004", "Korenschoof Catering BV")],
    ),
    "A12345AA": DemoEnvironment(
        users=[
            U("12345.susan", "PI", "susan", logged_in_days_ago=4),
            U("12345.deboer", "P", "deboer", logged_in_days_ago=4),
            U(
                "12345.acceptatie",
                "PI",
                name="Acceptatietest loonstructuur",
                kind="test",
                logged_in_days_ago=4,
            ),
            U("12345.systeem", "P", name="Koppeling kassasysteem (acceptatie)", kind="system"),
            U("12345.os.test", "O", name="OutSite testaccount", kind="test", logged_in_days_ago=11),
        ],
        employees={"susan": True, "deboer": True},
        clients=[("C0001", "Korenschoof Retail BV")],
    ),
    "O67890AA": DemoEnvironment(
        users=[
            U("67890.pvandijk", "PI", "pvandijk", logged_in_days_ago=0),
            U("67890.mvandijk", "PI", "mvandijk"),
            U("67890.jacobs", "P", "jacobs", logged_in_days_ago=3),
            U("67890.kuipers", "I", "kuipers", logged_in_days_ago=5),
            U("67890.dewit", "I", "dewit", logged_in_days_ago=2),
            U("67890.hoekstra", "I", "hoekstra", kind="intern", logged_in_days_ago=None),
            U("67890.koppeling", "P", name="Koppeling werkbonnen-app", kind="system", logged_in_days_ago=0),
        ],
        employees={
            "pvandijk": True,
            "mvandijk": True,
            "jacobs": True,
            "kuipers": True,
            "dewit": True,
            "hoekstra": True,
        },
        declarations=["823456781L01"],
    ),
}

# (item, scope) -> (maximum, portal). Maximum and portal agree except the one deliberate deviation;
# Profit users on O are 3 below the maximum, so the signal "fewer than 5 left" fires.
LINES = {
    "12345": {
        ("environments", "license"): (8, 8),
        ("employees", "license"): (40, 40),
        ("declarations", "license"): (10, 10),
        ("profit_users", "O"): (16, 16),
        ("insite_users", "O"): (25, 25),
        ("outsite_users", "O"): (10, 10),
        ("clients", "O"): (10, 10),
        ("profit_users", "T"): (15, 15),
        ("insite_users", "T"): (10, 8),
        ("outsite_users", "T"): (2, 2),
        ("clients", "T"): (5, 5),
        ("profit_users", "A"): (10, 10),
        ("insite_users", "A"): (5, 5),
        ("outsite_users", "A"): (2, 2),
        ("clients", "A"): (5, 5),
    },
    "67890": {
        ("environments", "license"): (2, 2),
        ("employees", "license"): (10, 10),
        ("declarations", "license"): (2, 2),
        ("profit_users", "O"): (5, 5),
        ("insite_users", "O"): (10, 10),
        ("outsite_users", "O"): (2, 2),
        ("clients", "O"): (1, 1),
    },
}


def guid(customer: str, person: str) -> str:
    return str(uuid.uuid5(_GUIDS, f"{customer}/{person}"))


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


def _lines(*, customers: dict[str, Customer], log) -> None:
    for number, lines in LINES.items():
        license = License.objects.get(customer=customers[number])
        for (item, scope), (maximum, portal) in lines.items():
            LicenseLine.objects.update_or_create(
                license=license, item=item, scope=scope, defaults={"maximum": maximum, "portal": portal}
            )
        log(f"license {number}: {len(lines)} lines")
