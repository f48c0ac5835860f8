"""Password-reset e-mails: at most PASSWORD_RESETS_PER_ADDRESS an hour per address, the same answer
and the same work in the request for a known and an unknown address, the e-mail sent by a Celery task."""

import re
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal import tasks

pytestmark = pytest.mark.django_db

URL = "/wachtwoord-vergeten/"


@pytest.fixture
def frozen():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def _ask(client, email):
    return client.post(URL, {"email": email})


def test_at_most_three_an_hour_per_address(client, beheerder, settings, frozen):
    assert settings.PASSWORD_RESETS_PER_ADDRESS == 3
    for _ in range(3):
        assert _ask(client, "beheerder@example.nl").status_code == 302

    refused = _ask(client, "Beheerder@example.nl")

    assert refused.status_code == 429
    assert "U hebt dit de laatste tijd te vaak geprobeerd" in refused.content.decode()
    assert len(mail.outbox) == 3


def test_the_limit_ends_after_an_hour(client, beheerder, frozen):
    for _ in range(3):
        _ask(client, "beheerder@example.nl")
    frozen.shift(timedelta(minutes=59))
    assert _ask(client, "beheerder@example.nl").status_code == 429

    frozen.shift(timedelta(minutes=1, seconds=1))

    assert _ask(client, "beheerder@example.nl").status_code == 302
    assert len(mail.outbox) == 4


def test_another_address_has_its_own_budget(client, beheerder, medewerker, frozen):
    for _ in range(3):
        _ask(client, "beheerder@example.nl")

    assert _ask(client, "medewerker@example.nl").status_code == 302


def test_an_unknown_address_gets_the_same_answers(client, beheerder, frozen):
    known = [_ask(client, "beheerder@example.nl") for _ in range(4)]
    unknown = [_ask(client, "onbekend@example.nl") for _ in range(4)]

    assert [(r.status_code, r.get("Location")) for r in known] == [
        (r.status_code, r.get("Location")) for r in unknown
    ]
    assert _without_csrf(known[-1].content) == _without_csrf(unknown[-1].content)


def _without_csrf(content: bytes) -> bytes:
    # The CSRF token is masked afresh in every answer.
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", content)


def test_the_request_does_the_same_work_for_a_known_and_an_unknown_address(client, beheerder):
    client.get(URL)  # the session and the CSRF cookie exist before the measured requests
    with mock.patch.object(tasks.send_password_reset, "delay") as delay:
        with CaptureQueriesContext(connection) as known:
            _ask(client, "beheerder@example.nl")
        with CaptureQueriesContext(connection) as unknown:
            _ask(client, "onbekend@example.nl")

    assert [query["sql"] for query in known] == [query["sql"] for query in unknown]

    assert mail.outbox == []  # nothing is sent inside the request
    assert [call.kwargs for call in delay.call_args_list] == [
        {"email": "beheerder@example.nl", "language": "nl"},
        {"email": "onbekend@example.nl", "language": "nl"},
    ]


def test_the_task_finds_the_account_and_mails_it(beheerder):
    assert tasks.send_password_reset(email=" Beheerder@Example.nl", language="en") == 1
    assert tasks.send_password_reset(email="onbekend@example.nl", language="nl") == 0

    [message] = mail.outbox
    assert message.to == ["beheerder@example.nl"]
    assert "/wachtwoord-instellen/" in message.body


def test_the_e_mail_is_in_the_language_of_the_request(client, beheerder):
    client.cookies["django_language"] = "en"

    _ask(client, "beheerder@example.nl")

    assert mail.outbox[0].body.startswith("Hello,")


def test_allauths_other_e_mails_go_through_the_task_too(rf, beheerder):
    from allauth.account.adapter import get_adapter
    from allauth.core import context

    request = rf.get("/")
    with context.request_context(request), mock.patch.object(tasks.send_email, "delay") as delay:
        get_adapter().send_mail(
            "account/email/password_reset_key",
            "beheerder@example.nl",
            {"user": beheerder.user, "password_reset_url": "https://portal.example/x/"},
        )

    assert mail.outbox == []
    [call] = delay.call_args_list
    assert call.kwargs["to"] == ["beheerder@example.nl"]
    assert "https://portal.example/x/" in call.kwargs["body"]
    tasks.send_email(**call.kwargs)
    assert mail.outbox[0].subject == call.kwargs["subject"]
