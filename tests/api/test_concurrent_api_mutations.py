"""API and portal mutations of one line at once, on PostgreSQL: no lost update, never below in use.

32 threads start together: half POST lines/{item}/{scope}/quantity through the test client with a
bearer key, half call `line_change_quantity` as the portal's form does. The line lock serialises them:
the mutation records chain old → new without a gap, the line ends at the last accepted quantity, and
every quantity below the fresh in-use count is refused, whoever asked.
"""

import json

import pytest
from django.db import connection
from django.test import Client

from api.models import ApiScope, IdempotencyRecord
from licensing.models import LicenseLine, LicenseMutation, MutationSource
from licensing.services import BelowInUse, line_change_quantity
from portal.models import Role
from tests.api.conftest import bearer
from tests.factories import (
    CustomerFactory,
    EnvironmentFactory,
    EnvironmentUserFactory,
    LicenseFactory,
    LicenseLineFactory,
    MembershipFactory,
)
from tests.licensing.test_concurrent_mutations import assert_consistent_chain, run_together

THREADS = 32
IN_USE = 12
START = 100
URL = "/api/v1/lines/profit_users/O/quantity"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


@pytest.fixture
def setup(make_key):
    customer = CustomerFactory(number="24680")
    line = LicenseLineFactory(
        license=LicenseFactory(customer=customer), item="profit_users", scope="O", maximum=START
    )
    beheerder = MembershipFactory(customer=customer, role=Role.BEHEERDER).contact
    environment = EnvironmentFactory(customer=customer, type="O")
    EnvironmentUserFactory.create_batch(IN_USE, environment=environment, profit=True)
    _api_key, secret = make_key(customer, scopes=[ApiScope.LICENSES_WRITE], name="Automatisering")
    return line, beheerder, secret


def api_change(secret, quantity, idempotency_key=None):
    extra = {"HTTP_IDEMPOTENCY_KEY": idempotency_key} if idempotency_key else {}
    response = Client().post(
        URL, json.dumps({"quantity": quantity}), content_type="application/json", **bearer(secret), **extra
    )
    return response.status_code, response.json()


def test_api_and_portal_mutations_at_once_lose_no_update_and_never_go_below_in_use(setup):
    line, beheerder, secret = setup
    # 4..35 with 12 in use: 4..11 must be refused. Even quantities through the API, odd ones the portal.
    quantities = list(range(4, 4 + THREADS))

    def change(quantity):
        if quantity % 2 == 0:
            return ("api", *api_change(secret, quantity))
        try:
            line_change_quantity(line=line, by=beheerder, quantity=quantity)
        except BelowInUse as refusal:
            return ("portal", 409, {"in_use": refusal.details["in_use"]})
        return ("portal", 200, {})

    outcomes = run_together(change, quantities)

    assert not [outcome for outcome in outcomes if isinstance(outcome, Exception)], outcomes
    accepted = [q for q, (_who, status, _body) in zip(quantities, outcomes, strict=True) if status == 200]
    refused = [q for q, (_who, status, _body) in zip(quantities, outcomes, strict=True) if status == 409]
    assert refused == list(range(4, IN_USE))
    assert accepted == list(range(IN_USE, 4 + THREADS))
    assert all(body["in_use"] == IN_USE for _who, status, body in outcomes if status == 409)

    mutations = assert_consistent_chain(line, start=START)
    assert sorted(m.new_quantity for m in mutations) == accepted
    assert all(m.in_use == IN_USE for m in mutations)
    line.refresh_from_db()
    assert line.maximum == line.portal == mutations[-1].new_quantity >= IN_USE
    by_source = {m.new_quantity: (m.source, m.by) for m in mutations}
    for quantity in accepted:
        if quantity % 2 == 0:
            assert by_source[quantity] == (MutationSource.API, "Automatisering")
        else:
            assert by_source[quantity] == (MutationSource.PORTAL, beheerder.email)
    api_answers = {
        body["mutation_id"]: body for (who, status, body) in outcomes if who == "api" and status == 200
    }
    assert set(api_answers) == {m.pk for m in mutations if m.source == MutationSource.API}
    assert all(api_answers[m.pk]["maximum"] == m.new_quantity for m in mutations if m.pk in api_answers)


def test_one_idempotency_key_sent_by_many_threads_at_once_changes_the_line_once(setup):
    line, _beheerder, secret = setup

    outcomes = run_together(lambda _i: api_change(secret, 50, idempotency_key="once"), range(8))

    assert not [outcome for outcome in outcomes if isinstance(outcome, Exception)], outcomes
    assert {status for status, _body in outcomes} == {200}
    assert len({json.dumps(body, sort_keys=True) for _status, body in outcomes}) == 1
    mutation = LicenseMutation.objects.get(line=line)
    assert outcomes[0][1]["mutation_id"] == mutation.pk
    assert LicenseLine.objects.get(pk=line.pk).maximum == 50
    assert IdempotencyRecord.objects.count() == 1
