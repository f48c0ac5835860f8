"""Celery tasks: thin wrappers that take ids and call a service."""

from smtplib import SMTPException

from celery import shared_task

from . import emails


@shared_task(
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
    ignore_result=True,
)
def send_invitation(membership_id: int, invited_by_id: int | None = None) -> bool:
    """E-mail the contact of `membership_id` its invitation (with a set-password link if it has none)."""
    return emails.send_invitation(membership_id=membership_id, invited_by_id=invited_by_id)
