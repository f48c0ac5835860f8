"""Licentietelling analyse laten opsturen: a contact asks for the analysis, a task e-mails it.

Only to the contact's own address, and at most REQUEST_LIMIT requests per contact per window.
"""

import logging
import tempfile

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.errors import DomainError
from portal.models import Membership

from .workbook import XLSX_CONTENT_TYPE, analysis_filename, build_workbook

logger = logging.getLogger(__name__)

# "Licentietelling analyse laten opsturen": at most this many requests per contact per window.
REQUEST_LIMIT = 5
REQUEST_WINDOW_SECONDS = 60 * 60

WRONG_ADDRESS = gettext_lazy(
    "Dit is niet het e-mailadres van uw eigen account. De analyse wordt alleen naar dat adres "
    "gestuurd; er is niets verstuurd."
)
TOO_MANY_REQUESTS = gettext_lazy(
    "U heeft het afgelopen uur al %(limit)s analyses aangevraagd. Probeer het over een uur opnieuw; "
    "er is nu niets verstuurd."
)
ON_ITS_WAY = gettext_lazy(
    "De licentietelling analyse is onderweg naar %(email)s. Het bestand komt binnen enkele minuten binnen."
)


class AnalysisRefused(DomainError):
    """A request for the analysis that is not carried out; the message is for the user."""


def request_analysis(*, membership: Membership, email: str) -> None:
    """Have the analysis e-mailed to the contact's own address; raises AnalysisRefused otherwise."""
    contact = membership.contact
    if email.strip().casefold() != contact.email.strip().casefold():
        raise AnalysisRefused(str(WRONG_ADDRESS))
    key = f"licensing:analysis-requests:{contact.id}"
    if not cache.add(key, 1, timeout=REQUEST_WINDOW_SECONDS):
        try:
            if cache.incr(key) > REQUEST_LIMIT:
                raise AnalysisRefused(TOO_MANY_REQUESTS % {"limit": REQUEST_LIMIT})
        except ValueError:
            # The window ended between add and incr: this request opens a new one.
            cache.add(key, 1, timeout=REQUEST_WINDOW_SECONDS)

    # The one import inside a function: the task calls send_analysis below.
    from .tasks import send_license_analysis

    contact_id, customer_id = contact.id, membership.customer_id
    transaction.on_commit(lambda: send_license_analysis.delay(contact_id, customer_id))


def send_analysis(*, contact_id: int, customer_id: int) -> bool:
    """Build the analysis and e-mail it to the contact's own address; False if no longer allowed."""
    membership = (
        Membership.objects.filter(contact_id=contact_id, customer_id=customer_id, customer__is_active=True)
        .select_related("customer", "contact__user")
        .first()
    )
    if membership is None or not membership.contact.email:
        logger.info("analysis for contact %s, customer %s not sent: no membership", contact_id, customer_id)
        return False
    customer, contact = membership.customer, membership.contact
    # In the language the contact chose in the menu; the task runs outside any request.
    with translation.override(contact.language or settings.LANGUAGE_CODE):
        _send(customer=customer, contact=contact)
    return True


def _send(*, customer, contact) -> None:
    message = EmailMessage(
        subject=_("Licentietelling analyse %(number)s %(name)s")
        % {"number": customer.number, "name": customer.name},
        body=render_to_string("licensing/email/analysis.txt", {"customer": customer, "contact": contact}),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[contact.email],
    )
    with tempfile.TemporaryFile() as handle:
        build_workbook(customer=customer, output=handle)
        handle.seek(0)
        message.attach(analysis_filename(customer), handle.read(), XLSX_CONTENT_TYPE)
    message.send()
