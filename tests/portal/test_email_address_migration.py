"""The move to allauth keeps every account: existing contacts log in with their old password, unchanged.

tests/portal/email_address_scenario.py fills a scratch SQLite database at the migrations before allauth
and migrates it forward, in a subprocess (the suite itself runs without migrations).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.slow

SCENARIO = Path(__file__).with_name("email_address_scenario.py")


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> dict:
    database = tmp_path_factory.mktemp("migration") / "db.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "REDIS_URL": "",
        "EMAIL_URL": "dummymail://",
    }
    done = subprocess.run(
        [sys.executable, str(SCENARIO)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_every_account_with_an_address_gets_it_as_its_primary_verified_one(migrated):
    assert migrated["addresses"] == [
        ["anna@example.nl", "anna@example.nl", True, True],
        ["bert@example.nl", "bert@example.nl", True, True],
        ["support", "support@leverancier.example", True, True],
        # The same address on a second account: allauth holds a verified address once.
        ["support-oud", "support@leverancier.example", False, True],
    ]


def test_addresses_are_stored_in_lower_case_and_nothing_else_changes(migrated):
    assert migrated["emails"] == [
        ["anna@example.nl", "anna@example.nl"],
        ["bert@example.nl", "bert@example.nl"],
        ["cees@example.nl", ""],
        ["support", "support@leverancier.example"],
        ["support-oud", "support@leverancier.example"],
    ]
    assert migrated["passwords_kept"]


@pytest.mark.parametrize("login", ["anna@example.nl", "BERT@example.nl", "cees@example.nl"])
def test_existing_contacts_log_in_with_their_old_password(migrated, login):
    status, location, logged_in = migrated["logins"][login]

    assert (status, location, logged_in) == (302, "/", True)


def test_vendor_staff_log_in_with_their_address(migrated):
    status, location, logged_in = migrated["logins"]["support@leverancier.example"]

    assert (status, logged_in) == (302, True)
