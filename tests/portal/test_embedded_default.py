"""README's first command runs on the embedded default: SQLite, Celery in-process, no Redis.

The rest of the suite runs on PostgreSQL; this module runs the portal's writing SQL (the recount's
upsert, the usage history, the nightly steps) on a SQLite file in a subprocess and checks that both
databases count the demo data the same.
"""

import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from environments.models import EnvironmentUser
from licensing.recount import recount_customers
from portal.models import Customer

pytestmark = pytest.mark.django_db

# Blocks every user of customer 12345 and recounts: its user lines drop to 0, the path of the
# recount that zeroes lines no longer counted.
BLOCK_AND_RECOUNT = (
    "from environments.models import EnvironmentUser; from licensing.recount import recount_customers; "
    "from portal.models import Customer; c = Customer.objects.get(number='12345'); "
    "EnvironmentUser.objects.filter(environment__customer=c).update(blocked=True); "
    "recount_customers(customer_ids=[c.id])"
)


def report(run, number: str) -> dict:
    data = json.loads(run("license_report", number, "--format", "json"))
    return {
        "lines": data["lines"],
        "warnings": sorted((w["kind"], w["item"], w["scope"]) for w in data["warnings"]),
    }


@pytest.fixture
def sqlite(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": "",
        "EMAIL_URL": "dummymail://",
    }

    def run(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    run("migrate", "--noinput", "-v", "0")
    return run


def on_postgresql(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_the_demo_counts_the_same_on_sqlite_as_on_postgresql(sqlite):
    for run in (sqlite, on_postgresql):
        run("seed_demo")
        run("refresh_licenses")
        run("refresh_licenses")  # a rerun: every upsert finds its row

    for number in ("12345", "67890"):
        assert report(sqlite, number) == report(on_postgresql, number)
    assert report(sqlite, "12345")["lines"], "the demo has license lines"


def test_lines_no_longer_in_use_drop_to_zero_on_sqlite_as_on_postgresql(sqlite):
    sqlite("seed_demo")
    sqlite("shell", "-c", BLOCK_AND_RECOUNT)
    on_postgresql("seed_demo")
    customer = Customer.objects.get(number="12345")
    EnvironmentUser.objects.filter(environment__customer=customer).update(blocked=True)
    recount_customers(customer_ids=[customer.id])

    lines = report(sqlite, "12345")["lines"]
    assert lines == report(on_postgresql, "12345")["lines"]
    assert {line["in_use"] for line in lines if line["item"].endswith("_users")} == {0}
