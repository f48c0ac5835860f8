"""The e-mail outbox: e-mails about new warnings, written in the nightly job's transaction and sent
after commit by a task, each row locked while it is sent so two senders never both send it."""

import hashlib
from collections import defaultdict
from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _g

from portal.models import Customer, Membership, Role

from .models import OUTBOX_MAX_ATTEMPTS, DeviationCause, LicenseWarning, OutboxEmail, WarningKind


def send_outbox_after_commit() -> None:
    """Send the outbox once the current transaction commits (what it reports is in the database)."""
    transaction.on_commit(_send_outbox)


def _send_outbox() -> None:
    # Imported here: tasks imports this module (through runs and nightly). Handing work to the
    # subdomain's own tasks on commit is the one import loop allowed.
    from .tasks import send_outbox

    send_outbox.delay()


def queue_warning_emails(
    *, warnings: Sequence[LicenseWarning], recipients_of: dict[int, dict[str, str]]
) -> int:
    """One e-mail per customer and address about what newly opened, each in its reader's language.

    `recipients_of` maps a signal to its extra recipients' addresses and languages."""
    if not warnings:
        return 0
    by_customer: dict[int, list[LicenseWarning]] = defaultdict(list)
    for warning in warnings:
        by_customer[warning.customer_id].append(warning)
    beheerders: dict[int, set[str]] = defaultdict(set)
    language_of: dict[str, str] = {}
    for signal_recipients in recipients_of.values():
        language_of.update(signal_recipients)
    for customer_id, email, language in Membership.objects.filter(
        customer_id__in=by_customer, role=Role.BEHEERDER
    ).values_list("customer_id", "contact__user__email", "contact__language"):
        if email:
            beheerders[customer_id].add(email)
            language_of[email] = language
    numbers = dict(Customer.objects.filter(id__in=by_customer).values_list("id", "number"))
    link = settings.SITE_URL.rstrip("/") + reverse("licensing:warnings")
    emails = []
    for customer_id, found in by_customer.items():
        per_address: dict[str, list[LicenseWarning]] = defaultdict(list)
        for warning in found:
            addresses = set(beheerders[customer_id])
            if warning.kind == WarningKind.SIGNAL:
                addresses |= set(recipients_of.get(warning.signal_id, {}))
            for address in addresses:
                per_address[address].append(warning)
        for address, listed in sorted(per_address.items()):
            ids = ",".join(str(w.id) for w in sorted(listed, key=lambda w: w.id))
            digest = hashlib.sha256(f"{customer_id}|{address}|{ids}".encode()).hexdigest()
            with translation.override(language_of.get(address) or settings.LANGUAGE_CODE):
                emails.append(
                    OutboxEmail(
                        customer_id=customer_id,
                        to=address,
                        subject=_g("Licentieportaal: nieuwe meldingen voor klant %(number)s")
                        % {"number": numbers[customer_id]},
                        body=_email_body(listed, link=link),
                        dedupe_key=f"warnings:{customer_id}:{digest}",
                    )
                )
    return len(OutboxEmail.objects.bulk_create(emails, ignore_conflicts=True))


def _email_body(warnings: list[LicenseWarning], *, link: str) -> str:
    deviations = [w for w in warnings if w.kind == WarningKind.DEVIATION]
    others = [w for w in warnings if w.kind != WarningKind.DEVIATION]
    parts = [_g("Beste beheerder,"), ""]
    parts.append(_g("Bij het vernieuwen van de licentiegegevens vannacht is het volgende nieuw gevonden."))
    if deviations:
        parts += ["", _g("Afwijkingen, gevonden en gecorrigeerd:")]
        for warning in deviations:
            cause = DeviationCause(warning.cause).label if warning.cause else ""
            parts.append(f"- {warning.text}" + (f" ({_g('oorzaak')}: {cause})" if cause else ""))
    if others:
        parts += ["", _g("Nieuwe waarschuwingen:")]
        parts += [f"- {warning.get_kind_display()}: {warning.text}" for warning in others]
    parts += ["", _g("Bekijk alle afwijkingen en signalen in het portaal:"), link, "", _g("Licentieportaal")]
    return "\n".join(parts) + "\n"


def pending_emails():
    """The outbox's e-mails still to send: not sent, and not given up on after too many attempts."""
    return OutboxEmail.objects.filter(sent_at__isnull=True, attempts__lt=OUTBOX_MAX_ATTEMPTS)


def send_pending_emails(*, limit: int = 500) -> int:
    """Send what the outbox holds, each row locked while it is sent so two senders never both send it."""
    sent = 0
    skipped: list[int] = []
    for _attempt in range(limit):
        with transaction.atomic():
            email = (
                pending_emails()
                .select_for_update(skip_locked=True)
                .exclude(id__in=skipped)
                .order_by("id")
                .first()
            )
            if email is None:
                break
            message = EmailMessage(
                subject=email.subject,
                body=email.body,
                to=[email.to],
                headers={
                    "Message-ID": f"<{hashlib.sha256(email.dedupe_key.encode()).hexdigest()}@licentieportaal>"
                },
            )
            try:
                message.send()
            except OSError as exc:
                email.attempts += 1
                email.last_error = str(exc)[:2000]
                email.save(update_fields=["attempts", "last_error"])
                skipped.append(email.id)
                continue
            email.sent_at = timezone.now()
            email.attempts += 1
            email.save(update_fields=["sent_at", "attempts"])
            sent += 1
    return sent
