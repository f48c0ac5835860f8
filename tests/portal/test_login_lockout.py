"""Failed logins are limited per account and per client IP (allauth's limits, counted in the cache:
Redis when REDIS_URL is set); past the limit even the right password is refused with a clear message
until the lockout is over (frozen time). The lockout is logged once."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.test import Client
from django.utils import timezone

from portal.adapters import TOO_MANY_LOGIN_ATTEMPTS
from portal.models import SecurityEvent, SecurityEventKind
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

IP = "203.0.113.9"


@pytest.fixture
def frozen():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def _login(client, email, password, ip=IP):
    return client.post("/login/", {"login": email, "password": password}, REMOTE_ADDR=ip)


def _refused(response) -> bool:
    return "Te veel mislukte inlogpogingen" in response.content.decode()


def test_the_account_is_locked_after_the_limit_even_for_the_right_password(
    client, beheerder, settings, frozen
):
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        response = _login(client, "beheerder@example.nl", "wrong")
        assert "horen niet bij elkaar" in response.content.decode()

    response = _login(client, "beheerder@example.nl", PASSWORD)

    assert response.status_code == 200
    assert _refused(response)
    assert str(TOO_MANY_LOGIN_ATTEMPTS % {"minutes": 15}) in response.content.decode()
    assert SESSION_KEY not in client.session


def test_the_lock_holds_from_another_address_and_in_another_case(client, beheerder, settings, frozen):
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        _login(client, "beheerder@example.nl", "wrong")

    assert _refused(_login(Client(), " Beheerder@Example.NL", PASSWORD, ip="198.51.100.20"))


def test_the_lockout_ends_after_its_time(client, beheerder, settings, frozen):
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        _login(client, "beheerder@example.nl", "wrong")

    frozen.shift(timedelta(seconds=settings.LOGIN_LOCKOUT - 1))
    assert _refused(_login(client, "beheerder@example.nl", PASSWORD))

    frozen.shift(timedelta(seconds=2))
    response = _login(client, "beheerder@example.nl", PASSWORD)
    assert (response.status_code, response.url) == (302, "/")


def test_a_successful_login_does_not_use_up_the_budget(client, beheerder, settings, frozen):
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT * 2):
        assert _login(Client(), "beheerder@example.nl", PASSWORD).status_code == 302

    assert "horen niet bij elkaar" in _login(client, "beheerder@example.nl", "wrong").content.decode()


def test_one_ip_address_is_limited_across_accounts(client, settings, frozen):
    for n in range(settings.LOGIN_FAILURES_PER_IP):
        _login(client, f"gok{n}@example.nl", "wrong")
    UserFactory(email="echt@example.nl")

    assert _refused(_login(client, "echt@example.nl", PASSWORD))
    assert not _refused(_login(Client(), "echt@example.nl", "wrong", ip="198.51.100.21"))


def test_the_proxy_address_counts_only_when_trusted(client, settings, frozen):
    settings.TRUST_X_FORWARDED_FOR = True
    for n in range(settings.LOGIN_FAILURES_PER_IP):
        client.post(
            "/login/",
            {"login": f"gok{n}@example.nl", "password": "wrong"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="192.0.2.50",
        )

    # Another client behind the same proxy is not locked out by the first one's guesses.
    other = client.post(
        "/login/",
        {"login": "nog@example.nl", "password": "wrong"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="192.0.2.51",
    )
    assert not _refused(other)


def test_the_message_is_english_in_english(client, beheerder, settings, frozen):
    client.cookies["django_language"] = "en"
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        _login(client, "beheerder@example.nl", "wrong")

    page = _login(client, "beheerder@example.nl", PASSWORD).content.decode()

    assert "Too many failed login attempts for this account or from this address" in page


def test_the_lockout_is_logged_once(client, beheerder, customer_a, settings, frozen):
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT + 3):
        _login(client, "beheerder@example.nl", "wrong")

    kinds = list(SecurityEvent.objects.filter(customer=customer_a).values_list("kind", flat=True))
    assert kinds.count(SecurityEventKind.LOGIN_FAILED) == settings.LOGIN_FAILURES_PER_ACCOUNT
    assert kinds.count(SecurityEventKind.LOCKED_OUT) == 1


@pytest.mark.django_db(transaction=True)
def test_simultaneous_wrong_passwords_never_pass_the_limit(beheerder, customer_a, settings):
    if connection.vendor != "postgresql":
        pytest.skip("threads need a database with concurrent connections")
    barrier = threading.Barrier(12)

    def guess():
        barrier.wait()
        try:
            _login(Client(), "beheerder@example.nl", "wrong")
        finally:
            connection.close()

    threads = [threading.Thread(target=guess) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Each guess allauth let through reached the password check, which logs it.
    checked = SecurityEvent.objects.filter(customer=customer_a, kind=SecurityEventKind.LOGIN_FAILED).count()
    assert checked <= settings.LOGIN_FAILURES_PER_ACCOUNT
