"""The e-mail to the other Beheerders that a change waits for their approval."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from portal.models import Membership, Role

from .models import ChangeStatus, PendingChange


def send_pending_change_notice(*, pending_id: int) -> int:
    """E-mail every Beheerder of the customer but the requester, each in its own language; the number
    sent (0 when the change is no longer open by the time the task runs)."""
    pending = (
        PendingChange.objects.select_related("customer", "line")
        .filter(pk=pending_id, status=ChangeStatus.OPEN)
        .first()
    )
    if pending is None:
        return 0
    recipients = (
        Membership.objects.filter(customer_id=pending.customer_id, role=Role.BEHEERDER)
        .exclude(contact__user_id=pending.requested_by_user_id)
        .select_related("contact__user")
        .order_by("contact__user__email")
    )
    url = settings.SITE_URL.rstrip("/") + reverse("licensing:pending_changes") + f"#change-{pending.pk}"
    sent = 0
    for membership in recipients:
        contact = membership.contact
        if not contact.user.email:
            continue
        context = {"pending": pending, "contact": contact, "customer": pending.customer, "url": url}
        with translation.override(contact.language or settings.LANGUAGE_CODE):
            subject = render_to_string("approvals/email/pending_subject.txt", context).strip()
            body = render_to_string("approvals/email/pending_body.txt", context)
        send_mail(" ".join(subject.split()), body, None, [contact.user.email])
        sent += 1
    return sent
