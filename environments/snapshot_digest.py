"""The content digest of a snapshot, and the import of one whose content is its environment's last
import: recognised before parsing, so that only `taken_at` is read and written.

The digest covers every byte of the snapshot but the value of its `taken_at` (and says where that
value stands), so a snapshot that differs from the last one in anything else, even in whitespace or
the order of its keys, is imported in full. In a snapshot that was valid, the first `"taken_at":`
followed by a string is the top-level key (a string cannot hold an unescaped quote, and unknown keys
are refused), so the same digest means: that valid snapshot with another `taken_at`, which is still
checked as any `taken_at` is.
"""

import hashlib
import json
import re
from dataclasses import replace

from .models import Environment
from .snapshot_messages import FORMAT_VERSION
from .snapshots import ParsedSnapshot, parse_snapshot

_TAKEN_AT = re.compile(rb'"taken_at"\s*:\s*("(?:[^"\\]|\\.)*")')
_ENVIRONMENT = re.compile(rb'"environment"\s*:\s*"([OTAD][0-9]{5}[A-Z]{2})"')


def content_digest(raw: bytes) -> str:
    """SHA-256 of `raw` without the value of `taken_at`, and its offset; "" when there is no taken_at."""
    found = _TAKEN_AT.search(raw)
    if found is None:
        return ""
    start, end = found.span(1)
    digest = hashlib.sha256(b"%d:" % start)
    digest.update(memoryview(raw)[:start])
    digest.update(memoryview(raw)[end:])
    return digest.hexdigest()


def unchanged_snapshot(
    raw: bytes, *, source_name: str, digest: str, known: Environment | None = None
) -> ParsedSnapshot | None:
    """The snapshot without its content (`unchanged`) when its environment's last import had this
    digest; None when it must be parsed in full. Its taken_at, format and environment code are
    checked as `parse_snapshot` checks them; import_snapshots checks the digest again under its lock.
    `known`: the environment as the caller just read it (the API's token): no query for it."""
    environment = _ENVIRONMENT.search(raw) if digest else None
    if environment is None:
        return None
    code = environment.group(1).decode()
    if known is not None and known.code == code:
        if known.data_digest != digest:
            return None
    elif not Environment.objects.filter(code=code, data_digest=digest).exists():
        return None
    try:
        taken_at = json.loads(_TAKEN_AT.search(raw).group(1))
    except ValueError:
        return None
    envelope = {"format": FORMAT_VERSION, "environment": code, "taken_at": taken_at}
    empty = {"users": [], "employees": [], "declarations": [], "clients": []}
    parsed = parse_snapshot({**envelope, **empty}, source_name=source_name)
    return replace(parsed, digest=digest, unchanged=True)
