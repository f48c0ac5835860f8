"""Celery tasks: thin wrappers that take ids and call a service."""

from celery import shared_task

from portal.tasks import EMAIL_RETRY

from . import services


@shared_task(
    **EMAIL_RETRY,
    ignore_result=True,
)
def send_request_decision(request_id: int) -> bool:
    """E-mail the requester the decision on license request `request_id`."""
    return services.request_send_decision_email(request_id=request_id)
