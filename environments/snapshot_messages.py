"""What a refused snapshot says: the limits, every refusal text, and how a message shows what it quotes.

Messages name file, field and position; a value or file name they echo goes through `printable`, so
printing a refusal can never fail (a lone surrogate) or mislead (an escape sequence, a right-to-left
override). The validator in `environments.snapshots` and its reader use them; tests import them.
"""

from datetime import UTC, datetime, timedelta

from portal.errors import DomainError

from .vocabulary import UserKind

FORMAT_VERSION = 1
# A broken file of 100,000 users should not produce 100,000 lines; the first ones show the pattern.
MAX_ERRORS_KEPT = 100
MAX_ERRORS_SHOWN = 20
# No environment has data from before this; year 1 with a positive offset is even "timestamp too
# small" for PostgreSQL, and 9999 with a negative offset overflows Python's conversion to UTC.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
# Clocks of environments drift a little; a snapshot from further ahead would make every later one stale.
CLOCK_TOLERANCE = timedelta(minutes=10)
LOGIN_TOLERANCE = timedelta(days=1)
# Only `format` is a number. Longer ones are not converted (int() refuses more than 4,300 digits
# with a ValueError of its own); the field check refuses them like any value of the wrong type.
MAX_NUMBER_DIGITS = 20
# Where nesting passes this depth is named when the JSON decoder gives up; a snapshot has 3 levels.
MAX_DEPTH = 100
# A value echoed in a message is cut to SHOWN_LENGTH characters, a file name to SHOWN_NAME_LENGTH.
SHOWN_LENGTH = 60
SHOWN_NAME_LENGTH = 200
# Longer than any ISO-8601 date and time with offset; fromisoformat is not given more.
DATETIME_LENGTH = 40

TOO_LARGE = "larger than {max_bytes} bytes (the limit SNAPSHOT_MAX_BYTES), not read"
NOT_GZIP = "not valid gzip: {reason}"
NOT_UTF8 = "not UTF-8 text: invalid byte at position {position}"
NOT_UTF8_BUT_UTF16 = "not UTF-8 text: the file is UTF-16 or UTF-32, save it as UTF-8"
NOT_JSON = "not valid JSON: {detail}"
TOO_DEEP = "not valid JSON: nested more than {max} levels deep{where}"
DUPLICATE_KEY = 'not valid JSON: key "{key}" occurs twice in one object'
EXPECTED_OBJECT = "expected an object"
EXPECTED_LIST = "expected a list"
MISSING = "required field is missing"
UNKNOWN_FIELD = "unknown field"
UNSUPPORTED_FORMAT = "unsupported format {value}, expected 1"
EXPECTED_BOOLEAN = "expected true or false"
EXPECTED_STRING = "expected a string"
EMPTY = "must not be empty"
SURROUNDING_SPACE = "must not start or end with a space"
CONTROL_CHARACTER = "must not contain control characters ({character} at character {position})"
LONE_SURROGATE = "not valid Unicode: lone surrogate {character} at character {position}"
TOO_LONG = "longer than {max} characters"
EXPECTED_DATETIME = "expected an ISO-8601 date and time with a UTC offset, like 2026-11-28T00:45:00+01:00"
TOO_EARLY = "{value} lies before 2000-01-01"
IN_THE_FUTURE = "snapshot taken at {value} lies in the future"
LOGIN_IN_THE_FUTURE = "{value} lies more than a day in the future"
EXPECTED_GUID = "expected a GUID like 6f1c2d3e-0000-4000-8000-000000000001"
EXPECTED_KIND = "expected one of " + ", ".join(UserKind.values)
EXPECTED_EMAIL = "expected an e-mail address"
EXPECTED_ENVIRONMENT_CODE = "expected an environment code like O12345AA"
DUPLICATE = '"{value}" occurs more than once, also at {other} (case-insensitive)'
UNKNOWN_EMPLOYEE = "no employee with GUID {value} in this snapshot"
MORE_ERRORS = "... and {count} more problems"


def printable(text: str, limit: int = SHOWN_LENGTH) -> str:
    """`text` as a message may show it: at most `limit` characters, and each character that is not
    printable (controls, lone surrogates, format characters such as a right-to-left override, spaces
    other than " ") as an escape like \\x00 or \\ud800, so printing a refusal can never fail or mislead."""
    shown = "".join(char if char.isprintable() else escape_character(char) for char in text[:limit])
    return shown + "..." if len(text) > limit else shown


def escape_character(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


class SnapshotError(DomainError):
    """A refused snapshot. `message` names file, field and position; `errors` lists every problem.

    `fields` holds the same problems as (field, message) pairs without the file's name, the field
    "" for the snapshot as a whole: what the API answers as its problem document's `errors`.
    """

    def __init__(
        self,
        message: str,
        *,
        errors: list[str] | None = None,
        total: int | None = None,
        fields: list[tuple[str, str]] | None = None,
    ):
        errors = errors if errors is not None else [message]
        fields = fields if fields is not None else [("", message)]
        # Problems found, also those beyond the MAX_ERRORS_KEPT in `errors`.
        super().__init__(
            message, errors=errors, total=total if total is not None else len(errors), fields=fields
        )
        self.errors = self.details["errors"]
        self.total = self.details["total"]
        self.fields = self.details["fields"]

    @classmethod
    def from_errors(
        cls, errors: list[str], total: int | None = None, fields: list[tuple[str, str]] | None = None
    ) -> "SnapshotError":
        return cls(format_errors(errors, total), errors=errors, total=total, fields=fields)


class SnapshotTooLarge(SnapshotError):
    """More than SNAPSHOT_MAX_BYTES (after decompression): the API answers 413."""

    status = 413


class StaleSnapshot(SnapshotError):
    """Older than the data it would replace (and refused for nothing else): the API answers 409."""

    status = 409


def format_errors(errors: list[str], total: int | None = None) -> str:
    total = len(errors) if total is None else total
    shown = errors[:MAX_ERRORS_SHOWN]
    if total > len(shown):
        shown.append(MORE_ERRORS.format(count=total - len(shown)))
    return "\n".join(shown)


def shown_source(source_name: str) -> str:
    return printable(source_name, SHOWN_NAME_LENGTH)
