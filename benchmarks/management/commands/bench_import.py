"""`manage.py bench_import`: `import_snapshot` of a snapshot whose content changed against one whose content
is the environment's last import (the same data, a new taken_at), for one environment of 100,000 users."""

import json
import statistics
import tempfile
import time
import uuid
from datetime import timedelta
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from benchmarks.guard import add_allow_other_customers, refuse_other_customers
from benchmarks.tables import TABLES, sql
from environments.models import Environment
from portal.models import Customer

NUMBER = "89990"  # below bench_analysis's 89998-89999, above bench_api's 80000-88999
CODE = f"O{NUMBER}AA"
NAME = "Benchmark import klant"
CODE_PREFIX = "bench-import:"


def snapshot(*, users: int, variant: int, taken_at) -> dict:
    """`users` users and half as many employees; `variant` flips the InSite access of 1 % of them."""
    return {
        "format": 1,
        "environment": CODE,
        "taken_at": taken_at.isoformat(),
        "users": [
            {
                "code": f"{CODE_PREFIX}{NUMBER}.gebruiker{n}",
                "name": f"Gebruiker {n}",
                "email": f"gebruiker{n}@example.nl",
                "profit": n % 7 != 0,
                "insite": (n % 2 == 0) != (n % 100 == variant % 100),
                "outsite": n % 10 == 0,
                "blocked": n % 20 == 0,
                "kind": "person",
                "last_login": (taken_at - timedelta(days=n % 60)).isoformat(),
                "employee": str(uuid.UUID(int=n + 1)) if n % 2 == 0 else None,
            }
            for n in range(users)
        ],
        "employees": [
            {
                "guid": str(uuid.UUID(int=n + 1)),
                "name": f"Medewerker {n}",
                "in_service": True,
                "kind": "staff",
            }
            for n in range(0, users, 2)
        ],
        "declarations": [],
        "clients": [],
    }


class Command(BaseCommand):
    help = (
        "Times import_snapshot of a changed 100,000-user snapshot against the same content again (only "
        "taken_at written), and prints their ratio."
    )

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=100_000)
        parser.add_argument("--repeat", type=int, default=3, help="measurements per figure (medians)")
        add_allow_other_customers(parser)

    def handle(self, *args, users, repeat, allow_other_customers, **options):
        if users < 1 or repeat < 1:
            raise CommandError("--users and --repeat must be >= 1.")
        if connection.vendor != "postgresql":
            raise CommandError("bench_import needs PostgreSQL (set DATABASE_URL).")
        refuse_other_customers(
            command="bench_import", first=NUMBER, last=NUMBER, allowed=allow_other_customers
        )
        if Customer.objects.filter(number=NUMBER).exclude(name=NAME).exists():
            raise CommandError(
                f"Customer number {NUMBER} is needed for bench_import but holds a real customer."
            )
        _delete()
        customer = Customer.objects.create(number=NUMBER, name=NAME)
        Environment.objects.create(customer=customer, code=CODE, type="O")
        start = timezone.now() - timedelta(hours=2 * repeat + 2)
        changed, unchanged = [], []
        try:
            with tempfile.TemporaryDirectory() as folder:
                self._import(Path(folder), snapshot(users=users, variant=0, taken_at=start))
                for n in range(1, repeat + 1):
                    data = snapshot(users=users, variant=n, taken_at=start + timedelta(hours=2 * n))
                    changed.append(self._import(Path(folder), data))
                    data["taken_at"] = (start + timedelta(hours=2 * n + 1)).isoformat()
                    unchanged.append(self._import(Path(folder), data))
                    self.stdout.write(f"  changed {changed[-1]:.2f}s, unchanged {unchanged[-1]:.2f}s")
        finally:
            _delete()
        changed_s, unchanged_s = statistics.median(changed), statistics.median(unchanged)
        self.stdout.write(
            f"import: changed {changed_s:.2f}s, unchanged {unchanged_s:.2f}s, "
            f"ratio {unchanged_s / changed_s:.2f} ({users:,} users, medians of {repeat})"
        )

    def _import(self, folder: Path, data: dict) -> float:
        path = folder / f"{CODE}.json"
        path.write_text(json.dumps(data))
        started = time.monotonic()
        call_command("import_snapshot", str(path), stdout=StringIO())
        return time.monotonic() - started


def _delete() -> None:
    """Everything bench_import made, and nothing else."""
    with connection.cursor() as cursor:
        for table in ("user", "employee", "declaration", "client"):
            cursor.execute(
                sql(
                    "DELETE FROM {table} WHERE environment_id IN "
                    "(SELECT id FROM {environment} WHERE code = %s)",
                    table=TABLES[table],
                ),
                [CODE],
            )
        cursor.execute(sql("DELETE FROM {identity} WHERE code LIKE %s"), [CODE_PREFIX + "%"])
    Environment.objects.filter(code=CODE, customer__name=NAME).delete()
    Customer.objects.filter(number=NUMBER, name=NAME).delete()
