"""The four-eyes pages: the policy page, the mutation form under the policy, the list of changes every
contact sees, and a decision only a different Beheerder can make (not the requester in another session)."""

import pytest
from django.test import Client
from django.urls import reverse

from licensing.approvals.models import ChangeStatus, FourEyesPolicy, PendingChange
from licensing.models import LicenseMutation
from portal.models import SecurityEventKind
from tests.confirming import post_confirmed

from .factories import line_in_use, policy_on, second_beheerder

POLICY = reverse("licensing:four_eyes")
LIST = reverse("licensing:pending_changes")


def approve_url(change) -> str:
    return reverse("licensing:pending_approve", args=[change.id])


def reject_url(change) -> str:
    return reverse("licensing:pending_reject", args=[change.id])


@pytest.fixture
def tweede(customer_a, beheerder):
    return second_beheerder(customer_a)


@pytest.fixture
def line(customer_a):
    return line_in_use(customer_a)


def logged_in(contact) -> Client:
    client = Client()
    client.force_login(contact.user)
    return client


def propose(contact, line, quantity, **extra):
    client = logged_in(contact)
    change_url = reverse("licensing:line_change", args=[line.id])
    data = {"quantity": str(quantity), **extra}
    if quantity > line.maximum:
        return post_confirmed(client, change_url, data)
    return client.post(change_url, data)


def test_the_policy_page_walks_the_matrix(client, customer_a, beheerder, medewerker, other_beheerder):
    assert client.get(POLICY).status_code == 302
    assert logged_in(medewerker).get(POLICY).status_code == 403
    assert logged_in(beheerder).get(POLICY).status_code == 200
    assert logged_in(beheerder).put(POLICY).status_code == 405


def test_a_lone_beheerder_cannot_switch_it_on(customer_a, beheerder):
    response = logged_in(beheerder).post(POLICY, {"enabled": "1", "every_change": "on"})
    assert response.status_code == 400
    assert "minstens twee Beheerders" in response.content.decode()
    assert not FourEyesPolicy.objects.exists()


def test_switching_it_on_waits_for_a_second_beheerder(customer_a, beheerder, tweede):
    response = logged_in(beheerder).post(POLICY, {"enabled": "1", "lowering": "on", "raise_above": "50"})
    assert response.status_code == 302
    change = PendingChange.objects.get(kind="policy")
    assert change.policy == {
        "enabled": True,
        "lowering": True,
        "raise_above": 50,
        "raise_above_amount": None,
        "every_change": False,
    }
    assert not FourEyesPolicy.objects.filter(enabled=True).exists()
    assert logged_in(tweede).post(approve_url(change)).status_code == 302
    policy = FourEyesPolicy.objects.get()
    assert (policy.enabled, policy.lowering, policy.raise_above) == (True, True, 50)


def test_a_change_under_the_policy_waits_and_every_contact_sees_it(
    customer_a, beheerder, tweede, medewerker, line
):
    policy_on(customer_a)
    response = propose(beheerder, line, 30)
    assert response.status_code == 302 and response.url == LIST
    line.refresh_from_db()
    assert line.maximum == 20 and not LicenseMutation.objects.exists()
    change = PendingChange.objects.get()
    page = logged_in(medewerker).get(LIST)
    html = page.content.decode()
    assert f'id="change-{change.id}"' in html and "van 20 naar 30" in html
    assert approve_url(change) not in html  # a Medewerker reads, does not decide
    overview = logged_in(medewerker).get(reverse("licensing:overview")).content.decode()
    assert "Naar 30: wacht op goedkeuring" in overview
    detail = logged_in(medewerker).get(reverse("licensing:line_detail", args=[line.id])).content.decode()
    assert f'id="pending-{change.id}"' in detail


def test_the_requester_cannot_approve_in_the_portal_not_even_from_a_second_session(
    customer_a, beheerder, tweede, line
):
    policy_on(customer_a)
    propose(beheerder, line, 30)
    change = PendingChange.objects.get()
    first, second = logged_in(beheerder), logged_in(beheerder)
    assert first.session.session_key != second.session.session_key
    assert approve_url(change) not in first.get(LIST).content.decode()
    for client in (first, second):
        response = client.post(approve_url(change), follow=True)
        assert "uw eigen wijziging" in response.content.decode()
        client.post(reject_url(change), {"reason": "zelf"})
    change.refresh_from_db()
    line.refresh_from_db()
    assert change.status == ChangeStatus.OPEN and line.maximum == 20


def test_a_second_beheerder_approves_and_the_history_names_both(customer_a, beheerder, tweede, line):
    policy_on(customer_a)
    propose(beheerder, line, 30)
    change = PendingChange.objects.get()
    response = logged_in(tweede).post(approve_url(change), {"reason": "Akkoord"})
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.maximum == 30
    history = logged_in(beheerder).get(reverse("licensing:mutations")).content.decode()
    assert f"Aangevraagd door {beheerder.email}, goedgekeurd door {tweede.email}" in history
    log = logged_in(beheerder).get(reverse("portal:security_log"))
    kinds = [event.kind for event, _text in log.context["rows"]]
    assert SecurityEventKind.CHANGE_APPROVED in kinds


def test_a_rejection_needs_a_reason(customer_a, beheerder, tweede, line):
    policy_on(customer_a)
    propose(beheerder, line, 30)
    change = PendingChange.objects.get()
    response = logged_in(tweede).post(reject_url(change), {"reason": ""}, follow=True)
    assert "Geef een reden op." in response.content.decode()
    logged_in(tweede).post(reject_url(change), {"reason": "Niet nodig"})
    change.refresh_from_db()
    assert (change.status, change.reason) == (ChangeStatus.REJECTED, "Niet nodig")


def test_deciding_on_another_customers_change_is_404(customer_a, beheerder, tweede, other_beheerder, line):
    policy_on(customer_a)
    propose(beheerder, line, 30)
    change = PendingChange.objects.get()
    assert logged_in(other_beheerder).post(approve_url(change)).status_code == 404
    assert logged_in(tweede).get(approve_url(change)).status_code == 405


def test_a_newer_change_replaces_the_open_one_after_confirmation(customer_a, beheerder, tweede, line):
    policy_on(customer_a)
    propose(beheerder, line, 30)
    first = PendingChange.objects.get()
    client = logged_in(tweede)
    change_url = reverse("licensing:line_change", args=[line.id])
    asked = client.post(change_url, {"quantity": "15"})
    assert asked.status_code == 200
    assert "portal/confirm.html" in [template.name for template in asked.templates]
    assert "Er wacht al een wijziging naar 30 op goedkeuring." in asked.content.decode()
    assert PendingChange.objects.filter(status=ChangeStatus.OPEN).get() == first
    fields = dict(asked.context["fields"])
    response = client.post(change_url, {**fields, "confirm": "1", "state": asked.context["state"]})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == ChangeStatus.REPLACED
    assert PendingChange.objects.get(status=ChangeStatus.OPEN).quantity == 15


def test_a_raise_confirmed_then_a_replacement_confirmed_goes_through(customer_a, beheerder, tweede, line):
    policy_on(customer_a)
    propose(beheerder, line, 30)
    client = logged_in(tweede)
    change_url = reverse("licensing:line_change", args=[line.id])
    raise_asked = client.post(change_url, {"quantity": "40"})
    replace_asked = client.post(
        change_url, {"quantity": "40", "confirm": "1", "state": raise_asked.context["state"]}
    )
    assert replace_asked.status_code == 200
    assert "Vervangen" in replace_asked.content.decode()
    fields = dict(replace_asked.context["fields"])
    done = client.post(change_url, {**fields, "confirm": "1", "state": replace_asked.context["state"]})
    assert done.status_code == 302
    assert PendingChange.objects.get(status=ChangeStatus.OPEN).quantity == 40
