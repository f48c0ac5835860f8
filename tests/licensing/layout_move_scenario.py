"""A database at the schema of the release before the subdomains moved, filled and migrated forward.

Run by tests/licensing/test_layout_move_keeps_data.py in a subprocess against a scratch database
(`DATABASE_URL`), as `python tests/licensing/layout_move_scenario.py old|new`:
- `old` migrates to the migrations the previous release ended with and fills every table that moved
  through the historical models of that state (as that release would have written them);
- `new` migrates to the latest migrations and prints, as JSON, what the current models read back.
"""

import json
import os
import sys
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.migrations.executor import MigrationExecutor  # noqa: E402

# Where each project app stood in the release before the move.
OLD_STATE = {
    "portal": "0002_reactivate_removed_contacts",
    "environments": "0001_initial",
    "licensing": "0009_mutation_staff_user",
}
MOMENT = datetime(2026, 11, 28, 0, 45, tzinfo=UTC)
# As the previous release wrote a stale-data warning: the date (local time) only in the sentence.
STALE_MESSAGE = (
    "De gegevens van omgeving O12345AA zijn van 26-11-2026 10:15, ouder dan 36 uur: de geplande "
    "verversing van de licentiegegevens draait niet. Controleer of de taak in de omgeving is ingepland "
    "en of de omgeving het portaal kan bereiken."
)


def translated(warning) -> str:
    from django.utils import translation

    with translation.override("en"):
        return warning.text


def old_targets(executor: MigrationExecutor) -> list[tuple[str, str]]:
    # Django's own apps at their latest; the project's apps where the previous release left them.
    leaves = [node for node in executor.loader.graph.leaf_nodes() if node[0] not in PROJECT_APPS]
    return leaves + list(OLD_STATE.items())


PROJECT_APPS = {"portal", "environments", "licensing", "monitoring", "maintenance", "analysis", "approvals"}


def fill(apps) -> None:
    User = apps.get_model("auth", "User")
    Customer = apps.get_model("portal", "Customer")
    Contact = apps.get_model("portal", "Contact")
    Membership = apps.get_model("portal", "Membership")
    Environment = apps.get_model("environments", "Environment")
    UserIdentity = apps.get_model("environments", "UserIdentity")
    License = apps.get_model("licensing", "License")
    LicenseLine = apps.get_model("licensing", "LicenseLine")
    LicenseMutation = apps.get_model("licensing", "LicenseMutation")
    LicenseRequest = apps.get_model("licensing", "LicenseRequest")
    UsageSnapshot = apps.get_model("licensing", "UsageSnapshot")
    RefreshRun = apps.get_model("licensing", "RefreshRun")
    RefreshBatch = apps.get_model("licensing", "RefreshBatch")
    Signal = apps.get_model("licensing", "Signal")
    Warning = apps.get_model("licensing", "Warning")
    OutboxEmail = apps.get_model("licensing", "OutboxEmail")
    CustomerRefresh = apps.get_model("licensing", "CustomerRefresh")
    UserBlockChange = apps.get_model("licensing", "UserBlockChange")

    customer = Customer.objects.create(number="12345", name="Bakkerij De Korenschoof BV")
    user = User.objects.create(username="beheerder@example.nl", email="beheerder@example.nl")
    contact = Contact.objects.create(user=user, name="B. Beheerder")
    Membership.objects.create(contact=contact, customer=customer, role="beheerder")
    environment = Environment.objects.create(customer=customer, code="O12345AA", type="O")
    identity = UserIdentity.objects.create(code="12345.jansen")
    license = License.objects.create(customer=customer, edition="profit", counted_at=MOMENT)
    line = LicenseLine.objects.create(
        license=license, item="profit_users", scope="O", maximum=25, portal=20, in_use=23
    )
    LicenseMutation.objects.create(
        line=line,
        customer=customer,
        contact=contact,
        by=user.email,
        old_maximum=20,
        old_portal=20,
        new_quantity=25,
        in_use=23,
        source="portal",
    )
    LicenseRequest.objects.create(
        customer=customer, line=line, desired_quantity=30, motivation="Groei", requested_by=contact
    )
    UsageSnapshot.objects.create(line=line, date=date(2026, 11, 27), in_use=22, maximum=25)
    UsageSnapshot.objects.create(line=line, date=date(2026, 11, 28), in_use=23, maximum=25)
    run = RefreshRun.objects.create(kind="scheduled", run_date=date(2026, 11, 28), expected=1, processed=1)
    RefreshBatch.objects.create(run=run, customer_ids=[customer.id], done_at=MOMENT)
    signal = Signal.objects.create(
        customer=customer, name="Nog 3 Profit-gebruikers", item="profit_users", scope="O", threshold=3
    )
    signal.recipients.add(contact)
    Warning.objects.create(
        customer=customer,
        kind="deviation",
        line=line,
        run=run,
        message="Profit-gebruikers (Productie): het portaal toonde 20, u heeft feitelijk recht op 25. "
        "Het portaalaantal is bijgewerkt naar 25.",
        maximum=25,
        portal=20,
        in_use=23,
        cause="backoffice",
        opened_at=MOMENT,
    )
    Warning.objects.create(
        customer=customer,
        kind="stale_data",
        environment=environment,
        message=STALE_MESSAGE,
        opened_at=MOMENT,
    )
    Warning.objects.create(
        customer=customer,
        kind="signal",
        signal=signal,
        line=line,
        message="Nog 3 Profit-gebruikers — Profit-gebruikers (Productie): nog 1 beschikbaar (drempel 3).",
        opened_at=MOMENT,
        resolved_at=MOMENT,
    )
    OutboxEmail.objects.create(
        customer=customer, to=user.email, subject="Afwijking", body="...", dedupe_key="scenario-1"
    )
    CustomerRefresh.objects.create(customer=customer, refreshed_at=MOMENT, run=run)
    UserBlockChange.objects.create(
        customer=customer,
        contact=contact,
        by=user.email,
        identity=identity,
        user_code="12345.jansen",
        environments=["O12345AA"],
        blocked=True,
    )


def read_back() -> dict:
    from licensing.maintenance.models import UserBlockChange
    from licensing.models import LicenseLine, LicenseMutation, LicenseRequest
    from licensing.monitoring.models import (
        CustomerRefresh,
        LicenseWarning,
        OutboxEmail,
        RefreshBatch,
        RefreshRun,
        Signal,
        UsageSnapshot,
    )

    line = LicenseLine.objects.get()
    return {
        "line": [line.item, line.scope, line.maximum, line.portal, line.in_use],
        "mutations": list(LicenseMutation.objects.values_list("old_maximum", "new_quantity", "by")),
        "requests": list(LicenseRequest.objects.values_list("desired_quantity", "status")),
        "history": [
            [str(d), n] for d, n in UsageSnapshot.objects.filter(line=line).values_list("date", "in_use")
        ],
        "runs": list(RefreshRun.objects.values_list("kind", "expected", "processed")),
        "batches": list(RefreshBatch.objects.values_list("customer_ids", flat=True)),
        "signals": [
            [s.name, s.threshold, [c.name for c in s.recipients.all()]]
            for s in Signal.objects.filter(customer__isnull=False)
        ],
        "builtin": Signal.objects.get(is_builtin=True).name,
        "warnings": sorted(
            [
                w.kind,
                w.text,
                translated(w),
                w.line_id is not None,
                w.environment_id is not None,
                w.resolved_at is not None,
            ]
            for w in LicenseWarning.objects.all()
        ),
        "outbox": list(OutboxEmail.objects.values_list("dedupe_key", "sent_at")),
        "refreshed": [str(r.refreshed_at) for r in CustomerRefresh.objects.all()],
        "blocks": list(UserBlockChange.objects.values_list("user_code", "environments", "blocked")),
    }


def main(step: str) -> None:
    executor = MigrationExecutor(connection)
    if step == "old":
        targets = old_targets(executor)
        executor.migrate(targets)
        fill(MigrationExecutor(connection).loader.project_state(targets).apps)
        print(json.dumps({"filled": True}))
    else:
        executor.migrate(executor.loader.graph.leaf_nodes())
        print(json.dumps(read_back(), default=str))


if __name__ == "__main__":
    main(sys.argv[1])
