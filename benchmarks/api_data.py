"""The API benchmark's data: customers and empty environments of the recount bench's shape under numbers
of its own, one snapshot file per environment (DESIGN.md's format 1), a token per environment, and the
removal of all of it. Everything it makes is recognisable: customers API_FIRST_NUMBER.. named
API_NAME_PREFIX..., user codes (and so identities) starting with API_CODE_PREFIX.
"""

import hashlib
import json
import random
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from api.models import ApiScope
from api.services import create_api_key, create_environment_token
from environments.models import CustomerInputs, Environment, UserSummary, UserSummaryTotals
from environments.vocabulary import Item, Scope
from licensing.models import License, LicenseLine
from licensing.monitoring.models import LicenseWarning
from licensing.recount import recount_customers
from portal.models import Customer

from .population import EnvironmentShape, plan_population
from .tables import TABLES, sql

API_FIRST_NUMBER = 80000
API_MAX_CUSTOMERS = 9000  # 80000-88999: below bench_analysis's 89998-89999 and bench_refresh's 90000-
API_NUMBERS = (f"{API_FIRST_NUMBER:05d}", f"{API_FIRST_NUMBER + API_MAX_CUSTOMERS - 1:05d}")
API_NAME_PREFIX = "Benchmark API klant "
API_CODE_PREFIX = "bench-api:"
BY = "bench_api"
ENVIRONMENTS_PER_CUSTOMER = 5.0  # bench_refresh's default
NUMBERS_TAKEN = (
    "Customer numbers {first}-{last} are needed for bench_api but {taken} of them hold real customers."
)
KEY_LINES = (
    (Item.ENVIRONMENTS, Scope.LICENSE),
    (Item.EMPLOYEES, Scope.LICENSE),
    (Item.PROFIT_USERS, Scope.PRODUCTION),
    (Item.INSITE_USERS, Scope.PRODUCTION),
    (Item.PROFIT_USERS, Scope.TEST),
    (Item.OUTSITE_USERS, Scope.DEMO),
)
ENVIRONMENT_DATA = ("user", "employee", "declaration", "client")


def bench_customers():
    return Customer.objects.filter(
        number__gte=API_NUMBERS[0], number__lte=API_NUMBERS[1], name__startswith=API_NAME_PREFIX
    )


def plan(*, environments: int, users_per_environment: float) -> list[EnvironmentShape]:
    """`environments` environments of bench_refresh's skewed shape (5 per customer on average)."""
    customers = max(1, round(environments / ENVIRONMENTS_PER_CUSTOMER))
    while True:
        _customers, shapes = plan_population(
            customers=min(customers, API_MAX_CUSTOMERS),
            environments_per_customer=ENVIRONMENTS_PER_CUSTOMER,
            users_per_environment=users_per_environment,
            first_number=API_FIRST_NUMBER,
        )
        if len(shapes) >= environments or customers >= API_MAX_CUSTOMERS:
            return shapes[:environments]
        customers += max(1, customers // 10)


def check_numbers_free(shapes: list[EnvironmentShape]) -> None:
    numbers = {shape.number for shape in shapes}
    taken = Customer.objects.filter(number__in=numbers).exclude(name__startswith=API_NAME_PREFIX).count()
    if taken:
        raise RuntimeError(NUMBERS_TAKEN.format(first=min(numbers), last=max(numbers), taken=taken))


def create(*, shapes: list[EnvironmentShape]) -> dict[str, str]:
    """The customers and their (empty, active) environments; {environment code: its token's secret}."""
    with transaction.atomic():
        customers = {
            number: Customer.objects.create(number=number, name=f"{API_NAME_PREFIX}{number}")
            for number in sorted({shape.number for shape in shapes})
        }
        Environment.objects.bulk_create(
            Environment(
                customer=customers[shape.number],
                code=shape.code,
                type=shape.type,
                name=f"Benchmark {shape.code}",
            )
            for shape in shapes
        )
    return {
        environment.code: create_environment_token(environment=environment, by=BY)[1]
        for environment in Environment.objects.filter(customer__in=customers.values()).order_by("code")
    }


def create_key(*, shapes: list[EnvironmentShape]) -> str:
    """A licentiedata:read key of the customer with the most environments, whose license has the
    recount bench's lines counted over the imported data; its secret."""
    counts: dict[str, int] = {}
    for shape in shapes:
        counts[shape.number] = counts.get(shape.number, 0) + 1
    number = max(counts, key=lambda n: (counts[n], n))
    customer = Customer.objects.get(number=number)
    license = License.objects.create(customer=customer)
    LicenseLine.objects.bulk_create(
        LicenseLine(license=license, item=item, scope=scope, maximum=1000, portal=1000)
        for item, scope in KEY_LINES
    )
    recount_customers(customer_ids=[customer.id])
    _key, secret = create_api_key(
        customer=customer, name="bench_api", scopes=[ApiScope.LICENTIEDATA_READ], expires=None, by=BY
    )
    return secret


def _user_code(number: str, index: int, variant: int) -> str:
    code = f"{API_CODE_PREFIX}{number}.gebruiker{index}"
    # As in bench_refresh's data: some environments spell a code in another case (one identity).
    return code.upper() if variant == 1 else code.title() if variant == 2 else code


def _guid(number: str, index: int) -> str:
    return str(uuid.UUID(hashlib.md5(f"bench-api{number}.{index}".encode()).hexdigest()))


def snapshot(*, shape: EnvironmentShape, taken_at: datetime, rng: random.Random) -> dict:
    """The environment's snapshot: its users (recurring across the customer's environments), employees,
    declarations and clients as many as the shape has."""
    employee_pool = max(shape.employees, 1)
    employees = [
        {
            "guid": _guid(shape.number, (shape.user_offset + g) % employee_pool),
            "name": f"Medewerker {g}",
            "in_service": rng.random() < 0.9,
            "kind": "staff",
        }
        for g in range(shape.employees)
    ]
    users = []
    for g in range(shape.users):
        index = shape.user_offset + g + 1
        kind = (
            "coworker"
            if index % 25 == 0
            else "temp"
            if index % 29 == 0
            else "intern"
            if index % 53 == 0
            else "person"
        )
        last_login = taken_at - timedelta(minutes=rng.randrange(60 * 24 * 60))
        users.append(
            {
                "code": _user_code(shape.number, index, (shape.ordinal + index) % 4),
                "name": f"Gebruiker {index}",
                "email": f"gebruiker{index}@example.nl",
                "profit": rng.random() < 0.85,
                "insite": rng.random() < 0.45,
                "outsite": rng.random() < 0.10,
                "blocked": rng.random() < 0.05,
                "kind": kind,
                "last_login": last_login.isoformat(),
                "employee": employees[g]["guid"] if g < len(employees) else None,
            }
        )
    return {
        "format": 1,
        "environment": shape.code,
        "taken_at": taken_at.isoformat(),
        "users": users,
        "employees": employees,
        "declarations": [{"number": f"{shape.number}{g:04d}L01"} for g in range(1, shape.declarations + 1)],
        "clients": [{"code": f"C{g:05d}", "name": f"Cliënt {g}"} for g in range(1, shape.clients + 1)],
    }


def write_files(*, shapes: list[EnvironmentShape], directory: Path) -> tuple[list[Path], int]:
    """One snapshot file per environment in `directory`; the files and their total size in bytes."""
    taken_at = timezone.now().replace(microsecond=0) - timedelta(hours=1)
    rng = random.Random(2026)
    paths, size = [], 0
    for shape in shapes:
        path = directory / f"{shape.code}.json"
        data = json.dumps(snapshot(shape=shape, taken_at=taken_at, rng=rng), ensure_ascii=False).encode()
        path.write_bytes(data)
        paths.append(path)
        size += len(data)
    return paths, size


def _environment_ids() -> list[int]:
    return list(Environment.objects.filter(customer__in=bench_customers()).values_list("id", flat=True))


def imported_rows() -> dict[str, int]:
    """How many rows of each kind the bench environments hold."""
    ids = _environment_ids()
    rows = {}
    with connection.cursor() as cursor:
        for table in ENVIRONMENT_DATA:
            cursor.execute(
                sql("SELECT count(*) FROM {table} WHERE environment_id = ANY(%s)", table=TABLES[table]), [ids]
            )
            rows[table] = cursor.fetchone()[0]
    return rows


def clear_imported() -> None:
    """The bench environments back to never imported: no data, no unique-user summary, no identities
    of their own, no taken_at and no digest (so the next push of the same file is imported in full)."""
    ids = _environment_ids()
    customers = bench_customers()
    UserSummary.objects.filter(customer__in=customers).delete()
    UserSummaryTotals.objects.filter(customer__in=customers).delete()
    with connection.cursor() as cursor:
        for table in ENVIRONMENT_DATA:
            cursor.execute(
                sql("DELETE FROM {table} WHERE environment_id = ANY(%s)", table=TABLES[table]), [ids]
            )
        cursor.execute(
            sql(
                "DELETE FROM {identity} i WHERE i.code LIKE %s "
                "AND NOT EXISTS (SELECT 1 FROM {user} u WHERE u.identity_id = i.id)"
            ),
            [API_CODE_PREFIX + "%"],
        )
    Environment.objects.filter(id__in=ids).update(data_taken_at=None, data_imported_at=None, data_digest="")


# What an import writes besides the environments' data: the unique-user summary, its totals and the
# customers' input versions. This machine's PostgreSQL runs without autovacuum: left out, the dead rows
# of earlier runs made every summary statement of a timed run read them.
IMPORT_BOOKKEEPING = (UserSummary, UserSummaryTotals, CustomerInputs)


def vacuum() -> None:
    """VACUUM ANALYZE the tables an import writes, so that each timed import finds them alike."""
    tables = [TABLES[table] for table in ("environment", "identity", *ENVIRONMENT_DATA)]
    tables += [model._meta.db_table for model in IMPORT_BOOKKEEPING]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")


def delete_all() -> None:
    """Remove every bench_api customer and everything of theirs; nothing else is touched."""
    customers = bench_customers()
    clear_imported()
    LicenseWarning.objects.filter(customer__in=customers).delete()
    LicenseLine.objects.filter(license__customer__in=customers).delete()
    License.objects.filter(customer__in=customers).delete()
    Environment.objects.filter(customer__in=customers).delete()
    customers.delete()
