"""Licentieaanvragen: a Beheerder asks the vendor; vendor staff approve or reject in the back office."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import translation

from licensing.models import LicenseMutation, LicenseRequest, RequestStatus
from licensing.services import (
    NOT_BEHEERDER,
    REJECTION_NEEDS_REASON,
    REQUEST_ALREADY_DECIDED,
    REQUEST_NEEDS_QUANTITY,
    REQUEST_NEEDS_SUBJECT,
    LicenseError,
    request_approve,
    request_reject,
    request_submit,
)
from portal.models import Role
from tests.factories import LicenseLineFactory, MembershipFactory, UserFactory

LIST = reverse("licensing:requests")
NEW = reverse("licensing:request_new")
ADMIN_LIST = reverse("admin:licensing_licenserequest_changelist")


@pytest.fixture
def line(customer_a):
    return LicenseLineFactory(
        license=customer_a.license, item="profit_users", scope="O", maximum=20, in_use=18
    )


@pytest.fixture
def staff(db):
    return UserFactory(email="backoffice@vendor.example", is_staff=True, is_superuser=True)


def submit(client, **data):
    return client.post(NEW, {"line": "", "subject": "", "desired_quantity": "", "motivation": "", **data})


class TestTheList:
    def test_it_redirects_anonymous_visitors_to_login(self, client, customer_a):
        response = client.get(LIST)
        assert response.status_code == 302
        assert response.url.startswith("/login/")

    def test_it_lists_the_customers_requests_with_their_status(self, client, beheerder, line):
        request_submit(
            customer=line.license.customer, by=beheerder, line=line, desired_quantity=30, motivation="Groei"
        )
        client.force_login(beheerder.user)
        response = client.get(LIST)
        assert response.status_code == 200
        html = response.content.decode()
        assert "Profit-gebruikers (Productie)" in html
        assert "Ingediend" in html
        assert NEW in html

    def test_a_medewerker_sees_the_list_without_the_new_button(self, client, medewerker, beheerder, line):
        request_submit(
            customer=line.license.customer, by=beheerder, subject="Editie Enterprise", motivation="x"
        )
        client.force_login(medewerker.user)
        response = client.get(LIST)
        assert response.status_code == 200
        assert "Editie Enterprise" in response.content.decode()
        assert NEW not in response.content.decode()

    def test_a_contact_of_another_customer_does_not_see_them(self, client, beheerder, other_beheerder, line):
        request_submit(
            customer=line.license.customer, by=beheerder, subject="Geheim onderwerp", motivation="x"
        )
        client.force_login(other_beheerder.user)
        response = client.get(LIST)
        assert response.status_code == 200
        assert "Geheim onderwerp" not in response.content.decode()
        assert list(response.context["requests"]) == []

    def test_it_refuses_other_methods(self, client, beheerder):
        client.force_login(beheerder.user)
        assert client.post(LIST).status_code == 405


class TestANewRequest:
    def test_it_redirects_anonymous_visitors_to_login(self, client, line):
        response = submit(client, line=line.id, desired_quantity="30", motivation="Groei")
        assert response.status_code == 302
        assert response.url.startswith("/login/")
        assert not LicenseRequest.objects.exists()

    def test_it_prefills_the_line_from_the_mutation_form_link(self, client, beheerder, line):
        client.force_login(beheerder.user)
        response = client.get(f"{NEW}?line={line.id}")
        assert response.status_code == 200
        assert f'<option value="{line.id}" selected>' in response.content.decode()

    def test_a_beheerder_requests_a_number_for_a_line(self, client, beheerder, line):
        client.force_login(beheerder.user)
        response = submit(client, line=line.id, desired_quantity="30", motivation="Tien nieuwe collega's")
        assert response.status_code == 302
        assert response.url == LIST
        request = LicenseRequest.objects.get()
        assert (request.line, request.desired_quantity, request.status) == (line, 30, RequestStatus.SUBMITTED)
        assert (request.requested_by, request.customer) == (beheerder, line.license.customer)
        line.refresh_from_db()
        assert line.maximum == 20

    def test_a_beheerder_requests_about_a_free_subject(self, client, beheerder, line):
        client.force_login(beheerder.user)
        response = submit(
            client, subject="Overstap naar Profit Enterprise", motivation="Meer omgevingen nodig"
        )
        assert response.status_code == 302
        request = LicenseRequest.objects.get()
        assert (request.line, request.subject, request.desired_quantity) == (
            None,
            "Overstap naar Profit Enterprise",
            None,
        )

    def test_it_forbids_a_medewerker(self, client, medewerker, line):
        client.force_login(medewerker.user)
        assert client.get(NEW).status_code == 403
        assert submit(client, line=line.id, desired_quantity="30", motivation="x").status_code == 403
        assert not LicenseRequest.objects.exists()

    def test_it_does_not_accept_a_line_of_another_customer(self, client, other_beheerder, line):
        client.force_login(other_beheerder.user)
        response = submit(client, line=line.id, desired_quantity="30", motivation="x")
        assert response.status_code == 200
        assert response.context["form"].errors["line"]
        assert not LicenseRequest.objects.exists()

    def test_it_needs_a_line_or_a_subject(self, client, beheerder, line):
        client.force_login(beheerder.user)
        response = submit(client, motivation="x")
        assert response.context["form"].errors["subject"] == [str(REQUEST_NEEDS_SUBJECT)]
        assert not LicenseRequest.objects.exists()

    def test_it_needs_a_number_for_a_line(self, client, beheerder, line):
        client.force_login(beheerder.user)
        response = submit(client, line=line.id, motivation="x")
        assert response.context["form"].errors["desired_quantity"] == [str(REQUEST_NEEDS_QUANTITY)]
        assert not LicenseRequest.objects.exists()

    def test_it_needs_a_motivation(self, client, beheerder, line):
        client.force_login(beheerder.user)
        response = submit(client, line=line.id, desired_quantity="30", motivation="   ")
        assert response.status_code == 200
        assert response.context["form"].errors["motivation"]
        assert not LicenseRequest.objects.exists()

    @pytest.mark.parametrize("value", ["-1", "abc", "1e3", "3.5", "1000001", "9" * 30])
    def test_it_shows_a_form_error_for_a_bad_number(self, client, beheerder, line, value):
        client.force_login(beheerder.user)
        response = submit(client, line=line.id, desired_quantity=value, motivation="x")
        assert response.status_code == 200
        assert response.context["form"].errors["desired_quantity"]
        assert not LicenseRequest.objects.exists()

    def test_it_shows_a_form_error_for_a_line_id_that_is_no_number(self, client, beheerder, line):
        client.force_login(beheerder.user)
        for value in ("abc", "9" * 30, "-1"):
            response = submit(client, line=value, desired_quantity="30", motivation="x")
            assert response.status_code == 200
            assert response.context["form"].errors["line"]
        assert not LicenseRequest.objects.exists()

    def test_it_needs_a_csrf_token(self, beheerder, line):
        client = Client(enforce_csrf_checks=True)
        client.force_login(beheerder.user)
        assert submit(client, line=line.id, desired_quantity="30", motivation="x").status_code == 403
        assert not LicenseRequest.objects.exists()

    def test_it_refuses_other_methods(self, client, beheerder):
        client.force_login(beheerder.user)
        assert client.put(NEW).status_code == 405
        assert client.delete(NEW).status_code == 405


class TestTheSubmitService:
    """The service holds the Beheerder rule itself: the view's 403 is not the only thing in the way."""

    def test_a_beheerder_submits_a_request(self, beheerder, customer_a, line):
        request = request_submit(
            customer=customer_a, by=beheerder, line=line, desired_quantity=30, motivation="x"
        )
        assert (request.customer, request.line, request.requested_by) == (customer_a, line, beheerder)
        assert LicenseRequest.objects.get() == request

    @pytest.mark.parametrize("role", [Role.INCIDENTENBEHEER, Role.NONE])
    def test_it_refuses_a_contact_without_the_beheerder_role_called_directly(self, customer_a, line, role):
        contact = MembershipFactory(customer=customer_a, role=role).contact
        with pytest.raises(PermissionDenied) as refused:
            request_submit(customer=customer_a, by=contact, line=line, desired_quantity=30, motivation="x")
        assert str(refused.value) == str(NOT_BEHEERDER)
        with pytest.raises(PermissionDenied):
            request_submit(customer=customer_a, by=contact, subject="Flex", motivation="x")
        assert not LicenseRequest.objects.exists()

    def test_it_refuses_the_medewerker_persona(self, medewerker, customer_a, line):
        with pytest.raises(PermissionDenied, match=str(NOT_BEHEERDER)):
            request_submit(customer=customer_a, by=medewerker, line=line, desired_quantity=30, motivation="x")
        assert not LicenseRequest.objects.exists()

    def test_it_refuses_a_beheerder_of_another_customer(self, other_beheerder, customer_a):
        with pytest.raises(PermissionDenied, match=str(NOT_BEHEERDER)):
            request_submit(customer=customer_a, by=other_beheerder, subject="Flex", motivation="x")
        assert not LicenseRequest.objects.exists()

    def test_it_refuses_a_line_of_another_customer(self, other_beheerder, customer_b, line):
        with pytest.raises(PermissionDenied):
            request_submit(
                customer=customer_b, by=other_beheerder, line=line, desired_quantity=30, motivation="x"
            )
        assert not LicenseRequest.objects.exists()


class TestTheDecision:
    @pytest.fixture
    def line_request(self, beheerder, line):
        return request_submit(
            customer=line.license.customer, by=beheerder, line=line, desired_quantity=30, motivation="Groei"
        )

    def test_approval_sets_the_maximum_and_leaves_the_portal_number_to_the_night(
        self, staff, line_request, line, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            request_approve(license_request=line_request, by=staff)
        line.refresh_from_db()
        assert (line.maximum, line.portal) == (30, 20)
        mutation = LicenseMutation.objects.get(line=line)
        assert (mutation.old_maximum, mutation.new_quantity, mutation.source) == (20, 30, "request")
        assert mutation.by == "backoffice@vendor.example"
        line_request.refresh_from_db()
        assert (line_request.status, line_request.decided_by) == (RequestStatus.APPROVED, staff)
        assert line_request.decided_at is not None
        [message] = mail.outbox
        assert message.to == ["beheerder@example.nl"]
        assert "goedgekeurd" in message.subject and "12345" in message.subject
        assert "30 Profit-gebruikers (Productie)" in message.body

    def test_approval_of_a_free_subject_only_changes_its_status(
        self, staff, beheerder, customer_a, django_capture_on_commit_callbacks
    ):
        request = request_submit(customer=customer_a, by=beheerder, subject="Flex", motivation="Graag")
        with django_capture_on_commit_callbacks(execute=True):
            request_approve(license_request=request, by=staff)
        request.refresh_from_db()
        assert request.status == RequestStatus.APPROVED
        assert not LicenseMutation.objects.exists()
        assert len(mail.outbox) == 1

    def test_rejection_needs_a_reason(self, staff, line_request, line):
        with pytest.raises(LicenseError) as refusal:
            request_reject(license_request=line_request, by=staff, reason="  ")
        assert refusal.value.message == REJECTION_NEEDS_REASON
        line_request.refresh_from_db()
        assert line_request.status == RequestStatus.SUBMITTED
        assert mail.outbox == []

    def test_rejection_records_the_reason_and_mails_it(
        self, client, beheerder, staff, line_request, line, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            request_reject(license_request=line_request, by=staff, reason="Contract loopt af")
        line_request.refresh_from_db()
        assert (line_request.status, line_request.rejection_reason) == (
            RequestStatus.REJECTED,
            "Contract loopt af",
        )
        line.refresh_from_db()
        assert line.maximum == 20
        [message] = mail.outbox
        assert "afgewezen" in message.subject and "Contract loopt af" in message.body
        client.force_login(beheerder.user)
        html = client.get(LIST).content.decode()
        assert "Afgewezen" in html and "Contract loopt af" in html

    def test_the_decision_is_mailed_in_the_language_the_request_was_made_in(
        self, client, settings, beheerder, staff, line, django_capture_on_commit_callbacks
    ):
        client.force_login(beheerder.user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        submit(client, line=line.id, desired_quantity="30", motivation="Ten new colleagues")
        request = LicenseRequest.objects.get()
        assert request.language == "en"

        with django_capture_on_commit_callbacks(execute=True):
            request_reject(license_request=request, by=staff, reason="Contract ends")

        [message] = mail.outbox
        assert "rejected" in message.subject and "12345" in message.subject
        assert "Contract ends" in message.body and "afgewezen" not in message.body

    def test_a_request_made_in_dutch_is_decided_in_dutch_whatever_the_staff_member_reads(
        self, staff, line_request, django_capture_on_commit_callbacks
    ):
        assert line_request.language == "nl"
        with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
            request_approve(license_request=line_request, by=staff)

        [message] = mail.outbox
        assert "goedgekeurd" in message.subject

    def test_a_request_is_decided_only_once(self, staff, line_request):
        request_approve(license_request=line_request, by=staff)
        for decide in (
            lambda: request_approve(license_request=line_request, by=staff),
            lambda: request_reject(license_request=line_request, by=staff, reason="Toch niet"),
        ):
            with pytest.raises(LicenseError) as refusal:
                decide()
            assert refusal.value.message == REQUEST_ALREADY_DECIDED
        line_request.refresh_from_db()
        assert line_request.status == RequestStatus.APPROVED
        assert LicenseMutation.objects.count() == 1

    def test_the_mail_waits_for_the_commit(self, staff, line_request):
        # The test transaction never commits, so the on-commit e-mail must not have gone out.
        request_approve(license_request=line_request, by=staff)
        assert mail.outbox == []


class TestTheBackOffice:
    @pytest.fixture
    def line_request(self, beheerder, line):
        return request_submit(
            customer=line.license.customer, by=beheerder, line=line, desired_quantity=30, motivation="Groei"
        )

    def test_staff_approve_with_the_admin_action(
        self, client, staff, line_request, line, django_capture_on_commit_callbacks
    ):
        client.force_login(staff)
        data = {"action": "approve_requests", ACTION_CHECKBOX_NAME: [line_request.pk]}
        asked = client.post(ADMIN_LIST, data)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                ADMIN_LIST, {**data, "apply": "1", "state": asked.context["state"]}, follow=True
            )
        assert response.status_code == 200
        assert "1 aanvraag goedgekeurd." in response.content.decode()
        line.refresh_from_db()
        assert line.maximum == 30
        assert len(mail.outbox) == 1

    def test_staff_reject_with_a_reason_on_the_intermediate_page(
        self, client, staff, line_request, line, django_capture_on_commit_callbacks
    ):
        client.force_login(staff)
        data = {"action": "reject_requests", ACTION_CHECKBOX_NAME: [line_request.pk]}
        page = client.post(ADMIN_LIST, data)
        assert page.status_code == 200
        assert 'name="reason"' in page.content.decode()
        line_request.refresh_from_db()
        assert line_request.status == RequestStatus.SUBMITTED
        empty = client.post(ADMIN_LIST, {**data, "apply": "1", "reason": ""})
        assert empty.status_code == 200
        line_request.refresh_from_db()
        assert line_request.status == RequestStatus.SUBMITTED
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                ADMIN_LIST, {**data, "apply": "1", "reason": "Niet in het contract"}, follow=True
            )
        assert "1 aanvraag afgewezen." in response.content.decode()
        line_request.refresh_from_db()
        assert (line_request.status, line_request.rejection_reason) == (
            RequestStatus.REJECTED,
            "Niet in het contract",
        )
        assert len(mail.outbox) == 1

    def test_a_portal_contact_cannot_reach_the_back_office(self, client, beheerder, line_request):
        client.force_login(beheerder.user)
        response = client.post(
            ADMIN_LIST, {"action": "approve_requests", ACTION_CHECKBOX_NAME: [line_request.pk]}
        )
        assert response.status_code == 302
        line_request.refresh_from_db()
        assert line_request.status == RequestStatus.SUBMITTED


def test_the_lists_query_count_does_not_grow_with_the_requests(
    client, beheerder, other_beheerder, line, customer_b
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    request_submit(customer=customer_b, by=other_beheerder, subject="Editie", motivation="x")
    for quantity in range(30, 45):
        request_submit(
            customer=line.license.customer, by=beheerder, line=line, desired_quantity=quantity, motivation="x"
        )
        request_submit(
            customer=line.license.customer, by=beheerder, subject=f"Vraag {quantity}", motivation="x"
        )

    counts = []
    for contact in (other_beheerder, beheerder):
        client.force_login(contact.user)
        client.get(LIST)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 10
