"""Moving the monitoring and maintenance models into apps of their own loses nothing.

A PostgreSQL database at the previous release's migrations, filled through that state's models, is
migrated forward; the current models read every row back, and its schema is exactly the schema of a
database migrated fresh. Both run in subprocesses against scratch databases (the suite itself runs
without migrations).
"""

import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

SCENARIO = Path(__file__).with_name("layout_move_scenario.py")


@pytest.fixture
def scratch_database():
    """Makes new, empty PostgreSQL databases on the test server, dropped afterwards; returns a URL."""
    if connection.vendor != "postgresql":
        pytest.skip("the schema comparison needs PostgreSQL")
    params = connection.get_connection_params()
    server = f"postgres://{params.get('user', 'postgres')}@{params.get('host', '127.0.0.1')}"
    server += f":{params.get('port', 5432)}"
    created = []

    def make() -> str:
        name = f"lp_scratch_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        return f"{server}/{name}"

    yield make
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        for name in created:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(database_url: str, *args: str) -> str:
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": "", "EMAIL_URL": "dummymail://"}
    done = subprocess.run(
        [sys.executable, *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def schema(database_url: str) -> str:
    dump = subprocess.run(
        [
            shutil.which("pg_dump") or "pg_dump",
            "--schema-only",
            "--no-owner",
            "--no-privileges",
            database_url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    # Comments and session settings differ between dumps of the same schema; the definitions may not.
    lines = [line for line in dump.splitlines() if line and not line.startswith(("--", "SET ", "SELECT "))]
    return re.sub(r"\\restrict \S+|\\unrestrict \S+", "", "\n".join(lines))


def test_a_database_of_the_previous_release_keeps_every_row_and_ends_in_the_fresh_schema(scratch_database):
    old_url = scratch_database()
    assert json.loads(run(old_url, str(SCENARIO), "old")) == {"filled": True}
    data = json.loads(run(old_url, str(SCENARIO), "new"))

    assert data["line"] == ["profit_users", "O", 25, 20, 23]
    assert data["mutations"] == [[20, 25, "beheerder@example.nl"]]
    assert data["requests"] == [[30, "submitted"]]
    assert data["history"] == [["2026-11-27", 22], ["2026-11-28", 23]]
    assert data["runs"] == [["scheduled", 1, 1]]
    assert len(data["batches"]) == 1
    assert data["signals"] == [["Nog 3 Profit-gebruikers", 3, ["B. Beheerder"]]]
    # The sentences frozen in Dutch became kind + parameters (monitoring 0004): read back in both
    # languages, with what only the sentence held (the stale data's date, the signal's count) kept.
    assert data["builtin"] == "Bijna geen Profit-gebruikers meer beschikbaar (per omgevingstype)"
    assert data["warnings"] == [
        [
            "deviation",
            "Profit-gebruikers (Productie): het portaal toonde 20, u heeft feitelijk recht op 25. "
            "Het portaalaantal is bijgewerkt naar 25.",
            "Profit users (Production): the portal showed 20, you are actually entitled to 25. "
            "The number shown in the portal has been updated to 25.",
            True,
            False,
            False,
        ],
        [
            "signal",
            "Nog 3 Profit-gebruikers — Profit-gebruikers (Productie): nog 1 beschikbaar (drempel 3).",
            "Nog 3 Profit-gebruikers — Profit users (Production): 1 still available (threshold 3).",
            True,
            False,
            True,
        ],
        [
            "stale_data",
            "De gegevens van omgeving O12345AA zijn van 26 nov 2026 10:15, ouder dan 36 uur: de geplande "
            "verversing van de licentiegegevens draait niet. Controleer of de taak in de omgeving is "
            "ingepland en of de omgeving het portaal kan bereiken.",
            "The data of environment O12345AA is from 26 Nov 2026 10:15, older than 36 hours: the scheduled "
            "refresh of the license data is not running. Check that the task is scheduled in the environment "
            "and that the environment can reach the portal.",
            False,
            True,
            False,
        ],
    ]
    assert data["outbox"] == [["scenario-1", None]]
    assert len(data["refreshed"]) == 1
    assert data["blocks"] == [["12345.jansen", ["O12345AA"], True]]

    fresh_url = scratch_database()
    run(fresh_url, "manage.py", "migrate", "--noinput", "-v", "0")
    assert schema(old_url) == schema(fresh_url)
