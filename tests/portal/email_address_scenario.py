"""A database of accounts from before the move to allauth, migrated forward, then logged in to.

Run by tests/portal/test_email_address_migration.py in a subprocess against a scratch database
(`DATABASE_URL`): migrates to where the release before allauth ended (portal 0002, allauth's tables
empty), writes accounts through that state's historical models as the old portal did (invitation: the
address in lower case as username and e-mail; the back office: any case, or no address), migrates to the
latest migrations and prints, as JSON, the EmailAddress rows and the outcome of logging in.
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.migrations.executor import MigrationExecutor  # noqa: E402
from django.test import Client  # noqa: E402

PASSWORD = "oud-wachtwoord-blijft-42"
# (username, e-mail, staff): what the old portal and the back office stored.
ACCOUNTS = [
    ("anna@example.nl", "anna@example.nl", False),
    ("bert@example.nl", "Bert@Example.NL", False),
    ("cees@example.nl", "", False),
    ("support", "support@leverancier.example", True),
    ("support-oud", "Support@Leverancier.example", True),
]


def before(executor: MigrationExecutor) -> None:
    targets = [
        ("portal", "0002_reactivate_removed_contacts"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]
    executor.migrate(targets)
    apps = executor.loader.project_state(targets).apps
    User = apps.get_model("auth", "User")
    Customer = apps.get_model("portal", "Customer")
    Contact = apps.get_model("portal", "Contact")
    Membership = apps.get_model("portal", "Membership")
    customer = Customer.objects.create(number="12345", name="Bakkerij")
    for username, email, staff in ACCOUNTS:
        user = User.objects.create(
            username=username,
            email=email,
            password=make_password(PASSWORD),
            is_staff=staff,
            is_superuser=staff,
        )
        if not staff:
            contact = Contact.objects.create(user=user, name=username)
            Membership.objects.create(contact=contact, customer=customer, role="beheerder")


def after(executor: MigrationExecutor) -> dict:
    # What a login touches: the accounts, allauth's tables, the sessions (the other apps take long to build).
    needed = {"auth", "contenttypes", "sessions", "portal", "account", "mfa", "usersessions"}
    executor.migrate([node for node in executor.loader.graph.leaf_nodes() if node[0] in needed])
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    logins = {}
    for login in ("anna@example.nl", "BERT@example.nl", "cees@example.nl", "support@leverancier.example"):
        client = Client()
        response = client.post("/login/", {"login": login, "password": PASSWORD})
        logins[login] = [response.status_code, response.get("Location"), "_auth_user_id" in client.session]
    return {
        "addresses": sorted(
            EmailAddress.objects.values_list("user__username", "email", "verified", "primary")
        ),
        "emails": sorted(get_user_model().objects.values_list("username", "email")),
        "passwords_kept": all(user.check_password(PASSWORD) for user in get_user_model().objects.all()),
        "logins": logins,
    }


if __name__ == "__main__":
    executor = MigrationExecutor(connection)
    before(executor)
    print(json.dumps(after(MigrationExecutor(connection))))
