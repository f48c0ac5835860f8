"""The demo data itself: who the demo customers, contacts, people and users are, and their lines.

Pure data: `portal.demo` turns it into rows (`seed_demo`). Changing the demo means changing this file.
"""

import uuid
from dataclasses import dataclass, field
from datetime import date, time

from licensing.models import Edition
from licensing.pricing.models import PriceMode

from .models import Role

PASSWORD_BEHEERDER = "demo-beheerder"
PASSWORD_MEDEWERKER = "demo-medewerker"
# Environments report their data every night at this time (DESIGN.md's example snapshot).
SNAPSHOT_TIME = time(0, 45)
GUID_NAMESPACE = uuid.UUID("3d0c6a52-9a55-4c1e-9a0f-0d2f6c5e1a00")

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

# (edition, item, valid from) -> (mode, [(from quantity, price per unit per month in EUR)]). Outsite
# users, declarations and clients have no price list: Licentiedata shows no price for them. Profit users
# of edition Profit have a new list scheduled for 2027.
PRICE_LISTS = {
    (Edition.PROFIT, "profit_users", date(2026, 1, 1)): (
        PriceMode.GRADUATED,
        [(1, "16.50"), (26, "14.00"), (51, "12.00")],
    ),
    (Edition.PROFIT, "profit_users", date(2027, 1, 1)): (
        PriceMode.GRADUATED,
        [(1, "17.25"), (26, "14.50"), (51, "12.50")],
    ),
    (Edition.PROFIT, "insite_users", date(2026, 1, 1)): (
        PriceMode.VOLUME,
        [(1, "4.50"), (25, "3.75"), (100, "3.00")],
    ),
    (Edition.PROFIT, "environments", date(2026, 1, 1)): (PriceMode.VOLUME, [(1, "45.00"), (5, "40.00")]),
    (Edition.PROFIT, "employees", date(2026, 1, 1)): (PriceMode.GRADUATED, [(1, "2.25"), (50, "1.80")]),
    (Edition.SMALL_BUSINESS, "profit_users", date(2026, 1, 1)): (PriceMode.VOLUME, [(1, "14.50")]),
    (Edition.SMALL_BUSINESS, "environments", date(2026, 1, 1)): (PriceMode.VOLUME, [(1, "35.00")]),
}
