"""Celery tasks: thin wrappers that take ids and call a service."""

from smtplib import SMTPException
from types import MappingProxyType

from celery import shared_task
from django.core.mail import EmailMultiAlternatives

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


@shared_task(**EMAIL_RETRY, ignore_result=True)
def send_email(
    subject: str, body: str, to: list[str], from_email: str | None = None, html: str | None = None
) -> None:
    """Send an e-mail rendered in the request (allauth's, portal.adapters.AccountAdapter.send_mail)."""
    message = EmailMultiAlternatives(subject, body, from_email, to)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


@shared_task(**EMAIL_RETRY, ignore_result=True)
def send_password_reset(email: str, language: str) -> int:
    """E-mail a reset link to the account of the typed `email`, if it has one (portal.emails)."""
    return emails.send_password_reset(email=email, language=language)
