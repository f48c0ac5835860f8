"""/health/live/ and /health/ready/: no login, the checks the settings call for, each failure named in
terms of the service, and nothing of a customer in any format."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from portal.health import NIGHTLY_RUN_LATE, NO_NIGHTLY_RUN, OUTBOX_BACKED_UP
from tests.factories import OutboxEmailFactory, RefreshRunFactory

pytestmark = pytest.mark.django_db

DATABASE, REDIS, NIGHTLY, OUTBOX, CELERY = (
    "Database(alias='default')",
    "Redis(db=",
    "NightlyRun()",
    "EmailOutbox()",
    "CeleryWorkers()",
)


@pytest.fixture
def embedded(settings):
    """No Redis, tasks in-process: the embedded default."""
    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def last_night():
    return RefreshRunFactory(finished_at=timezone.now() - timedelta(hours=7))


def ready(client, **params):
    response = client.get("/health/ready/", {"format": "json", **params})
    return response.status_code, response.json()


def test_liveness_needs_no_login_and_no_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/health/live/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert response.json() == {}
    assert "no-store" in response["Cache-Control"]


def test_readiness_needs_no_login_and_is_ok_when_everything_is(client, embedded, last_night):
    status, checks = ready(client)

    assert status == 200
    assert checks == {DATABASE: "OK", NIGHTLY: "OK", OUTBOX: "OK"}


def test_readiness_checks_redis_when_it_is_configured(client, settings, last_night):
    assert settings.REDIS_URL, "the suite runs with Redis"
    settings.CELERY_TASK_ALWAYS_EAGER = True

    status, checks = ready(client)

    assert status == 200
    [redis] = [name for name in checks if name.startswith(REDIS)]
    assert checks[redis] == "OK"


def test_readiness_fails_when_redis_does_not_answer(client, settings, last_night):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_TASK_ALWAYS_EAGER = True

    status, checks = ready(client)

    assert status == 500
    [redis] = [name for name in checks if name.startswith(REDIS)]
    assert checks[redis].startswith("Unavailable: Unable to connect to Redis")
    assert checks[DATABASE] == "OK"


def test_readiness_asks_for_a_celery_worker_when_tasks_go_to_the_broker(client, settings, last_night):
    settings.CELERY_TASK_ALWAYS_EAGER = False

    status, checks = ready(client)

    # No worker runs during this test: the ping goes unanswered.
    assert status == 500
    assert checks[CELERY] == "Unavailable: Celery workers unavailable"


def test_without_any_scheduled_run_it_is_not_ready(client, embedded):
    RefreshRunFactory(kind="manual", run_date=None, finished_at=timezone.now())  # a hand-run does not count

    status, checks = ready(client)

    assert status == 500
    assert checks[NIGHTLY] == f"Unavailable: {NO_NIGHTLY_RUN}"


def test_a_run_that_finished_more_than_26_hours_ago_is_late(client, embedded):
    RefreshRunFactory(finished_at=timezone.now() - timedelta(hours=27))
    RefreshRunFactory(finished_at=None)  # started today, still busy: not finished, not counted

    status, checks = ready(client)

    assert status == 500
    assert checks[NIGHTLY] == "Unavailable: " + NIGHTLY_RUN_LATE.format(hours=27.0, limit="26")


def test_a_run_just_within_26_hours_is_in_time(client, embedded):
    RefreshRunFactory(finished_at=timezone.now() - timedelta(hours=40))
    RefreshRunFactory(finished_at=timezone.now() - timedelta(hours=25, minutes=50))

    assert ready(client) == (200, {DATABASE: "OK", NIGHTLY: "OK", OUTBOX: "OK"})


def test_the_limit_is_a_setting(client, embedded, settings):
    settings.HEALTH_NIGHTLY_MAX_AGE_HOURS = 6
    RefreshRunFactory(finished_at=timezone.now() - timedelta(hours=7))

    status, checks = ready(client)

    assert status == 500
    assert checks[NIGHTLY] == "Unavailable: " + NIGHTLY_RUN_LATE.format(hours=7.0, limit="6")


def test_an_outbox_with_mail_waiting_over_30_minutes_is_backed_up(client, embedded, last_night):
    with time_machine.travel(timezone.now() - timedelta(minutes=31)):
        OutboxEmailFactory.create_batch(2)
        OutboxEmailFactory(sent_at=timezone.now())  # sent: not waiting
        OutboxEmailFactory(attempts=5, last_error="550")  # given up: for a person in the back office
    OutboxEmailFactory()  # just written: about to be sent

    status, checks = ready(client)

    assert status == 500
    assert checks[OUTBOX] == "Unavailable: " + OUTBOX_BACKED_UP.format(count=2, minutes="30")
    assert checks[NIGHTLY] == "OK"


def test_an_outbox_with_only_fresh_or_sent_mail_is_fine(client, embedded, last_night, settings):
    settings.HEALTH_OUTBOX_MAX_WAIT_MINUTES = 60
    with time_machine.travel(timezone.now() - timedelta(minutes=45)):
        OutboxEmailFactory()

    assert ready(client)[1][OUTBOX] == "OK"


@pytest.mark.parametrize("accept", ["application/json", "text/plain", "text/html"])
def test_no_answer_names_a_customer_or_an_address(client, embedded, customer_a, beheerder, accept):
    RefreshRunFactory(
        finished_at=timezone.now() - timedelta(days=3), failed=1, failed_customers=[customer_a.number]
    )
    with time_machine.travel(timezone.now() - timedelta(hours=2)):
        OutboxEmailFactory(customer=customer_a, to="beheerder@example.nl", subject=customer_a.name)

    bodies = {}
    for path in ("/health/ready/", "/health/live/"):
        response = client.get(path, HTTP_ACCEPT=accept)
        assert response["Content-Type"].startswith(accept)
        bodies[path] = response.content.decode()

    # Both failures are reported, in the service's terms only.
    assert "1 e-mail(s) in the outbox" in bodies["/health/ready/"]
    assert "finished 72.0 hours ago" in bodies["/health/ready/"]
    for path, body in bodies.items():
        for secret in (customer_a.number, customer_a.name, "Korenschoof", "beheerder@example.nl", "@"):
            assert secret not in body, (path, accept, secret)


def test_the_html_page_has_no_inline_style(client, embedded, last_night):
    html = client.get("/health/ready/", HTTP_ACCEPT="text/html").content.decode()

    assert "<style" not in html and "style=" not in html
    assert "NightlyRun()" in html and "OK" in html
