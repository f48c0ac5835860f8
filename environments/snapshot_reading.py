"""Reading a snapshot: its bytes, never more than the limit, and its JSON, never a traceback.

JSON that Python would choke on is refused here with a message: numbers too long to convert (kept as
`LongNumber` so the validator can name the field), keys twice in one object, nesting too deep.
"""

import gzip
import json
import os
import re
import zlib
from collections.abc import Callable
from typing import Any, BinaryIO

from django.conf import settings

from .snapshot_messages import (
    DUPLICATE_KEY,
    MAX_DEPTH,
    MAX_NUMBER_DIGITS,
    NOT_GZIP,
    NOT_JSON,
    NOT_UTF8,
    NOT_UTF8_BUT_UTF16,
    TOO_DEEP,
    TOO_LARGE,
    SnapshotError,
    SnapshotTooLarge,
    printable,
    shown_source,
)

# A JSON string (skipped whole; one left open runs to the end, so the scan stays linear) or a
# bracket: enough to find where the nesting gets too deep.
_NESTING_RE = re.compile(r'"(?:[^"\\]|\\.?)*(?:"|\Z)|[\[\]{}]', re.DOTALL)


def read_snapshot(
    stream: BinaryIO, *, source_name: str, gzipped: bool = False, max_bytes: int | None = None
) -> bytes:
    """The bytes of one snapshot from an open file, standard input or a request, never more than
    `max_bytes`; when `gzipped`, the stream is gzip and the limit holds for what it decompresses to.

    Raises SnapshotTooLarge when there are more than `max_bytes` (default SNAPSHOT_MAX_BYTES): a
    regular file is refused by its size, a pipe after reading `max_bytes` + 1 bytes, so memory stays
    bounded; gzip is decompressed only up to `max_bytes` + 1 bytes, so a small bomb never expands
    further. SnapshotError for gzip that does not decompress. An OSError of the read itself is left
    to the caller.
    """
    max_bytes = settings.SNAPSHOT_MAX_BYTES if max_bytes is None else max_bytes
    shown = shown_source(source_name)
    refusal = f"{shown}: {TOO_LARGE.format(max_bytes=max_bytes)}"
    try:
        size = os.fstat(stream.fileno()).st_size
    except (AttributeError, OSError, ValueError):
        size = 0  # not a file descriptor (an in-memory stream, a request): the bounded read decides
    # The limit holds for the bytes sent as well as for what they decompress to.
    if size > max_bytes:
        raise SnapshotTooLarge(refusal, fields=[("", TOO_LARGE.format(max_bytes=max_bytes))])
    if gzipped:
        try:
            # GzipFile.read(n) decompresses at most n bytes of output (and reads its input in chunks).
            with gzip.GzipFile(fileobj=stream, mode="rb") as unzipped:
                raw = unzipped.read(max_bytes + 1)
        except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
            message = NOT_GZIP.format(reason=printable(str(exc) or type(exc).__name__))
            raise SnapshotError(f"{shown}: {message}", fields=[("", message)]) from None
    else:
        raw = stream.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise SnapshotTooLarge(refusal, fields=[("", TOO_LARGE.format(max_bytes=max_bytes))])
    return raw


class _DuplicateKey(Exception):
    def __init__(self, key: str):
        self.key = key


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict:
    result = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


class LongNumber:
    """A JSON number with more than MAX_NUMBER_DIGITS characters, left unconverted."""

    __slots__ = ("digits",)

    def __init__(self, digits: int):
        self.digits = digits


def _parse_int(text: str) -> int | LongNumber:
    return int(text) if len(text) <= MAX_NUMBER_DIGITS else LongNumber(len(text))


def _parse_float(text: str) -> float | LongNumber:
    return float(text) if len(text) <= MAX_NUMBER_DIGITS else LongNumber(len(text))


def describe(value: Any) -> str:
    """A short, printable rendering of any decoded JSON value, for a message that echoes one."""
    if isinstance(value, LongNumber):
        return f"(a number of {value.digits} characters)"
    if isinstance(value, bool | float) or value is None:
        return json.dumps(value)
    if isinstance(value, int):
        # str() of a huge int is slow and, past 4,300 digits, refused.
        return str(value) if value.bit_length() <= 64 else "(a number of more than 20 digits)"
    if isinstance(value, str):
        return f'"{printable(value)}"'
    if isinstance(value, list):
        return "(a list)"
    if isinstance(value, dict):
        return "(an object)"
    return f"(a {type(value).__name__})"


def _position(text: str, index: int) -> str:
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return f"line {line} column {column} (char {index})"


def _too_deep_at(text: str) -> int | None:
    """The index of the first bracket nested deeper than MAX_DEPTH, if any."""
    depth = 0
    for match in _NESTING_RE.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return match.start()
        elif token in "]}":
            depth -= 1
    return None


def decode(raw: bytes | bytearray | str, *, max_bytes: int, refuse: Callable[[str], SnapshotError]) -> Any:
    """The decoded JSON of one snapshot, or `refuse(message)` raised for bytes or text that is too large,
    not UTF-8, not JSON, with a key twice in one object, or nested too deeply."""
    # Before decoding: a str has at least one byte per character.
    if len(raw) > max_bytes:
        raise refuse(TOO_LARGE.format(max_bytes=max_bytes))
    if isinstance(raw, bytes | bytearray):
        # A byte order mark of UTF-16 or UTF-32, or a NUL byte next to the first character.
        if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in raw[:2]:
            raise refuse(NOT_UTF8_BUT_UTF16)
        try:
            raw = bytes(raw).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise refuse(NOT_UTF8.format(position=exc.start)) from None
    try:
        return json.loads(
            raw, object_pairs_hook=_no_duplicate_keys, parse_int=_parse_int, parse_float=_parse_float
        )
    except _DuplicateKey as exc:
        raise refuse(DUPLICATE_KEY.format(key=printable(exc.key))) from None
    except json.JSONDecodeError as exc:
        raise refuse(NOT_JSON.format(detail=exc)) from None
    except RecursionError:
        index = _too_deep_at(raw)
        where = "" if index is None else f" at {_position(raw, index)}"
        raise refuse(TOO_DEEP.format(max=MAX_DEPTH, where=where)) from None
