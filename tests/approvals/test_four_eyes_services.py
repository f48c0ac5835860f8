"""The four-eyes services: which change needs approval, who may decide, the rules checked again at approval,
expiry, replacement, and the policy switched only with a second Beheerder."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from licensing.approvals import services
from licensing.approvals.models import ChangeStatus, FourEyesPolicy, PendingChange
from licensing.models import SMALL_BUSINESS_CAP, License, LicenseLine, LicenseMutation
from licensing.services import (
    BELOW_IN_USE,
    DEVIATION_NOT_ACKNOWLEDGED,
    BelowInUse,
    DeviationNotAcknowledged,
    KeyActor,
    LicenseError,
)
from portal.models import SecurityEvent, SecurityEventKind
from tests.factories import EnvironmentUserFactory, LicenseLineFactory, MembershipFactory

from .factories import line_in_use, policy_on, second_beheerder


@pytest.fixture
def tweede(customer_a, beheerder):
    return second_beheerder(customer_a)


@pytest.fixture
def line(customer_a):
    return line_in_use(customer_a)


def test_it_changes_at_once_without_a_policy(beheerder, line):
    outcome = services.change_or_propose(line=line, by=beheerder, quantity=30)
    assert outcome.pending is None and outcome.mutation.new_quantity == 30
    line.refresh_from_db()
    assert line.maximum == 30


@pytest.mark.parametrize(
    ("rules", "quantity", "needs_approval"),
    [
        ({"lowering": True}, 15, True),
        ({"lowering": True}, 25, False),
        ({"raise_above": 25}, 25, False),
        ({"raise_above": 25}, 26, True),
        ({"raise_above": 25}, 15, False),
        ({"lowering": True, "raise_above": 25}, 30, True),
        ({"every_change": True}, 21, True),
    ],
)
def test_the_policy_covers_what_it_says(customer_a, beheerder, tweede, line, rules, quantity, needs_approval):
    policy_on(customer_a, **rules)
    outcome = services.change_or_propose(line=line, by=beheerder, quantity=quantity)
    assert (outcome.pending is not None) is needs_approval
    line.refresh_from_db()
    assert line.maximum == (20 if needs_approval else quantity)


def test_a_proposal_changes_nothing_and_mails_the_other_beheerders(
    customer_a, beheerder, tweede, line, django_capture_on_commit_callbacks
):
    third = second_beheerder(customer_a, email="derde@example.nl")
    policy_on(customer_a)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = services.change_or_propose(line=line, by=beheerder, quantity=30)
    pending = outcome.pending
    assert (pending.status, pending.quantity, pending.old_maximum) == (ChangeStatus.OPEN, 30, 20)
    assert pending.requested_by_user == beheerder.user
    assert not LicenseMutation.objects.exists()
    assert sorted(address for message in mail.outbox for address in message.to) == [
        third.email,
        tweede.email,
    ]
    assert "30" in mail.outbox[0].body and "/vier-ogen/wijzigingen/" in mail.outbox[0].body


def test_a_proposal_is_refused_at_once_with_the_mutation_rules_own_message(
    customer_a, beheerder, tweede, line
):
    policy_on(customer_a)
    with pytest.raises(BelowInUse) as refusal:
        services.change_or_propose(line=line, by=beheerder, quantity=5)
    assert refusal.value.message == BELOW_IN_USE
    assert not PendingChange.objects.exists()


def test_the_requester_can_never_decide_on_their_own_change(customer_a, beheerder, tweede, line):
    policy_on(customer_a)
    pending = services.change_or_propose(line=line, by=beheerder, quantity=30).pending
    for decide in (services.approve, services.reject):
        with pytest.raises(services.OwnChange):
            decide(pending_id=pending.pk, customer_id=customer_a.pk, by=beheerder, reason="mag niet")
    pending.refresh_from_db()
    assert pending.status == ChangeStatus.OPEN
    line.refresh_from_db()
    assert line.maximum == 20


def test_an_api_keys_change_cannot_be_approved_by_the_person_who_made_the_key(
    customer_a, beheerder, tweede, line
):
    policy_on(customer_a)
    actor = KeyActor(customer_id=customer_a.pk, name="Automatisering")
    pending = services.change_or_propose(line=line, by=actor, quantity=30, key_maker=beheerder.user).pending
    assert pending.api_key_name == "Automatisering"
    with pytest.raises(services.OwnChange):
        services.approve(pending_id=pending.pk, customer_id=customer_a.pk, by=beheerder)
    services.approve(pending_id=pending.pk, customer_id=customer_a.pk, by=tweede)
    line.refresh_from_db()
    assert line.maximum == 30


def test_a_medewerker_cannot_decide(customer_a, beheerder, tweede, medewerker, line):
    policy_on(customer_a)
    pending = services.change_or_propose(line=line, by=beheerder, quantity=30).pending
    with pytest.raises(PermissionDenied):
        services.approve(pending_id=pending.pk, customer_id=customer_a.pk, by=medewerker)


def test_approval_makes_the_mutation_and_names_both_people(customer_a, beheerder, tweede, line):
    policy_on(customer_a)
    pending = services.change_or_propose(line=line, by=beheerder, quantity=30).pending
    services.approve(pending_id=pending.pk, customer_id=customer_a.pk, by=tweede, reason="akkoord")
    pending.refresh_from_db()
    line.refresh_from_db()
    assert (line.maximum, line.portal) == (30, 30)
    assert pending.status == ChangeStatus.APPROVED and pending.decided_by == tweede
    mutation = pending.mutation
    assert (mutation.contact, mutation.new_quantity, mutation.in_use) == (tweede, 30, 12)
    assert mutation.approval.requested_by == beheerder
    event = SecurityEvent.objects.get(kind=SecurityEventKind.CHANGE_APPROVED)
    assert (event.actor, event.details["requested_by"], event.details["reason"]) == (
        tweede.user,
        beheerder.email,
        "akkoord",
    )


def test_approval_counts_in_use_again_and_is_refused_when_use_grew_past_the_number(
    customer_a, beheerder, tweede
):
    line = line_in_use(customer_a, maximum=20)
    policy_on(customer_a, lowering=True)
    pending = services.change_or_propose(line=line, by=beheerder, quantity=14).pending
    # Meanwhile three more users got Profit access: 15 in use, above the 14 asked for.
    environment = customer_a.environments.get()
    EnvironmentUserFactory.create_batch(3, environment=environment, profit=True)
    with pytest.raises(BelowInUse) as refusal:
        services.approve(pending_id=pending.pk, customer_id=customer_a.pk, by=tweede)
    assert refusal.value.message == BELOW_IN_USE
    assert refusal.value.details == {"in_use": 15, "requested": 14}
    pending.refresh_from_db()
    line.refresh_from_db()
    assert pending.status == ChangeStatus.OPEN and pending.mutation is None
    assert line.maximum == 20
    assert not LicenseMutation.objects.exists()
    assert not SecurityEvent.objects.filter(kind=SecurityEventKind.CHANGE_APPROVED).exists()


def test_approval_checks_the_small_business_cap_again(customer_a, beheerder, tweede):
    line = LicenseLineFactory(license=customer_a.license, item="environments", scope="license", maximum=8)
    policy_on(customer_a)
    pending = services.change_or_propose(line=line, by=beheerder, quantity=12).pending
    # Before the approval the vendor moves the license to Profit Small Business: at most 10 environments.
    License.objects.filter(pk=customer_a.license.pk).update(edition="small_business")
    with pytest.raises(LicenseError) as refusal:
        services.approve(pending_id=pending.pk, customer_id=customer_a.pk, by=tweede)
    assert refusal.value.message == SMALL_BUSINESS_CAP % {"cap": 10}
    pending.refresh_from_db()
    line.refresh_from_db()
    assert (pending.status, line.maximum) == (ChangeStatus.OPEN, 8)


def test_approval_checks_a_deviation_again(customer_a, beheerder, tweede, line):
    policy_on(customer_a)
    pending = services.change_or_propose(line=line, by=beheerder, quantity=30).pending
    # The back office changed the maximum meanwhile: a deviation nobody acknowledged.
    LicenseLine.objects.filter(pk=line.pk).update(maximum=25)
    with pytest.raises(DeviationNotAcknowledged) as refusal:
        services.approve(pending_id=pending.pk, customer_id=customer_a.pk, by=tweede)
    assert refusal.value.message == DEVIATION_NOT_ACKNOWLEDGED
    assert not LicenseMutation.objects.exists()


def test_rejection_needs_a_reason_and_changes_nothing(customer_a, beheerder, tweede, line):
    policy_on(customer_a)
    pending = services.change_or_propose(line=line, by=beheerder, quantity=30).pending
    with pytest.raises(services.ApprovalError):
        services.reject(pending_id=pending.pk, customer_id=customer_a.pk, by=tweede, reason="  ")
    services.reject(pending_id=pending.pk, customer_id=customer_a.pk, by=tweede, reason="Te duur")
    pending.refresh_from_db()
    line.refresh_from_db()
    assert (pending.status, pending.reason, line.maximum) == (ChangeStatus.REJECTED, "Te duur", 20)
    assert SecurityEvent.objects.get(kind=SecurityEventKind.CHANGE_REJECTED).details["reason"] == "Te duur"
    with pytest.raises(services.ApprovalError):
        services.approve(pending_id=pending.pk, customer_id=customer_a.pk, by=tweede)


def test_a_pending_change_expires_after_the_configured_days(customer_a, beheerder, tweede, line, settings):
    settings.FOUR_EYES_EXPIRY_DAYS = 7
    policy_on(customer_a)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        pending = services.change_or_propose(line=line, by=beheerder, quantity=30).pending
    assert pending.expires_at == start + timedelta(days=7)
    with time_machine.travel(start + timedelta(days=7, seconds=-1), tick=False):
        assert pending.is_open()
    with time_machine.travel(start + timedelta(days=7, seconds=1), tick=False):
        with pytest.raises(services.ApprovalError) as refusal:
            services.approve(pending_id=pending.pk, customer_id=customer_a.pk, by=tweede)
        assert refusal.value.message == services.EXPIRED
        pending.refresh_from_db()
        assert pending.status == ChangeStatus.EXPIRED
        # An expired change stands in nobody's way: a new one needs no replacing.
        assert services.change_or_propose(line=line, by=beheerder, quantity=31).pending.quantity == 31
    line.refresh_from_db()
    assert line.maximum == 20


def test_a_newer_change_replaces_the_open_one_only_when_confirmed(customer_a, beheerder, tweede, line):
    policy_on(customer_a)
    first = services.change_or_propose(line=line, by=beheerder, quantity=30).pending
    with pytest.raises(services.PendingChangeExists) as refusal:
        services.change_or_propose(line=line, by=tweede, quantity=40)
    assert refusal.value.details == {"pending_id": first.pk, "quantity": 30}
    with pytest.raises(services.PendingChangeExists):
        services.change_or_propose(line=line, by=tweede, quantity=40, replace=first.pk + 1000)
    second = services.change_or_propose(line=line, by=tweede, quantity=40, replace=first.pk).pending
    first.refresh_from_db()
    assert first.status == ChangeStatus.REPLACED
    assert list(PendingChange.objects.filter(status=ChangeStatus.OPEN)) == [second]


def test_the_policy_can_only_be_switched_on_with_two_beheerders(customer_a, beheerder):
    with pytest.raises(services.ApprovalError) as refusal:
        services.propose_policy(customer=customer_a, by=beheerder, enabled=True, every_change=True)
    assert refusal.value.message == services.NEEDS_TWO_BEHEERDERS
    assert not FourEyesPolicy.objects.filter(enabled=True).exists()


def test_switching_the_policy_on_needs_a_second_beheerders_approval(customer_a, beheerder, tweede):
    pending = services.propose_policy(customer=customer_a, by=beheerder, enabled=True, raise_above=50)
    assert not services.policy_for(customer_a.pk).enabled
    with pytest.raises(services.OwnChange):
        services.approve(pending_id=pending.pk, customer_id=customer_a.pk, by=beheerder)
    services.approve(pending_id=pending.pk, customer_id=customer_a.pk, by=tweede)
    policy = services.policy_for(customer_a.pk)
    assert (policy.enabled, policy.raise_above, policy.lowering) == (True, 50, False)
    event = SecurityEvent.objects.get(kind=SecurityEventKind.POLICY_CHANGED)
    assert (event.actor, event.details["policy"], event.details["value"]) == (tweede.user, "four_eyes", True)


def test_switching_it_off_needs_a_second_beheerder_too(customer_a, beheerder, tweede):
    policy_on(customer_a)
    pending = services.propose_policy(customer=customer_a, by=beheerder, enabled=False)
    assert services.policy_for(customer_a.pk).enabled
    services.approve(pending_id=pending.pk, customer_id=customer_a.pk, by=tweede)
    assert not services.policy_for(customer_a.pk).enabled


def test_approval_of_switching_on_is_refused_when_a_beheerder_left_meanwhile(customer_a, beheerder, tweede):
    third = second_beheerder(customer_a, email="derde@example.nl")
    pending = services.propose_policy(customer=customer_a, by=beheerder, enabled=True, every_change=True)
    MembershipFactory._meta.model.objects.filter(contact=tweede).update(role="medewerker")
    services.approve(pending_id=pending.pk, customer_id=customer_a.pk, by=third)
    assert services.policy_for(customer_a.pk).enabled
    pending = services.propose_policy(customer=customer_a, by=beheerder, enabled=True, lowering=True)
    MembershipFactory._meta.model.objects.filter(contact=third).update(role="medewerker")
    with pytest.raises(PermissionDenied):
        services.approve(pending_id=pending.pk, customer_id=customer_a.pk, by=third)


def test_a_lone_beheerder_may_switch_the_policy_off_at_once(customer_a, beheerder):
    policy_on(customer_a)
    outcome = services.propose_policy(customer=customer_a, by=beheerder, enabled=False)
    assert isinstance(outcome, FourEyesPolicy) and not outcome.enabled
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.POLICY_CHANGED).count() == 1


def test_a_policy_must_cover_something(customer_a, beheerder, tweede):
    with pytest.raises(services.ApprovalError) as refusal:
        services.propose_policy(customer=customer_a, by=beheerder, enabled=True)
    assert refusal.value.message == services.NEEDS_A_RULE
