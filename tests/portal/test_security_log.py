"""The page Beveiligingslog: a customer's security events, newest first, for its Beheerders only; the
records themselves are append-only and read-only in the back office."""

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.append_only import AppendOnlyViolation
from portal.models import SecurityEvent, SecurityEventKind
from portal.security import record
from portal.views import SECURITY_EVENTS_PER_PAGE

pytestmark = pytest.mark.django_db

URL = "/beveiligingslog/"


def _event(customer, kind=SecurityEventKind.LOGIN, **fields):
    return record(customers=[customer], kind=kind, actor=None, **fields)[0]


def test_it_sends_anonymous_visitors_to_login(client, customer_a):
    response = client.get(URL)

    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_a_beheerder_reads_the_log_newest_first(client, beheerder, customer_a):
    old = _event(customer_a, subject="oud@example.nl", ip="192.0.2.1")
    new = _event(
        customer_a,
        SecurityEventKind.ROLE_CHANGED,
        subject="nieuw@example.nl",
        details={"old": "medewerker", "new": "beheerder"},
        ip="2001:db8::1",
    )
    client.force_login(beheerder.user)

    response = client.get(URL)

    page = response.content.decode()
    assert response.status_code == 200
    assert page.index(f'id="event-{new.pk}"') < page.index(f'id="event-{old.pk}"')
    assert "van Medewerker naar Beheerder" in page
    assert "2001:db8::1" in page and "192.0.2.1" in page
    assert "nieuw@example.nl" in page


def test_it_reads_in_english_too(client, beheerder, customer_a):
    _event(customer_a, SecurityEventKind.ROLE_CHANGED, details={"old": "medewerker", "new": "beheerder"})
    client.force_login(beheerder.user)
    client.cookies["django_language"] = "en"

    page = client.get(URL).content.decode()

    assert "Security log" in page
    assert "Role changed" in page
    assert "from Staff member to Administrator" in page


def test_a_medewerker_gets_403(client, medewerker, customer_a):
    _event(customer_a)
    client.force_login(medewerker.user)

    assert client.get(URL).status_code == 403


def test_another_customers_beheerder_sees_only_its_own_log(client, other_beheerder, customer_a, customer_b):
    _event(customer_a, subject="van-a@example.nl")
    _event(customer_b, subject="van-b@example.nl")
    client.force_login(other_beheerder.user)

    page = client.get(URL).content.decode()

    assert "van-b@example.nl" in page
    assert "van-a@example.nl" not in page


def test_it_refuses_post(client, beheerder):
    client.force_login(beheerder.user)

    assert client.post(URL).status_code == 405


def test_it_pages_the_log(client, beheerder, customer_a):
    start = timezone.now() - timedelta(days=1)
    SecurityEvent.objects.bulk_create(
        SecurityEvent(
            customer=customer_a,
            kind=SecurityEventKind.LOGIN,
            actor_name=f"n{i}@example.nl",
            created_at=start + timedelta(minutes=i),
        )
        for i in range(SECURITY_EVENTS_PER_PAGE + 1)
    )
    client.force_login(beheerder.user)

    first = client.get(URL).content.decode()
    second = client.get(URL, {"page": 2}).content.decode()

    assert f"n{SECURITY_EVENTS_PER_PAGE}@example.nl" in first
    assert ">n0@example.nl<" not in first
    assert ">n0@example.nl<" in second


def test_the_page_reads_a_fixed_number_of_queries(client, beheerder, customer_a, django_assert_num_queries):
    for i in range(30):
        _event(customer_a, subject=f"s{i}@example.nl")
    client.force_login(beheerder.user)
    client.get(URL)  # the session's first request stamps it

    # session, user, contact, membership (access), header's memberships, count, page.
    with django_assert_num_queries(7):
        assert client.get(URL).status_code == 200


def test_the_menu_shows_the_log_to_beheerders_only(client, beheerder, medewerker):
    client.force_login(beheerder.user)
    assert f'href="{URL}"' in client.get("/contactpersonen/").content.decode()

    client.force_login(medewerker.user)
    assert f'href="{URL}"' not in client.get("/contactpersonen/").content.decode()


def test_an_event_cannot_be_changed_or_deleted(customer_a):
    event = _event(customer_a)

    event.subject = "anders"
    with pytest.raises(AppendOnlyViolation):
        event.save()
    with pytest.raises(AppendOnlyViolation):
        event.delete()
    with pytest.raises(AppendOnlyViolation):
        SecurityEvent.objects.filter(pk=event.pk).update(subject="anders")
    with pytest.raises(AppendOnlyViolation):
        SecurityEvent.objects.all().delete()


def test_the_back_office_shows_events_read_only(admin_client, customer_a):
    event = _event(customer_a, subject="iemand@example.nl")

    listing = admin_client.get("/admin/portal/securityevent/")
    detail = admin_client.get(f"/admin/portal/securityevent/{event.pk}/change/")

    assert listing.status_code == 200 and "iemand@example.nl" in listing.content.decode()
    assert detail.status_code == 200
    assert 'name="subject"' not in detail.content.decode()
    assert admin_client.get("/admin/portal/securityevent/add/").status_code == 403
    assert admin_client.post(f"/admin/portal/securityevent/{event.pk}/delete/").status_code == 403
    assert SecurityEvent.objects.filter(pk=event.pk).exists()


def test_the_log_goes_only_with_its_customer(customer_a):
    from tests.factories import CustomerFactory

    leaving = CustomerFactory()
    _event(leaving)
    kept = _event(customer_a)

    leaving.delete()

    assert list(SecurityEvent.objects.all()) == [kept]
