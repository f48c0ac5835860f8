"""Licentietelling analyse laten opsturen, and the direct download."""

import io
import time
from datetime import datetime

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from licensing.analysis.delivery import REQUEST_LIMIT, TOO_MANY_REQUESTS, WRONG_ADDRESS, send_analysis
from licensing.analysis.workbook import XLSX_CONTENT_TYPE
from portal.selectors import SESSION_CUSTOMER_KEY
from tests.factories import ContactFactory, EnvironmentFactory, EnvironmentUserFactory

pytestmark = pytest.mark.django_db

URL = reverse("licensing:analysis")
DOWNLOAD_URL = reverse("licensing:analysis_download")


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def users_of_a(customer_a):
    environment = EnvironmentFactory(customer=customer_a, type="O", code="O12345AA")
    for code in ("susan", "john"):
        EnvironmentUserFactory(environment=environment, code=code)


@pytest.fixture
def users_of_b(customer_b):
    environment = EnvironmentFactory(customer=customer_b, type="O", code="O67890AA")
    EnvironmentUserFactory(environment=environment, code="stranger")


def logged_in(client, contact):
    client.force_login(contact.user)
    return client


def user_codes(content: bytes) -> list[str]:
    sheet = load_workbook(io.BytesIO(content))["Gebruikers"]
    return [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]


def ask(client, email, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(URL, {"email": email}, follow=True)


def test_it_sends_anonymous_visitors_to_the_login_page(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert client.get(DOWNLOAD_URL)["Location"].startswith("/login/")


def test_it_shows_the_form_to_any_contact_of_the_customer(client, medewerker):
    response = logged_in(client, medewerker).get(URL)

    assert response.status_code == 200
    assert "Licentietelling analyse laten opsturen" in response.content.decode()
    assert 'name="email"' in response.content.decode()


def test_it_emails_the_analysis_to_the_contacts_own_address(
    client, medewerker, users_of_a, django_capture_on_commit_callbacks
):
    response = ask(logged_in(client, medewerker), "Medewerker@Example.nl", django_capture_on_commit_callbacks)

    assert response.status_code == 200
    assert "onderweg naar medewerker@example.nl" in response.content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["medewerker@example.nl"]
    assert "12345" in message.subject
    assert "Zo leest u het bestand" in message.body
    (filename, content, mimetype) = message.attachments[0]
    assert filename.startswith("licentieanalyse-12345-") and filename.endswith(".xlsx")
    assert mimetype == XLSX_CONTENT_TYPE
    assert user_codes(content) == ["john", "susan"]


def test_it_refuses_another_address_and_sends_nothing(
    client, medewerker, beheerder, django_capture_on_commit_callbacks
):
    response = ask(logged_in(client, medewerker), "beheerder@example.nl", django_capture_on_commit_callbacks)

    assert response.status_code == 200
    assert str(WRONG_ADDRESS) in response.content.decode()
    assert mail.outbox == []


def test_it_refuses_an_invalid_address_and_sends_nothing(
    client, medewerker, django_capture_on_commit_callbacks
):
    response = ask(logged_in(client, medewerker), "geen-adres", django_capture_on_commit_callbacks)

    assert response.status_code == 200
    assert mail.outbox == []


def test_it_allows_five_requests_per_hour_and_refuses_the_sixth(
    client, beheerder, django_capture_on_commit_callbacks
):
    logged_in(client, beheerder)
    for _ in range(REQUEST_LIMIT):
        ask(client, "beheerder@example.nl", django_capture_on_commit_callbacks)

    refused = ask(client, "beheerder@example.nl", django_capture_on_commit_callbacks)

    assert TOO_MANY_REQUESTS % {"limit": REQUEST_LIMIT} in refused.content.decode()
    assert f"maximaal {REQUEST_LIMIT} keer per uur" in refused.content.decode()
    assert len(mail.outbox) == REQUEST_LIMIT


def test_the_limit_is_per_contact(client, beheerder, medewerker, django_capture_on_commit_callbacks):
    for _ in range(REQUEST_LIMIT + 1):
        ask(logged_in(client, beheerder), "beheerder@example.nl", django_capture_on_commit_callbacks)

    response = ask(
        logged_in(Client(), medewerker), "medewerker@example.nl", django_capture_on_commit_callbacks
    )

    assert "onderweg" in response.content.decode()
    assert [message.to for message in mail.outbox].count(["medewerker@example.nl"]) == 1
    assert len(mail.outbox) == REQUEST_LIMIT + 1


def test_the_limit_lifts_when_the_window_has_passed(client, beheerder, django_capture_on_commit_callbacks):
    logged_in(client, beheerder)
    for _ in range(REQUEST_LIMIT + 1):
        ask(client, "beheerder@example.nl", django_capture_on_commit_callbacks)
    assert len(mail.outbox) == REQUEST_LIMIT

    # The window ends when the cache (Redis) expires the counter: let it end in a second.
    assert cache.touch(f"licensing:analysis-requests:{beheerder.id}", 1)
    time.sleep(1.5)
    response = ask(client, "beheerder@example.nl", django_capture_on_commit_callbacks)

    assert "onderweg" in response.content.decode()
    assert len(mail.outbox) == REQUEST_LIMIT + 1


def test_a_contact_of_another_customer_gets_only_its_own_customers_analysis(
    client, other_beheerder, customer_a, users_of_a, users_of_b, django_capture_on_commit_callbacks
):
    logged_in(client, other_beheerder)
    session = client.session
    session[SESSION_CUSTOMER_KEY] = customer_a.id
    session.save()

    ask(client, "beheerder67890@example.nl", django_capture_on_commit_callbacks)
    download = client.get(DOWNLOAD_URL)

    assert user_codes(mail.outbox[0].attachments[0][1]) == ["stranger"]
    assert user_codes(b"".join(download.streaming_content)) == ["stranger"]
    assert "67890" in download["Content-Disposition"]


def test_a_contact_of_no_customer_gets_404(client, customer_a):
    stranger = ContactFactory(user__email="stranger@example.nl")
    logged_in(client, stranger)

    assert client.get(URL).status_code == 404
    assert client.post(URL, {"email": "stranger@example.nl"}).status_code == 404
    assert client.get(DOWNLOAD_URL).status_code == 404
    assert mail.outbox == []


def test_it_refuses_other_methods(client, beheerder):
    logged_in(client, beheerder)

    assert client.put(URL).status_code == 405
    assert client.post(DOWNLOAD_URL).status_code == 405


def test_it_requires_the_csrf_token(beheerder, django_capture_on_commit_callbacks):
    client = logged_in(Client(enforce_csrf_checks=True), beheerder)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"email": "beheerder@example.nl"})

    assert response.status_code == 403
    assert mail.outbox == []


def test_it_downloads_the_workbook_with_a_dated_filename(client, medewerker, users_of_a):
    with time_machine.travel(datetime(2026, 11, 28, 12, 0), tick=False):
        response = logged_in(client, medewerker).get(DOWNLOAD_URL)

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="licentieanalyse-12345-2026-11-28.xlsx"'
    assert user_codes(b"".join(response.streaming_content)) == ["john", "susan"]


def test_the_task_sends_nothing_once_the_contact_left_the_customer(medewerker, customer_a):
    medewerker.memberships.all().delete()

    assert send_analysis(contact_id=medewerker.id, customer_id=customer_a.id) is False
    assert mail.outbox == []
