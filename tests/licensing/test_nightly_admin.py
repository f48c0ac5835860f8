"""The back office shows the nightly job's records: runs with their batches, warnings, signals, outbox."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from licensing.monitoring import nightly, runs
from licensing.monitoring.models import LicenseWarning, OutboxEmail, RefreshRun
from tests.factories import EnvironmentFactory, LicenseLineFactory


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_superuser("staff@example.nl", "staff@example.nl", "x")


def test_the_back_office_lists_runs_warnings_signals_and_outbox(client, staff, customer_a, beheerder):
    LicenseLineFactory(license=customer_a.license, maximum=3, portal=1)
    EnvironmentFactory(customer=customer_a, type="O", data_taken_at=None)
    run = runs.start_run(customer_ids=[customer_a.id])
    runs.process_batch(batch_id=run.batches.get().id)
    client.force_login(staff)

    for model in ["refreshrun", "licensewarning", "signal", "outboxemail"]:
        response = client.get(reverse(f"admin:monitoring_{model}_changelist"))
        assert response.status_code == 200, model
    response = client.get(reverse("admin:monitoring_refreshrun_change", args=[run.id]))
    assert response.status_code == 200
    assert customer_a.number not in RefreshRun.objects.get().failed_customers


def test_audit_records_cannot_be_changed_or_deleted_in_the_back_office(client, staff, customer_a, beheerder):
    LicenseLineFactory(license=customer_a.license, maximum=3, portal=1)
    nightly.refresh_customers(customer_ids=[customer_a.id])
    warning = LicenseWarning.objects.first()
    email = OutboxEmail.objects.get()
    client.force_login(staff)

    response = client.post(
        reverse("admin:monitoring_licensewarning_delete", args=[warning.id]), {"post": "yes"}
    )
    assert response.status_code == 403
    response = client.post(
        reverse("admin:monitoring_outboxemail_change", args=[email.id]), {"to": "x@example.nl"}
    )
    assert response.status_code == 403
    assert LicenseWarning.objects.filter(id=warning.id).exists()
    email.refresh_from_db()
    assert email.to == beheerder.email
