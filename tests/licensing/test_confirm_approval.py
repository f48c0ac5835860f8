"""Bulk-approving license requests in the back office states each change in numbers first."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from licensing.models import LicenseLine, LicenseMutation, LicenseRequest, RequestStatus
from licensing.services import request_submit
from tests.factories import LicenseLineFactory, UserFactory

ADMIN_LIST = reverse("admin:licensing_licenserequest_changelist")


@pytest.fixture
def staff(db):
    return UserFactory(email="backoffice@vendor.example", is_staff=True, is_superuser=True)


@pytest.fixture
def requests(customer_a, beheerder):
    line = LicenseLineFactory(
        license=customer_a.license, item="profit_users", scope="O", maximum=16, in_use=13
    )
    return [
        request_submit(customer=customer_a, by=beheerder, line=line, desired_quantity=18, motivation="Groei"),
        request_submit(customer=customer_a, by=beheerder, subject="Editie Enterprise", motivation="Groei"),
    ]


def approve(client, requests, **extra):
    return client.post(
        ADMIN_LIST, {"action": "approve_requests", ACTION_CHECKBOX_NAME: [r.pk for r in requests], **extra}
    )


def test_it_lists_each_change_in_numbers_and_approves_nothing_yet(client, staff, requests):
    client.force_login(staff)

    response = approve(client, requests)

    assert response.status_code == 200
    assert [consequence for _, consequence in response.context["changes"]] == [
        "12345: maximum Profit-gebruikers (Productie) van 16 naar 18; in gebruik 13. "
        "Het portaalaantal volgt bij de nachtelijke verwerking.",
        "Geen licentieregel: alleen de status wordt Goedgekeurd.",
    ]
    assert set(LicenseRequest.objects.values_list("status", flat=True)) == {RequestStatus.SUBMITTED}
    assert not LicenseMutation.objects.exists()


def test_the_confirmation_approves_them_all(client, staff, requests):
    client.force_login(staff)
    state = approve(client, requests).context["state"]

    response = approve(client, requests, apply="1", state=state)

    assert response.status_code == 302
    assert set(LicenseRequest.objects.values_list("status", flat=True)) == {RequestStatus.APPROVED}
    assert LicenseLine.objects.get(item="profit_users", scope="O").maximum == 18


def test_a_confirmation_for_other_numbers_asks_again(client, staff, requests):
    client.force_login(staff)
    state = approve(client, requests).context["state"]
    LicenseLine.objects.filter(item="profit_users", scope="O").update(maximum=17)

    response = approve(client, requests, apply="1", state=state)

    assert response.status_code == 200
    assert response.context["stale"]
    assert "van 17 naar 18" in response.context["changes"][0][1]
    assert not LicenseMutation.objects.exists()


def test_an_already_decided_request_says_so(client, staff, requests):
    LicenseRequest.objects.filter(pk=requests[1].pk).update(
        status=RequestStatus.REJECTED, rejection_reason="Niet nodig"
    )
    client.force_login(staff)

    response = approve(client, requests)

    assert response.context["changes"][1][1] == "Over deze aanvraag is al besloten."
