"""Celery tasks: thin wrappers that take ids and call a service."""

from smtplib import SMTPException

from celery import shared_task

from . import services


@shared_task(
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
    ignore_result=True,
)
def send_request_decision(request_id: int) -> bool:
    """E-mail the requester the decision on license request `request_id`."""
    return services.request_send_decision_email(request_id=request_id)
