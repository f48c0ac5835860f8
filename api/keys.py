"""The key format, its digest, and checking a key that comes in.

A key reads `lp_key_…` (an API key) or `lp_env_…` (an environment token): the `lp_` prefix lets a
secret scanner spot a leaked one, then 32 random bytes in base62 (43 characters, 256 bits) and a
checksum of 6 base62 characters (CRC32 of everything before it). A typo or a truncated copy fails
the checksum before any database lookup; CRC32 catches every change of one character.

Only the SHA-256 digest is stored. A key is looked up by its digest and compared in constant time;
a revoked, expired, unknown or malformed key all come back as None, so the API answers them alike.
"""

import hashlib
import hmac
import re
import secrets
import zlib
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from .models import ApiKey, Credential, EnvironmentToken

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
RANDOM_BYTES = 32
BODY_LENGTH = 43  # 62**43 > 2**256: every 32-byte value fits
CHECKSUM_LENGTH = 6  # 62**6 > 2**32: every CRC32 fits
PREFIX_LENGTH = 8  # characters of the body shown to tell keys apart

API_KEY = "key"
ENVIRONMENT_TOKEN = "env"
KINDS = (API_KEY, ENVIRONMENT_TOKEN)
KEY_RE = re.compile(rf"lp_(key|env)_([0-9A-Za-z]{{{BODY_LENGTH}}})([0-9A-Za-z]{{{CHECKSUM_LENGTH}}})")
KEY_LENGTH = len("lp_key_") + BODY_LENGTH + CHECKSUM_LENGTH

# A request counts as use; the time of it is written at most this often per key.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def base62(number: int, width: int) -> str:
    """`number` in base62, left-padded with zeros to `width` characters."""
    digits = []
    while number:
        number, digit = divmod(number, 62)
        digits.append(ALPHABET[digit])
    return "".join(reversed(digits)).rjust(width, ALPHABET[0])


def checksum(text: str) -> str:
    return base62(zlib.crc32(text.encode("ascii")), CHECKSUM_LENGTH)


def generate(kind: str) -> str:
    """A new key of `kind` (API_KEY or ENVIRONMENT_TOKEN)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of key: {kind!r}")
    body = base62(int.from_bytes(secrets.token_bytes(RANDOM_BYTES), "big"), BODY_LENGTH)
    head = f"lp_{kind}_{body}"
    return head + checksum(head)


def kind_of(key: str) -> str | None:
    """The kind of a well-formed key whose checksum holds; None for anything else."""
    match = KEY_RE.fullmatch(key) if isinstance(key, str) and len(key) == KEY_LENGTH else None
    if match is None:
        return None
    head = key[:-CHECKSUM_LENGTH]
    if not hmac.compare_digest(checksum(head), match.group(3)):
        return None
    return match.group(1)


def digest(key: str) -> str:
    """The SHA-256 hex digest: the only form in which a key is stored."""
    return hashlib.sha256(key.encode("ascii")).hexdigest()


def display_prefix(key: str) -> str:
    """The start of a key that the portal shows (`lp_key_AbCdEfGh`); it gives nothing away."""
    return key[: len("lp_key_") + PREFIX_LENGTH]


def _lookup(model: type[Credential], key: str, kind: str, queryset) -> Credential | None:
    if kind_of(key) != kind:
        return None
    wanted = digest(key)
    found = queryset.filter(digest=wanted).first()
    # The lookup is by equality already; comparing again in constant time keeps a timing difference
    # in the index out of the answer.
    if found is None or not hmac.compare_digest(found.digest, wanted):
        return None
    now = timezone.now()
    if not found.is_usable(now):
        return None
    _touch(model, found, now)
    return found


def _touch(model: type[Credential], credential: Credential, now) -> None:
    """Note the use: nothing when the row just read says it was noted in the last minute, else one
    conditional UPDATE (which writes nothing when another request noted it meanwhile)."""
    if credential.last_used_at is not None and credential.last_used_at > now - LAST_USED_RESOLUTION:
        return
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_RESOLUTION)
    if model.objects.filter(stale, pk=credential.pk).update(last_used_at=now):
        credential.last_used_at = now


def verify_api_key(key: str) -> ApiKey | None:
    """The API key `key` is, if it is one that may be used now (its customer active); None otherwise."""
    queryset = ApiKey.objects.select_related("customer").filter(customer__is_active=True)
    return _lookup(ApiKey, key, API_KEY, queryset)


def verify_environment_token(key: str) -> EnvironmentToken | None:
    """The environment token `key` is, if it may be used now (its environment and customer active)."""
    queryset = EnvironmentToken.objects.select_related("environment__customer").filter(
        environment__is_active=True, environment__customer__is_active=True
    )
    return _lookup(EnvironmentToken, key, ENVIRONMENT_TOKEN, queryset)
