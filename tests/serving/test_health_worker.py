"""/health/ready/ with a real Celery worker on the real Redis: OK once a worker consumes the queue, and
unavailable again when it has stopped."""

import pytest
from django.utils import timezone

from tests.factories import RefreshRunFactory
from tests.licensing.test_celery_worker import Worker, broker  # noqa: F401 (the broker fixture)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

CELERY = "CeleryWorkers()"


def test_readiness_sees_a_worker_answer_and_then_go(client, settings, broker, tmp_path):  # noqa: F811
    settings.CELERY_TASK_ALWAYS_EAGER = False
    RefreshRunFactory(finished_at=timezone.now())
    worker = Worker(tmp_path, "health")
    try:
        response = client.get("/health/ready/", {"format": "json"})
        assert response.status_code == 200, response.json()
        assert response.json()[CELERY] == "OK"
    finally:
        worker.stop()

    response = client.get("/health/ready/", {"format": "json"})
    assert response.status_code == 500
    assert response.json()[CELERY] == "Unavailable: Celery workers unavailable"
