"""Celery tasks: thin wrappers that take ids and call a service."""

from celery import shared_task

from portal.tasks import EMAIL_RETRY

from . import notices


@shared_task(**EMAIL_RETRY, ignore_result=True)
def send_pending_change_notice(pending_id: int) -> int:
    """E-mail the other Beheerders that change `pending_id` waits for their approval."""
    return notices.send_pending_change_notice(pending_id=pending_id)
