"""Sessions end after SESSION_IDLE_TIMEOUT without a request and SESSION_ABSOLUTE_LIFETIME after login
(frozen time), with a message on the login page, in Dutch and English."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.utils import timezone

from portal.middleware import SESSION_ENDED
from portal.sessions import ABSOLUTE, IDLE, SEEN, STARTED
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

MINUTE = timedelta(minutes=1)


@pytest.fixture
def start():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def _login(client):
    response = client.post("/login/", {"login": "beheerder@example.nl", "password": PASSWORD})
    assert response.status_code == 302


def test_a_session_lasts_while_it_is_used(client, beheerder, start, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    _login(client)

    for _ in range(10):  # 10 × 25 minutes: never 30 minutes idle
        start.shift(25 * MINUTE)
        assert client.get("/contactpersonen/").status_code == 200


def test_it_ends_after_the_idle_timeout(client, beheerder, start, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    _login(client)
    start.shift(29 * MINUTE)
    assert client.get("/contactpersonen/").status_code == 200

    start.shift(30 * MINUTE)
    response = client.get("/contactpersonen/", follow=True)

    assert response.redirect_chain == [("/login/?next=/contactpersonen/", 302)]
    assert SESSION_KEY not in client.session
    assert str(SESSION_ENDED[IDLE]) in response.content.decode()


def test_the_idle_timeout_is_configurable(client, beheerder, start, settings):
    settings.SESSION_IDLE_TIMEOUT = 5 * 60
    _login(client)

    start.shift(6 * MINUTE)

    assert client.get("/contactpersonen/").status_code == 302
    assert SESSION_KEY not in client.session


def test_it_ends_at_the_absolute_lifetime_however_busy(client, beheerder, start, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    settings.SESSION_ABSOLUTE_LIFETIME = 2 * 60 * 60
    _login(client)
    for _ in range(7):  # 7 × 17 minutes = 1 h 59
        start.shift(17 * MINUTE)
        assert client.get("/contactpersonen/").status_code == 200

    start.shift(MINUTE)
    response = client.get("/contactpersonen/", follow=True)

    assert response.redirect_chain[0] == ("/login/?next=/contactpersonen/", 302)
    assert str(SESSION_ENDED[ABSOLUTE]) in response.content.decode()


def test_logging_in_again_starts_a_new_lifetime(client, beheerder, start, settings):
    settings.SESSION_ABSOLUTE_LIFETIME = 60 * 60
    _login(client)
    start.shift(61 * MINUTE)
    client.get("/")

    _login(client)
    start.shift(20 * MINUTE)

    assert client.get("/contactpersonen/").status_code == 200


def test_a_form_sent_after_the_end_goes_to_the_login_and_changes_nothing(
    client, beheerder, medewerker, start, settings
):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    _login(client)
    start.shift(31 * MINUTE)

    response = client.post(f"/contactpersonen/{medewerker.memberships.get().pk}/rol/", {"role": "beheerder"})

    assert (response.status_code, response.url) == (302, "/login/")
    assert medewerker.memberships.get().role == "medewerker"


def test_the_message_is_english_in_english(client, beheerder, start, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    _login(client)
    client.cookies["django_language"] = "en"
    start.shift(31 * MINUTE)

    page = client.get("/", follow=True).content.decode()

    assert "You were logged out because you did nothing in the portal for a while" in page


def test_the_last_request_is_written_at_most_once_a_minute(client, beheerder, start):
    _login(client)
    stamped = client.session[SEEN]

    start.shift(timedelta(seconds=30))
    client.get("/contactpersonen/")
    assert client.session[SEEN] == stamped

    start.shift(timedelta(seconds=31))
    client.get("/contactpersonen/")
    assert client.session[SEEN] == stamped + 61


def test_a_session_from_before_the_stamps_starts_its_lifetime_now(client, beheerder, start, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    client.force_login(beheerder.user)
    session = client.session
    del session[STARTED], session[SEEN]
    session.save()

    assert client.get("/contactpersonen/").status_code == 200
    start.shift(31 * MINUTE)
    assert client.get("/contactpersonen/").status_code == 302
