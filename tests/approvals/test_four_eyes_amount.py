"""The four-eyes rule on a monthly amount: a raise whose monthly price after the change (under the line's
price list in effect) is above the amount needs a second Beheerder; a line without a price list is not
covered by it. The amount travels through the approval of a policy change, and the pages show it."""

from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from licensing.approvals import services
from licensing.approvals.models import ChangeKind, FourEyesPolicy, PendingChange
from licensing.approvals.notices import send_pending_change_notice
from licensing.models import LicenseLine
from portal.models import SecurityEvent, SecurityEventKind
from tests.licensing.pricing_factories import price_list

from .factories import line_in_use, policy_on, second_beheerder

POLICY = reverse("licensing:four_eyes")
LIST = reverse("licensing:pending_changes")

# USER_TIERS, graduated: 25 users cost 25 × € 16,50 = € 412,50 a month, 26 users € 418,00.
AT_25 = Decimal("412.50")


@pytest.fixture
def tweede(customer_a, beheerder):
    return second_beheerder(customer_a)


@pytest.fixture
def line(customer_a):
    return line_in_use(customer_a)


def logged_in(contact, language: str | None = None) -> Client:
    client = Client()
    client.force_login(contact.user)
    if language:
        client.post(reverse("set_language"), {"language": language, "next": "/"})
    return client


def fresh(line) -> LicenseLine:
    return LicenseLine.objects.select_related("license").get(pk=line.pk)


@pytest.mark.parametrize(
    ("quantity", "covered"),
    [
        (25, False),  # € 412,50: exactly the amount is not above it
        (26, True),  # € 418,00
        (24, False),
        (15, False),  # a lowering is not a raise
    ],
)
def test_a_raise_is_covered_when_its_monthly_price_is_above_the_amount(
    customer_a, line, django_assert_num_queries, quantity, covered
):
    price_list()
    policy = policy_on(customer_a, raise_above_amount=AT_25)
    current = fresh(line)
    with django_assert_num_queries(1 if quantity > current.maximum else 0):
        assert policy.covers(line=current, quantity=quantity) is covered


def test_a_line_without_a_price_list_is_not_covered_by_the_amount(customer_a, line):
    price_list(item="profit_environments")
    policy = policy_on(customer_a, raise_above_amount=Decimal("0"))
    assert policy.covers(line=fresh(line), quantity=1000) is False


def test_a_raise_above_the_amount_waits_for_a_second_beheerder(customer_a, beheerder, tweede, line):
    price_list()
    policy_on(customer_a, raise_above_amount=AT_25)
    assert services.change_or_propose(line=line, by=beheerder, quantity=25).mutation is not None
    outcome = services.change_or_propose(line=line, by=beheerder, quantity=26)
    assert outcome.pending is not None and outcome.pending.quantity == 26
    assert fresh(line).maximum == 25


def test_the_amount_goes_through_the_approval_of_a_policy_change(customer_a, beheerder, tweede):
    pending = services.propose_policy(
        customer=customer_a, by=beheerder, enabled=True, raise_above_amount=Decimal("412.5")
    )
    assert pending.policy["raise_above_amount"] == "412.50"
    assert services.policy_for(customer_a.pk).raise_above_amount is None
    services.approve(pending_id=pending.pk, customer_id=customer_a.pk, by=tweede)
    policy = FourEyesPolicy.objects.get(customer=customer_a)
    assert (policy.enabled, policy.raise_above_amount, policy.raise_above) == (True, AT_25, None)
    event = SecurityEvent.objects.get(kind=SecurityEventKind.POLICY_CHANGED)
    assert event.details["raise_above_amount"] == "412.50"
    # The same amount again is no change; switching the amount off is one.
    with pytest.raises(services.ApprovalError):
        services.propose_policy(customer=customer_a, by=beheerder, enabled=True, raise_above_amount=AT_25)
    off = services.propose_policy(customer=customer_a, by=beheerder, enabled=True, lowering=True)
    services.approve(pending_id=off.pk, customer_id=customer_a.pk, by=tweede)
    policy.refresh_from_db()
    assert (policy.lowering, policy.raise_above_amount) == (True, None)


def test_a_policy_change_asked_before_the_amount_existed_approves_without_it(customer_a, beheerder, tweede):
    old = PendingChange.objects.create(
        customer=customer_a,
        kind=ChangeKind.POLICY,
        policy={"enabled": True, "lowering": True, "raise_above": None, "every_change": False},
        requested_by=beheerder,
        requested_by_user=beheerder.user,
        requested_by_name=beheerder.email,
    )
    services.approve(pending_id=old.pk, customer_id=customer_a.pk, by=tweede)
    policy = FourEyesPolicy.objects.get(customer=customer_a)
    assert (policy.enabled, policy.lowering, policy.raise_above_amount) == (True, True, None)


def test_the_page_takes_a_dutch_amount_and_shows_it_once_approved(customer_a, beheerder, tweede):
    page = logged_in(beheerder).get(POLICY).content.decode()
    assert "Een regel zonder prijslijst valt niet onder deze grens." in page
    response = logged_in(beheerder).post(POLICY, {"enabled": "1", "raise_above_amount": "1.234,50"})
    assert response.status_code == 400  # no thousands separator: the field refuses it
    response = logged_in(beheerder).post(POLICY, {"enabled": "1", "raise_above_amount": "1234,50"})
    assert response.status_code == 302
    change = PendingChange.objects.get(kind="policy")
    assert change.policy["raise_above_amount"] == "1234.50"
    listed = logged_in(tweede).get(LIST).content.decode()
    assert "aan, bij een verhoging naar een maandprijs boven € 1.234,50" in listed
    assert logged_in(tweede).post(reverse("licensing:pending_approve", args=[change.id])).status_code == 302
    page = logged_in(beheerder).get(POLICY).content.decode()
    assert "Goedkeuring nodig:" in page
    assert "bij een verhoging naar een maandprijs boven € 1.234,50." in page
    assert 'value="1234,50"' in page
    english = logged_in(beheerder, "en").get(POLICY).content.decode()
    assert "for a raise to a monthly price above €1,234.50." in english
    assert "A line without a price list is not covered by this limit." in english


def test_the_e_mail_about_a_policy_change_names_the_new_rules(customer_a, beheerder, tweede):
    pending = services.propose_policy(
        customer=customer_a, by=beheerder, enabled=True, lowering=True, raise_above_amount=AT_25
    )
    assert send_pending_change_notice(pending_id=pending.pk) == 1
    body = mail.outbox[0].body
    assert (
        "Nieuw beleid: aan, bij elke verlaging; bij een verhoging naar een maandprijs boven € 412,50." in body
    )
