"""Liveness and readiness (django-health-check), part of the composition root: the readiness checks read
the nightly job's state through licensing.monitoring's selectors.

- /health/live/: the process answers; no check at all, so a database outage never gets it restarted.
- /health/ready/: the database, Redis (when REDIS_URL is set), a Celery worker consuming the queue (when
  tasks go to a broker), the last scheduled nightly run finished within HEALTH_NIGHTLY_MAX_AGE_HOURS, and
  no e-mail waiting in the outbox longer than HEALTH_OUTBOX_MAX_WAIT_MINUTES.

Both need no login. An answer names each check and says OK or what is wrong in terms of the service
(counts and ages), never a customer, an address or a message.
"""

import dataclasses
from datetime import timedelta

import celery
from asgiref.sync import sync_to_async
from celery.app import app_or_default
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.utils import timezone
from health_check.base import HealthCheck
from health_check.checks import Database
from health_check.contrib.celery import Ping
from health_check.contrib.redis import Redis
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView
from redis.asyncio import Redis as RedisClient

from licensing.monitoring.selectors import last_scheduled_run_finished_at, outbox_waiting_since

NO_NIGHTLY_RUN = "No scheduled nightly run has finished yet"
NIGHTLY_RUN_LATE = "The last scheduled nightly run finished {hours:.1f} hours ago (limit {limit} hours)"
OUTBOX_BACKED_UP = "{count} e-mail(s) in the outbox unsent for more than {minutes} minutes"


@dataclasses.dataclass
class NightlyRun(HealthCheck):
    """The last run that beat started finished within `max_age`: beat and the workers do their job."""

    max_age: timedelta = dataclasses.field(default=timedelta(hours=26), repr=False)

    async def run(self) -> None:
        # In the request's own thread (thread-sensitive), on its own database connection.
        finished_at = await sync_to_async(last_scheduled_run_finished_at)()
        if finished_at is None:
            raise ServiceUnavailable(NO_NIGHTLY_RUN)
        age = timezone.now() - finished_at
        if age > self.max_age:
            limit = self.max_age / timedelta(hours=1)
            raise ServiceUnavailable(
                NIGHTLY_RUN_LATE.format(hours=age / timedelta(hours=1), limit=f"{limit:g}")
            )


@dataclasses.dataclass
class EmailOutbox(HealthCheck):
    """No e-mail waits longer than `max_wait` (it is sent right after commit, retried every 10 minutes)."""

    max_wait: timedelta = dataclasses.field(default=timedelta(minutes=30), repr=False)

    async def run(self) -> None:
        waiting = await sync_to_async(outbox_waiting_since)(timezone.now() - self.max_wait)
        if waiting:
            minutes = f"{self.max_wait / timedelta(minutes=1):g}"
            raise ServiceUnavailable(OUTBOX_BACKED_UP.format(count=waiting, minutes=minutes))


@dataclasses.dataclass
class CeleryWorkers(Ping):
    """django-health-check's ping of the workers, named without the app object's address."""

    app: celery.Celery = dataclasses.field(default_factory=app_or_default, repr=False)


def readiness_checks() -> list[HealthCheck]:
    """The checks of /health/ready/ for the settings as they are now."""
    checks: list[HealthCheck] = [Database()]
    if settings.REDIS_URL:
        checks.append(Redis(client_factory=lambda: RedisClient.from_url(settings.REDIS_URL)))
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        checks.append(CeleryWorkers())
    checks.append(NightlyRun(max_age=timedelta(hours=settings.HEALTH_NIGHTLY_MAX_AGE_HOURS)))
    checks.append(EmailOutbox(max_wait=timedelta(minutes=settings.HEALTH_OUTBOX_MAX_WAIT_MINUTES)))
    return checks


class HealthView(HealthCheckView):
    """django-health-check's view (JSON, text and HTML by Accept or ?format=), with our checks chosen
    per request and an HTML page without inline style (the CSP allows none)."""

    template_name = "portal/health.html"
    ready = False

    def get_checks(self):
        return readiness_checks() if self.ready else []


live = login_not_required(HealthView.as_view())
ready = login_not_required(HealthView.as_view(ready=True))
