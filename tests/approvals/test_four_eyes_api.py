"""The four-eyes principle through the API: 202 with the pending change, the changes:approve scope, and the
requester (the person who made the key) never deciding on their own change."""

import json

import pytest

from api.models import ApiScope
from api.services import create_api_key
from licensing.approvals.models import ChangeStatus, PendingChange
from licensing.models import LicenseMutation
from licensing.services import BELOW_IN_USE
from tests.api.conftest import bearer
from tests.factories import EnvironmentUserFactory

from .factories import line_in_use, policy_on, second_beheerder

QUANTITY = "/api/v1/lines/profit_users/O/quantity"
LIST = "/api/v1/pending-changes/"


def key(customer, person, *scopes):
    key.count += 1
    return create_api_key(
        customer=customer,
        name=f"Sleutel {key.count}",
        scopes=list(scopes),
        expires=None,
        by=person.user,
    )[1]


key.count = 0


def post(client, path, body, secret):
    return client.post(path, json.dumps(body), content_type="application/json", **bearer(secret))


@pytest.fixture
def tweede(customer_a, beheerder):
    return second_beheerder(customer_a)


@pytest.fixture
def line(customer_a):
    line = line_in_use(customer_a)
    policy_on(customer_a)
    return line


def test_a_change_under_the_policy_answers_202_with_the_pending_change(client, customer_a, beheerder, line):
    secret = key(customer_a, beheerder, ApiScope.LICENSES_WRITE)
    response = post(client, QUANTITY, {"quantity": 30}, secret)
    assert response.status_code == 202
    body = response.json()
    assert (body["status"], body["quantity"], body["old_maximum"], body["item"]) == (
        "open",
        30,
        20,
        "profit_users",
    )
    assert body["requested_by"].startswith("Sleutel")
    line.refresh_from_db()
    assert line.maximum == 20 and not LicenseMutation.objects.exists()


def test_a_dry_run_under_the_policy_says_it_would_wait_and_proposes_nothing(
    client, customer_a, beheerder, line
):
    secret = key(customer_a, beheerder, ApiScope.LICENSES_WRITE)

    covered = post(client, QUANTITY, {"quantity": 30, "dry_run": True}, secret)
    uncovered = post(client, QUANTITY, {"quantity": 20, "dry_run": True}, secret)  # no change: not covered

    assert covered.status_code == 200
    assert (covered.json()["needs_approval"], covered.json()["mutation_id"]) == (True, None)
    assert uncovered.json()["needs_approval"] is False
    assert not PendingChange.objects.exists() and not LicenseMutation.objects.exists()
    line.refresh_from_db()
    assert line.maximum == 20


def test_a_second_open_change_is_409_unless_it_names_the_one_it_replaces(client, customer_a, beheerder, line):
    secret = key(customer_a, beheerder, ApiScope.LICENSES_WRITE)
    first = post(client, QUANTITY, {"quantity": 30}, secret).json()
    refused = post(client, QUANTITY, {"quantity": 40}, secret)
    assert refused.status_code == 409
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["pending_id"] == first["id"]
    replaced = post(client, QUANTITY, {"quantity": 40, "replace_pending": first["id"]}, secret)
    assert replaced.status_code == 202
    assert PendingChange.objects.get(pk=first["id"]).status == ChangeStatus.REPLACED


def test_the_list_and_the_decisions_need_the_changes_approve_scope(
    client, customer_a, beheerder, tweede, line
):
    post(client, QUANTITY, {"quantity": 30}, key(customer_a, beheerder, ApiScope.LICENSES_WRITE))
    change = PendingChange.objects.get()
    writer = key(customer_a, tweede, ApiScope.LICENSES_WRITE)
    assert client.get(LIST, **bearer(writer)).status_code == 403
    assert post(client, f"{LIST}{change.pk}/approve", {}, writer).status_code == 403
    approver = key(customer_a, tweede, ApiScope.CHANGES_APPROVE)
    listed = client.get(LIST, **bearer(approver)).json()["results"]
    assert [row["id"] for row in listed] == [change.pk]


def test_the_requester_cannot_approve_through_the_api_with_any_key(
    client, customer_a, beheerder, tweede, line
):
    # The Beheerder asked in the portal's name through one key; another key of the same person is the
    # same person.
    post(client, QUANTITY, {"quantity": 30}, key(customer_a, beheerder, ApiScope.LICENSES_WRITE))
    change = PendingChange.objects.get()
    own = key(customer_a, beheerder, ApiScope.CHANGES_APPROVE, ApiScope.LICENSES_WRITE)
    for action in ("approve", "reject"):
        response = post(client, f"{LIST}{change.pk}/{action}", {"reason": "zelf"}, own)
        assert response.status_code == 403
        assert "eigen wijziging" in response.json()["detail"]
    change.refresh_from_db()
    assert change.status == ChangeStatus.OPEN


def test_a_second_beheerder_approves_through_the_api(client, customer_a, beheerder, tweede, line):
    post(client, QUANTITY, {"quantity": 30}, key(customer_a, beheerder, ApiScope.LICENSES_WRITE))
    change = PendingChange.objects.get()
    response = post(
        client,
        f"{LIST}{change.pk}/approve",
        {"reason": "ok"},
        key(customer_a, tweede, ApiScope.CHANGES_APPROVE),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "approved" and body["decided_by"] == tweede.email
    mutation = LicenseMutation.objects.get(pk=body["mutation_id"])
    assert (mutation.new_quantity, mutation.contact) == (30, tweede)
    again = post(
        client,
        f"{LIST}{change.pk}/approve",
        {},
        key(customer_a, tweede, ApiScope.CHANGES_APPROVE, ApiScope.WARNINGS_READ),
    )
    assert again.status_code == 409


def test_an_approval_refused_by_in_use_is_409_with_the_portals_message(
    client, customer_a, beheerder, tweede, line
):
    post(client, QUANTITY, {"quantity": 14}, key(customer_a, beheerder, ApiScope.LICENSES_WRITE))
    change = PendingChange.objects.get()
    EnvironmentUserFactory.create_batch(3, environment=customer_a.environments.get(), profit=True)
    response = post(
        client, f"{LIST}{change.pk}/approve", {}, key(customer_a, tweede, ApiScope.CHANGES_APPROVE)
    )
    assert response.status_code == 409
    assert response.json()["detail"] == str(BELOW_IN_USE)
    assert (response.json()["in_use"], response.json()["requested"]) == (15, 14)
    change.refresh_from_db()
    assert change.status == ChangeStatus.OPEN


def test_a_rejection_without_a_reason_is_refused(client, customer_a, beheerder, tweede, line):
    post(client, QUANTITY, {"quantity": 30}, key(customer_a, beheerder, ApiScope.LICENSES_WRITE))
    change = PendingChange.objects.get()
    approver = key(customer_a, tweede, ApiScope.CHANGES_APPROVE)
    assert post(client, f"{LIST}{change.pk}/reject", {"reason": ""}, approver).status_code == 409
    assert (
        post(client, f"{LIST}{change.pk}/reject", {"reason": "nee"}, approver).json()["status"] == "rejected"
    )


def test_a_key_made_by_a_command_may_not_decide(client, customer_a, beheerder, tweede, line):
    post(client, QUANTITY, {"quantity": 30}, key(customer_a, beheerder, ApiScope.LICENSES_WRITE))
    change = PendingChange.objects.get()
    _key, secret = create_api_key(
        customer=customer_a, name="Script", scopes=[ApiScope.CHANGES_APPROVE], expires=None, by="manage.py"
    )
    response = post(client, f"{LIST}{change.pk}/approve", {}, secret)
    assert response.status_code == 403


def test_another_customers_change_is_404(client, customer_a, customer_b, beheerder, other_beheerder, line):
    post(client, QUANTITY, {"quantity": 30}, key(customer_a, beheerder, ApiScope.LICENSES_WRITE))
    change = PendingChange.objects.get()
    response = post(
        client, f"{LIST}{change.pk}/approve", {}, key(customer_b, other_beheerder, ApiScope.CHANGES_APPROVE)
    )
    assert response.status_code == 404
    assert client.get(LIST, **bearer(key(customer_b, other_beheerder, ApiScope.CHANGES_APPROVE))).json() == {
        "results": []
    }
