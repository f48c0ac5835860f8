"""Celery task of the license analysis: thin, takes ids and calls the delivery service."""

from celery import shared_task

from portal.tasks import EMAIL_RETRY

from .delivery import send_analysis


# The name it had before the move: queued messages and workers know the task by it.
@shared_task(
    name="licensing.tasks.send_license_analysis",
    **EMAIL_RETRY,
    ignore_result=True,
)
def send_license_analysis(contact_id: int, customer_id: int) -> bool:
    """Build the license analysis of `customer_id` and e-mail it to contact `contact_id`'s own address."""
    return send_analysis(contact_id=contact_id, customer_id=customer_id)
