"""The page Sessies: the contact's own sessions, and "log out everywhere else" (allauth's usersessions),
which is logged in the security log."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from portal.models import SecurityEvent, SecurityEventKind
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

URL = "/beveiliging/sessies/"


def _browser(user_agent: str, ip: str) -> Client:
    client = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)
    response = client.post("/login/", {"login": "beheerder@example.nl", "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_it_sends_anonymous_visitors_to_login(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_it_lists_the_contacts_own_sessions(beheerder, other_beheerder):
    laptop = _browser("Firefox op de laptop", "192.0.2.10")
    phone = _browser("Safari op de telefoon", "192.0.2.11")
    stranger = Client()
    stranger.force_login(other_beheerder.user)
    stranger.get(URL)

    page = phone.get(URL).content.decode()

    assert "Firefox op de laptop" in page and "192.0.2.10" in page
    assert "Safari op de telefoon" in page
    assert page.count("<strong>Deze sessie</strong>") == 1
    assert laptop.get(URL).status_code == 200
    assert "beheerder67890" not in page


def test_log_out_everywhere_else_ends_the_other_sessions_only(beheerder, customer_a):
    laptop = _browser("Firefox", "192.0.2.10")
    phone = _browser("Safari", "192.0.2.11")

    response = phone.post(URL, REMOTE_ADDR="192.0.2.11", follow=True)

    assert response.redirect_chain == [(URL, 302)]
    assert "Uitgelogd op 1 andere plaats(en)." in response.content.decode()
    assert SESSION_KEY in phone.session
    assert laptop.get("/contactpersonen/").status_code == 302  # back to the login
    [event] = SecurityEvent.objects.filter(customer=customer_a, kind=SecurityEventKind.SESSIONS_ENDED)
    assert (event.details, event.ip_address) == ({"count": 1}, "192.0.2.11")


def test_a_session_from_before_the_list_is_shown_too(client, beheerder):
    client.force_login(beheerder.user)  # no allauth login: no session row yet

    page = client.get(URL).content.decode()

    assert "<strong>Deze sessie</strong>" in page


def test_with_no_other_session_nothing_is_logged(client, beheerder, customer_a):
    client.force_login(beheerder.user)

    client.post(URL)

    assert not SecurityEvent.objects.filter(kind=SecurityEventKind.SESSIONS_ENDED).exists()


def test_it_reads_in_english(client, beheerder):
    client.force_login(beheerder.user)
    client.cookies["django_language"] = "en"

    page = client.get(URL).content.decode()

    assert "Log out everywhere else" in page and "This session" in page
