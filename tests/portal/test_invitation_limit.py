"""Invitations per customer: at most INVITATION_RATE_LIMIT per INVITATION_RATE_WINDOW, counted
atomically (Redis when REDIS_URL is set), refused with a clear message and nothing written; the
e-mail goes out through Celery after the commit."""

import threading

import pytest
from django.core import mail
from django.db import connection

from portal.models import Membership, SecurityEvent
from portal.services import TOO_MANY_INVITATIONS, ContactError, invite_contact

pytestmark = pytest.mark.django_db

URL = "/contactpersonen/uitnodigen/"


@pytest.fixture
def limit(settings):
    settings.INVITATION_RATE_LIMIT = 3
    settings.INVITATION_RATE_WINDOW = 3600
    return 3


def _invite(customer, by, n):
    return invite_contact(
        customer=customer, name=f"P {n}", email=f"p{n}@example.nl", role="medewerker", by=by
    )


def test_it_allows_the_limit_and_refuses_the_next(customer_a, beheerder, limit):
    for n in range(limit):
        _invite(customer_a, beheerder, n)

    with pytest.raises(ContactError) as refusal:
        _invite(customer_a, beheerder, limit)

    assert refusal.value.message == TOO_MANY_INVITATIONS % {"minutes": 60}
    assert not Membership.objects.filter(contact__user__username=f"p{limit}@example.nl").exists()
    assert SecurityEvent.objects.filter(subject=f"p{limit}@example.nl").count() == 0


def test_the_limit_is_per_customer(customer_a, customer_b, beheerder, other_beheerder, limit):
    for n in range(limit):
        _invite(customer_a, beheerder, n)

    assert _invite(customer_b, other_beheerder, 99).new_account


def test_a_refused_invitation_does_not_count(customer_a, beheerder, limit):
    _invite(customer_a, beheerder, 0)
    for _ in range(5):
        with pytest.raises(ContactError):
            invite_contact(
                customer=customer_a, name="x", email="p0@example.nl", role="medewerker", by=beheerder
            )

    _invite(customer_a, beheerder, 1)
    _invite(customer_a, beheerder, 2)


def test_the_page_shows_the_refusal(client, customer_a, beheerder, limit, django_capture_on_commit_callbacks):
    client.force_login(beheerder.user)
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(limit):
            client.post(URL, {"name": "P", "email": f"p{n}@example.nl", "role": "medewerker"})

    response = client.post(URL, {"name": "P", "email": "meer@example.nl", "role": "medewerker"})

    assert response.status_code == 400
    assert "te veel uitnodigingen" in response.content.decode()
    assert len(mail.outbox) == limit


def test_the_refusal_is_english_in_english(client, customer_a, beheerder, settings):
    settings.INVITATION_RATE_LIMIT = 1
    client.force_login(beheerder.user)
    client.cookies["django_language"] = "en"
    client.post(URL, {"name": "P", "email": "een@example.nl", "role": "medewerker"})

    response = client.post(URL, {"name": "P", "email": "twee@example.nl", "role": "medewerker"})

    assert "Too many invitations have been sent for this customer recently" in response.content.decode()


def test_the_email_is_sent_by_the_task_after_the_commit(
    customer_a, beheerder, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _invite(customer_a, beheerder, 0)
    assert mail.outbox == []  # nothing inside the request's transaction

    for callback in callbacks:
        callback()

    assert [message.to for message in mail.outbox] == [["p0@example.nl"]]


@pytest.mark.django_db(transaction=True)
def test_simultaneous_invitations_never_pass_the_limit(customer_a, beheerder, limit):
    if connection.vendor != "postgresql":
        pytest.skip("threads need a database with concurrent connections")
    results, barrier = [], threading.Barrier(8)

    def invite(n):
        barrier.wait()
        try:
            _invite(customer_a, beheerder, n)
            results.append(True)
        except ContactError:
            results.append(False)
        finally:
            connection.close()

    threads = [threading.Thread(target=invite, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results.count(True) == limit
    assert Membership.objects.filter(customer=customer_a).count() == 1 + limit
