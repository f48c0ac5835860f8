"""Two Beheerders approve the same change at the same moment (PostgreSQL, threads): one mutation."""

import json

import pytest
from django.db import connection
from django.test import Client

from api.models import ApiScope
from api.services import create_api_key
from licensing.approvals import services
from licensing.approvals.models import ChangeStatus, PendingChange
from licensing.models import LicenseLine, LicenseMutation
from tests.api.conftest import bearer
from tests.factories import CustomerFactory, LicenseFactory
from tests.licensing.test_concurrent_mutations import run_together

from .factories import line_in_use, policy_on, second_beheerder

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


@pytest.fixture
def world():
    customer = CustomerFactory(number="13579")
    LicenseFactory(customer=customer)
    requester = second_beheerder(customer, email="aanvrager@example.nl")
    approvers = [second_beheerder(customer, email=f"keurder{n}@example.nl") for n in range(3)]
    line = line_in_use(customer)
    policy_on(customer)
    pending = services.change_or_propose(line=line, by=requester, quantity=30).pending
    return customer, line, pending, approvers


def test_two_approvers_at_once_give_one_mutation(world):
    customer, line, pending, approvers = world
    # Two through the portal's service, one through the API with a key of the third approver.
    _key, secret = create_api_key(
        customer=customer,
        name="Keurder",
        scopes=[ApiScope.CHANGES_APPROVE],
        expires=None,
        by=approvers[2].user,
    )

    def approve(approver):
        if approver is approvers[2]:
            response = Client().post(
                f"/api/v1/pending-changes/{pending.pk}/approve",
                json.dumps({}),
                content_type="application/json",
                **bearer(secret),
            )
            return response.status_code
        try:
            services.approve(pending_id=pending.pk, customer_id=customer.pk, by=approver)
        except services.ApprovalError:
            return 409
        return 200

    outcomes = run_together(approve, approvers)

    assert sorted(outcomes) == [200, 409, 409], outcomes
    assert LicenseMutation.objects.filter(line=line).count() == 1
    pending = PendingChange.objects.get(pk=pending.pk)
    assert pending.status == ChangeStatus.APPROVED and pending.mutation is not None
    assert LicenseLine.objects.get(pk=line.pk).maximum == 30


def test_an_approval_and_a_replacing_proposal_at_once_do_not_deadlock(world):
    customer, line, pending, approvers = world

    def act(n):
        if n == 0:
            try:
                services.approve(pending_id=pending.pk, customer_id=customer.pk, by=approvers[0])
            except services.ApprovalError:
                return "approval refused"
            return "approved"
        try:
            services.change_or_propose(line=line, by=approvers[1], quantity=40, replace=pending.pk)
        except services.PendingChangeExists:
            return "proposal refused"
        return "proposed"

    outcomes = run_together(act, [0, 1])

    assert not [outcome for outcome in outcomes if isinstance(outcome, Exception)], outcomes
    # Whichever came first: approved then the new one open (it finds no open change to replace), or
    # replaced then the approval refused.
    assert outcomes in (["approved", "proposed"], ["approval refused", "proposed"]), outcomes
    assert PendingChange.objects.filter(line=line, status=ChangeStatus.OPEN).count() == 1
