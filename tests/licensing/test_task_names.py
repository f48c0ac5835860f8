"""The Celery task names the beat schedule and already queued messages know stay registered, whichever
module defines the task now."""

import pytest
from django.conf import settings

from licensing import tasks as licensing_tasks
from licensing.analysis import tasks as analysis_tasks
from licensing.monitoring import tasks as monitoring_tasks
from portal.celery import app


@pytest.fixture
def registered():
    app.loader.import_default_modules()  # what a worker does at start: autodiscover every app's tasks
    return app.tasks


@pytest.mark.parametrize("entry", sorted(settings.CELERY_BEAT_SCHEDULE))
def test_every_task_of_the_beat_schedule_is_registered(registered, entry):
    assert settings.CELERY_BEAT_SCHEDULE[entry]["task"] in registered


@pytest.mark.parametrize(
    ("name", "task"),
    [
        ("licensing.tasks.refresh_all_licenses", monitoring_tasks.refresh_all_licenses),
        ("licensing.tasks.refresh_license_batch", monitoring_tasks.refresh_license_batch),
        ("licensing.tasks.send_outbox", monitoring_tasks.send_outbox),
        ("licensing.tasks.send_request_decision", licensing_tasks.send_request_decision),
        ("licensing.tasks.send_license_analysis", analysis_tasks.send_license_analysis),
    ],
)
def test_the_moved_tasks_keep_their_old_names(registered, name, task):
    assert task.name == name
    assert registered[name] is task._get_current_object()  # shared_task hands out a proxy
