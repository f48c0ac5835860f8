"""The snapshot format of DESIGN.md "Environment data in": parsing and validation, no database.

`parse_snapshot` turns one snapshot (JSON bytes or an already decoded object) into a
`ParsedSnapshot`, or raises `SnapshotError` naming the file, the field and its position for every
problem, e.g. ``O12345AA.json: users[3].profit: expected true or false``. Positions count from 0,
as in the JSON array. What needs the database (does the environment exist, is the data stale)
is checked by `environments.services.import_snapshots`.

This is the one place that refuses hostile input, for the command and the API alike: more than
SNAPSHOT_MAX_BYTES (`read_snapshot` never reads more), text that is not UTF-8, JSON nested too
deeply or with numbers too long to convert, dates before 2000 or in the future, lone surrogates and
control characters. Every message is safe to print: a value it echoes goes through `printable`.
"""

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from .models import ENVIRONMENT_CODE_RE, Client, Declaration, Employee, EnvironmentUser
from .snapshot_messages import (
    CLOCK_TOLERANCE,
    CONTROL_CHARACTER,
    DATETIME_LENGTH,
    DUPLICATE,
    EARLIEST,
    EMPTY,
    EXPECTED_BOOLEAN,
    EXPECTED_DATETIME,
    EXPECTED_EMAIL,
    EXPECTED_ENVIRONMENT_CODE,
    EXPECTED_GUID,
    EXPECTED_KIND,
    EXPECTED_LIST,
    EXPECTED_OBJECT,
    EXPECTED_STRING,
    FORMAT_VERSION,
    IN_THE_FUTURE,
    LOGIN_IN_THE_FUTURE,
    LOGIN_TOLERANCE,
    LONE_SURROGATE,
    MAX_ERRORS_KEPT,
    MISSING,
    SURROUNDING_SPACE,
    TOO_EARLY,
    TOO_LONG,
    UNKNOWN_EMPLOYEE,
    UNKNOWN_FIELD,
    UNSUPPORTED_FORMAT,
    SnapshotError,
    escape_character,
    printable,
    shown_source,
)
from .snapshot_reading import decode, describe
from .vocabulary import UserKind

GUID_RE = re.compile(r"\A[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
SURROGATE_RE = re.compile("[\ud800-\udfff]")
# Codes, e-mail addresses and dates: no control character at all (C0, DEL, C1).
CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f]")
# Free text (names, an employee's kind): the same, except that tab, line feed and carriage return
# are text. A name starting with "=", "+", "-", "@", a tab or a CR is a legal name; what shows it
# (pages, e-mail, the Excel analysis) writes it as text.
TEXT_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
USER_KINDS = frozenset(UserKind.values)


@dataclass(frozen=True, slots=True)
class SnapshotUser:
    code: str
    profit: bool
    insite: bool
    outsite: bool
    blocked: bool
    name: str = ""
    email: str = ""
    kind: str = UserKind.PERSON.value
    last_login: datetime | None = None
    employee: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class SnapshotEmployee:
    guid: uuid.UUID
    in_service: bool
    name: str = ""
    kind: str = ""


@dataclass(frozen=True, slots=True)
class SnapshotDeclaration:
    number: str


@dataclass(frozen=True, slots=True)
class SnapshotClient:
    code: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class ParsedSnapshot:
    source_name: str
    environment: str
    taken_at: datetime
    users: tuple[SnapshotUser, ...]
    employees: tuple[SnapshotEmployee, ...]
    declarations: tuple[SnapshotDeclaration, ...]
    clients: tuple[SnapshotClient, ...]
    digest: str = ""  # of the bytes it was read from (snapshot_digest); "" for a decoded object
    unchanged: bool = False  # its environment's last import had this digest: the content is left out


_INVALID = object()


def _max_length(model, field: str) -> int:
    return model._meta.get_field(field).max_length


USER_CODE_LENGTH = _max_length(EnvironmentUser, "code")
USER_NAME_LENGTH = _max_length(EnvironmentUser, "name")
EMAIL_LENGTH = _max_length(EnvironmentUser, "email")
EMPLOYEE_NAME_LENGTH = _max_length(Employee, "name")
EMPLOYEE_KIND_LENGTH = _max_length(Employee, "kind")
DECLARATION_NUMBER_LENGTH = _max_length(Declaration, "number")
CLIENT_CODE_LENGTH = _max_length(Client, "code")
CLIENT_NAME_LENGTH = _max_length(Client, "name")


class _Parser:
    def __init__(self, source_name: str, *, now: datetime, max_bytes: int):
        self.source_name = shown_source(source_name)
        self.now = now
        self.max_bytes = max_bytes
        self.errors: list[str] = []
        self.fields: list[tuple[str, str]] = []
        self.total = 0

    def error(self, path: str, message: str) -> object:
        self.total += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(
                f"{self.source_name}: {path}: {message}" if path else f"{self.source_name}: {message}"
            )
            self.fields.append((path, message))
        return _INVALID

    def refuse(self, message: str) -> SnapshotError:
        return SnapshotError(f"{self.source_name}: {message}", fields=[("", message)])

    def refusal(self) -> SnapshotError:
        return SnapshotError.from_errors(self.errors, self.total, self.fields)

    # Field checks: return the clean value, or _INVALID after recording the problem.

    def boolean(self, value, path):
        return value if isinstance(value, bool) else self.error(path, EXPECTED_BOOLEAN)

    def text(self, value, path, *, max_length: int, code: bool = False, controls=TEXT_CONTROL_RE):
        """A string; `code`: also not empty, no surrounding space and no control character at all."""
        if not isinstance(value, str):
            return self.error(path, EXPECTED_STRING)
        # Codes are stored lower-cased too, and lower() can grow a string ("İ" becomes two characters).
        if len(value) > max_length or (code and len(value.lower()) > max_length):
            return self.error(path, TOO_LONG.format(max=max_length))
        if found := SURROGATE_RE.search(value):
            return self.error(
                path, LONE_SURROGATE.format(character=escape_character(found.group()), position=found.start())
            )
        if code:
            if not value:
                return self.error(path, EMPTY)
            if value != value.strip():
                return self.error(path, SURROUNDING_SPACE)
            controls = CONTROL_RE
        if found := controls.search(value):
            return self.error(
                path,
                CONTROL_CHARACTER.format(character=escape_character(found.group()), position=found.start()),
            )
        return value

    def moment(self, value, path, *, latest: datetime, too_late: str):
        if not isinstance(value, str) or len(value) > DATETIME_LENGTH or not value.isascii():
            return self.error(path, EXPECTED_DATETIME)
        # fromisoformat stops reading at a NUL: "2026-11-28T00:45:00\x00junk" would pass.
        if CONTROL_RE.search(value):
            return self.error(path, EXPECTED_DATETIME)
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return self.error(path, EXPECTED_DATETIME)
        if moment.tzinfo is None or moment.utcoffset() is None:
            return self.error(path, EXPECTED_DATETIME)
        # Comparing aware datetimes never converts them, so even 9999-12-31T23:59:59-23:59 (past
        # year 9999 in UTC) is compared safely; inside the window every conversion works.
        if moment < EARLIEST:
            return self.error(path, TOO_EARLY.format(value=moment.isoformat()))
        if moment > latest:
            return self.error(path, too_late.format(value=moment.isoformat()))
        return moment

    def taken_at(self, value, path):
        return self.moment(value, path, latest=self.now + CLOCK_TOLERANCE, too_late=IN_THE_FUTURE)

    def last_login(self, value, path):
        return self.moment(value, path, latest=self.now + LOGIN_TOLERANCE, too_late=LOGIN_IN_THE_FUTURE)

    def guid(self, value, path):
        if not isinstance(value, str) or not GUID_RE.match(value):
            return self.error(path, EXPECTED_GUID)
        return uuid.UUID(value)

    def kind(self, value, path):
        return value if isinstance(value, str) and value in USER_KINDS else self.error(path, EXPECTED_KIND)

    def email(self, value, path):
        value = self.text(value, path, max_length=EMAIL_LENGTH, controls=CONTROL_RE)
        if value is _INVALID or value == "":
            return value
        try:
            validate_email(value)
        except ValidationError:
            return self.error(path, EXPECTED_EMAIL)
        return value

    def record(
        self, obj, path: str, fields: dict[str, tuple[Callable[[Any, str], Any], bool]]
    ) -> dict | None:
        """Checks one JSON object against its fields {name: (check, required)}; None when invalid.

        A missing or null optional field is left out, so the dataclass default applies.
        """
        if not isinstance(obj, dict):
            self.error(path, EXPECTED_OBJECT)
            return None
        valid = True
        for key in obj:
            if key not in fields:
                shown = printable(str(key)) or '""'  # an empty key, made visible
                self.error(f"{path}.{shown}" if path else shown, UNKNOWN_FIELD)
                valid = False
        clean = {}
        for key, (check, required) in fields.items():
            field_path = f"{path}.{key}" if path else key
            if key not in obj or (obj[key] is None and not required):
                if required:
                    self.error(field_path, MISSING)
                    valid = False
                continue
            value = check(obj[key], field_path)
            if value is _INVALID:
                valid = False
            else:
                clean[key] = value
        return clean if valid else None

    def records(self, data: dict, key: str, fields, build) -> list:
        items = data.get(key)
        if not isinstance(items, list):
            return []  # reported by the top-level record check
        result = []
        for position, obj in enumerate(items):
            clean = self.record(obj, f"{key}[{position}]", fields)
            result.append(build(**clean) if clean is not None else None)
        return result

    def unique(self, key: str, items: list, value_of: Callable[[Any], Any], field: str) -> None:
        seen: dict[Any, int] = {}
        for position, item in enumerate(items):
            if item is None:
                continue
            value = value_of(item)
            if value in seen:
                self.error(
                    f"{key}[{position}].{field}",
                    DUPLICATE.format(
                        value=printable(str(getattr(item, field))), other=f"{key}[{seen[value]}]"
                    ),
                )
            else:
                seen[value] = position

    def parse(self, data: Any) -> ParsedSnapshot:
        if isinstance(data, bytes | bytearray | str):
            data = decode(data, max_bytes=self.max_bytes, refuse=self.refuse)

        def code_text(length):
            return lambda value, path: self.text(value, path, max_length=length, code=True)

        def plain_text(length):
            return lambda value, path: self.text(value, path, max_length=length)

        def a_list(value, path):
            return value if isinstance(value, list) else self.error(path, EXPECTED_LIST)

        top = self.record(
            data,
            "",
            {
                "format": (self.format_version, True),
                "environment": (self.environment_code, True),
                "taken_at": (self.taken_at, True),
                "users": (a_list, True),
                "employees": (a_list, True),
                "declarations": (a_list, True),
                "clients": (a_list, True),
            },
        )
        if not isinstance(data, dict):
            raise self.refusal()
        users = self.records(
            data,
            "users",
            {
                "code": (code_text(USER_CODE_LENGTH), True),
                "name": (plain_text(USER_NAME_LENGTH), False),
                "email": (self.email, False),
                "profit": (self.boolean, True),
                "insite": (self.boolean, True),
                "outsite": (self.boolean, True),
                "blocked": (self.boolean, True),
                "kind": (self.kind, False),
                "last_login": (self.last_login, False),
                "employee": (self.guid, False),
            },
            SnapshotUser,
        )
        employees = self.records(
            data,
            "employees",
            {
                "guid": (self.guid, True),
                "name": (plain_text(EMPLOYEE_NAME_LENGTH), False),
                "in_service": (self.boolean, True),
                "kind": (plain_text(EMPLOYEE_KIND_LENGTH), False),
            },
            SnapshotEmployee,
        )
        declarations = self.records(
            data,
            "declarations",
            {"number": (code_text(DECLARATION_NUMBER_LENGTH), True)},
            SnapshotDeclaration,
        )
        clients = self.records(
            data,
            "clients",
            {
                "code": (code_text(CLIENT_CODE_LENGTH), True),
                "name": (plain_text(CLIENT_NAME_LENGTH), False),
            },
            SnapshotClient,
        )
        self.unique("users", users, lambda user: user.code.lower(), "code")
        self.unique("employees", employees, lambda employee: employee.guid, "guid")
        self.unique("declarations", declarations, lambda declaration: declaration.number.lower(), "number")
        self.unique("clients", clients, lambda client: client.code.lower(), "code")
        guids = {employee.guid for employee in employees if employee is not None}
        for position, user in enumerate(users):
            if user is not None and user.employee is not None and user.employee not in guids:
                self.error(f"users[{position}].employee", UNKNOWN_EMPLOYEE.format(value=user.employee))
        if self.errors or top is None:
            raise self.refusal()
        return ParsedSnapshot(
            source_name=self.source_name,
            environment=top["environment"],
            taken_at=top["taken_at"],
            users=tuple(users),
            employees=tuple(employees),
            declarations=tuple(declarations),
            clients=tuple(clients),
        )

    def format_version(self, value, path):
        # `true == 1` in Python, so the type is checked exactly.
        if type(value) is not int or value != FORMAT_VERSION:
            return self.error(path, UNSUPPORTED_FORMAT.format(value=describe(value)))
        return value

    def environment_code(self, value, path):
        if not isinstance(value, str) or not re.fullmatch(ENVIRONMENT_CODE_RE, value):
            return self.error(path, EXPECTED_ENVIRONMENT_CODE)
        return value


def parse_snapshot(
    data: dict | bytes | str,
    *,
    source_name: str,
    now: datetime | None = None,
    max_bytes: int | None = None,
) -> ParsedSnapshot:
    """One snapshot, validated completely; raises SnapshotError naming every problem found.

    `now` (default: the current time) bounds the dates; `max_bytes` (default SNAPSHOT_MAX_BYTES)
    the size of bytes or text. A decoded object is not measured: its reader bounds what it reads.
    """
    return _Parser(
        source_name,
        now=now or timezone.now(),
        max_bytes=settings.SNAPSHOT_MAX_BYTES if max_bytes is None else max_bytes,
    ).parse(data)
