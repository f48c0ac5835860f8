"""Celery tasks: thin wrappers that take ids and call a service."""

from smtplib import SMTPException
from types import MappingProxyType

from celery import shared_task

from . import emails

# The retry options of every task that sends e-mail: a mail server or network hiccup is retried with
# exponential backoff (a random delay up to 1 s, 2 s, 4 s, ...), at most five times.
EMAIL_RETRY = MappingProxyType(
    {"autoretry_for": (SMTPException, ConnectionError, TimeoutError), "retry_backoff": True, "max_retries": 5}
)


@shared_task(
    **EMAIL_RETRY,
    ignore_result=True,
)
def send_invitation(membership_id: int, invited_by_id: int | None = None) -> bool:
    """E-mail the contact of `membership_id` its invitation (with a set-password link if it has none)."""
    return emails.send_invitation(membership_id=membership_id, invited_by_id=invited_by_id)
