"""`Idempotency-Key`: the first answer to a request, given again to each repeat of it.

A request with the header is answered once: what it does and the record of its answer (status and JSON
body) commit in one transaction, so a repeat with the same key and the same request gets the same
answer and changes nothing more, also when the two arrive at the same moment (the unique key makes the
second one roll back and read the first one's answer). A refusal is recorded too. The same key with
another request (another path or body) is refused with 422.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.errors import DomainError

from .models import ApiKey, IdempotencyRecord

HEADER = "Idempotency-Key"
# What ninja validates the header against (and the schema shows): 1 to 200 printable ASCII characters.
KEY_PATTERN = r"^[ -~]+$"
KEY_MAX_LENGTH = 200
KEPT_FOR = timedelta(hours=24)

KEY_REUSED = _("Deze Idempotency-Key is al gebruikt voor een ander verzoek. Gebruik een nieuwe sleutel.")


class KeyReused(DomainError):
    """The key came with another request before."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict


class _Raced(Exception):
    """Another request with the same key committed first."""


def fingerprint(*, method: str, path: str, body: dict) -> str:
    """SHA-256 of a request: its method, path and JSON body (whitespace and key order aside)."""
    text = json.dumps([method, path, body], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def answer_once(
    *, api_key: ApiKey, key: str | None, fingerprint: str, perform: Callable[[], Answer]
) -> tuple[Answer, bool]:
    """The answer to a request and whether it is a replay: `perform()` (which changes what it changes
    and answers, also a refusal, without raising) runs at most once per key of `api_key`."""
    if key is None:
        return perform(), False
    recorded = _recorded(api_key=api_key, key=key, fingerprint=fingerprint)
    if recorded is not None:
        return recorded, True
    try:
        with transaction.atomic():
            answer = perform()
            try:
                with transaction.atomic():
                    IdempotencyRecord.objects.create(
                        api_key=api_key,
                        key=key,
                        fingerprint=fingerprint,
                        status=answer.status,
                        body=answer.body,
                    )
            except IntegrityError:
                raise _Raced from None  # rolls back what perform() did
    except _Raced:
        recorded = _recorded(api_key=api_key, key=key, fingerprint=fingerprint)
        if recorded is None:  # pragma: no cover - the unique key was taken by a committed record
            raise
        return recorded, True
    return answer, False


def _recorded(*, api_key: ApiKey, key: str, fingerprint: str) -> Answer | None:
    record = IdempotencyRecord.objects.filter(api_key=api_key, key=key).first()
    if record is None:
        return None
    if record.fingerprint != fingerprint:
        raise KeyReused(KEY_REUSED)
    return Answer(status=record.status, body=record.body)


def purge_idempotency_records(*, now: datetime | None = None) -> int:
    """Deletes the records older than KEPT_FOR; returns how many."""
    cutoff = (now or timezone.now()) - KEPT_FOR
    deleted, _per_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
