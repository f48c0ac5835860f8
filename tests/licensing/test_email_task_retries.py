"""Every task that sends e-mail retries the same way: portal.tasks.EMAIL_RETRY."""

from smtplib import SMTPException

import pytest

from licensing import tasks as licensing_tasks
from licensing.analysis import tasks as analysis_tasks
from licensing.monitoring import tasks as monitoring_tasks
from portal import tasks as portal_tasks
from portal.tasks import EMAIL_RETRY

EMAIL_TASKS = [
    portal_tasks.send_invitation,
    licensing_tasks.send_request_decision,
    monitoring_tasks.send_outbox,
    analysis_tasks.send_license_analysis,
]


@pytest.mark.parametrize("task", EMAIL_TASKS, ids=lambda task: task.name)
def test_each_email_task_has_the_one_set_of_retry_options(task):
    assert {option: getattr(task, option) for option in EMAIL_RETRY} == dict(EMAIL_RETRY)


def test_the_retry_options_are_the_ones_the_tasks_had():
    assert dict(EMAIL_RETRY) == {
        "autoretry_for": (SMTPException, ConnectionError, TimeoutError),
        "retry_backoff": True,
        "max_retries": 5,
    }
