"""The snapshot format of DESIGN.md "Environment data in": parsing and validation, no database.

`parse_snapshot` turns one snapshot (JSON bytes or an already decoded object) into a
`ParsedSnapshot`, or raises `SnapshotError` naming the file, the field and its position for every
problem, e.g. ``O12345AA.json: users[3].profit: expected true or false``. Positions count from 0,
as in the JSON array. What needs the database (does the environment exist, is the data stale)
is checked by `environments.services.import_snapshots`.
"""

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from .models import ENVIRONMENT_CODE_RE, Client, Declaration, Employee, EnvironmentUser, UserKind

FORMAT_VERSION = 1
# A broken file of 100,000 users should not produce 100,000 lines; the first ones show the pattern.
MAX_ERRORS_KEPT = 100
MAX_ERRORS_SHOWN = 20

NOT_UTF8 = "not UTF-8 text"
NOT_JSON = "not valid JSON: {detail}"
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
CONTROL_CHARACTER = "must not contain control characters"
TOO_LONG = "longer than {max} characters"
EXPECTED_DATETIME = "expected an ISO-8601 date and time with a UTC offset, like 2026-11-28T00:45:00+01:00"
EXPECTED_GUID = "expected a GUID like 6f1c2d3e-0000-4000-8000-000000000001"
EXPECTED_KIND = "expected one of " + ", ".join(UserKind.values)
EXPECTED_EMAIL = "expected an e-mail address"
EXPECTED_ENVIRONMENT_CODE = "expected an environment code like O12345AA"
DUPLICATE = '"{value}" occurs more than once, also at {other} (case-insensitive)'
UNKNOWN_EMPLOYEE = "no employee with GUID {value} in this snapshot"
MORE_ERRORS = "... and {count} more problems"

GUID_RE = re.compile(r"\A[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
USER_KINDS = frozenset(UserKind.values)


class SnapshotError(Exception):
    """A refused snapshot. `message` names file, field and position; `errors` lists every problem."""

    def __init__(self, message: str, *, errors: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors if errors is not None else [message]

    @classmethod
    def from_errors(cls, errors: list[str]) -> "SnapshotError":
        return cls(format_errors(errors), errors=errors)


def format_errors(errors: list[str]) -> str:
    shown = errors[:MAX_ERRORS_SHOWN]
    if len(errors) > MAX_ERRORS_SHOWN:
        shown.append(MORE_ERRORS.format(count=len(errors) - MAX_ERRORS_SHOWN))
    return "\n".join(shown)


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


class _Parser:
    def __init__(self, source_name: str):
        self.source_name = source_name
        self.errors: list[str] = []

    def error(self, path: str, message: str) -> object:
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(
                f"{self.source_name}: {path}: {message}" if path else f"{self.source_name}: {message}"
            )
        return _INVALID

    # Field checks: return the clean value, or _INVALID after recording the problem.

    def boolean(self, value, path):
        return value if isinstance(value, bool) else self.error(path, EXPECTED_BOOLEAN)

    def text(self, value, path, *, max_length: int, code: bool = False):
        if not isinstance(value, str):
            return self.error(path, EXPECTED_STRING)
        if len(value) > max_length:
            return self.error(path, TOO_LONG.format(max=max_length))
        if code:
            if not value:
                return self.error(path, EMPTY)
            if value != value.strip():
                return self.error(path, SURROUNDING_SPACE)
            if CONTROL_RE.search(value):
                return self.error(path, CONTROL_CHARACTER)
        elif "\x00" in value:
            return self.error(path, CONTROL_CHARACTER)
        return value

    def moment(self, value, path):
        if not isinstance(value, str):
            return self.error(path, EXPECTED_DATETIME)
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return self.error(path, EXPECTED_DATETIME)
        if moment.tzinfo is None or moment.utcoffset() is None:
            return self.error(path, EXPECTED_DATETIME)
        return moment

    def guid(self, value, path):
        if not isinstance(value, str) or not GUID_RE.match(value):
            return self.error(path, EXPECTED_GUID)
        return uuid.UUID(value)

    def kind(self, value, path):
        return value if isinstance(value, str) and value in USER_KINDS else self.error(path, EXPECTED_KIND)

    def email(self, value, path):
        value = self.text(value, path, max_length=EMAIL_LENGTH)
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
                self.error(f"{path}.{key}" if path else key, UNKNOWN_FIELD)
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
                    DUPLICATE.format(value=getattr(item, field), other=f"{key}[{seen[value]}]"),
                )
            else:
                seen[value] = position

    def parse(self, data: Any) -> ParsedSnapshot:
        if isinstance(data, bytes | bytearray | str):
            data = self.decode(data)

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
                "taken_at": (self.moment, True),
                "users": (a_list, True),
                "employees": (a_list, True),
                "declarations": (a_list, True),
                "clients": (a_list, True),
            },
        )
        if not isinstance(data, dict):
            raise SnapshotError.from_errors(self.errors)
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
                "last_login": (self.moment, False),
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
            raise SnapshotError.from_errors(self.errors)
        return ParsedSnapshot(
            source_name=self.source_name,
            environment=top["environment"],
            taken_at=top["taken_at"],
            users=tuple(users),
            employees=tuple(employees),
            declarations=tuple(declarations),
            clients=tuple(clients),
        )

    def decode(self, raw: bytes | bytearray | str) -> Any:
        if isinstance(raw, bytes | bytearray):
            try:
                raw = bytes(raw).decode("utf-8-sig")
            except UnicodeDecodeError:
                raise SnapshotError(f"{self.source_name}: {NOT_UTF8}") from None
        try:
            return json.loads(raw, object_pairs_hook=_no_duplicate_keys)
        except _DuplicateKey as exc:
            raise SnapshotError(f"{self.source_name}: {DUPLICATE_KEY.format(key=exc.key)}") from None
        except json.JSONDecodeError as exc:
            raise SnapshotError(f"{self.source_name}: {NOT_JSON.format(detail=exc)}") from None

    def format_version(self, value, path):
        # `true == 1` in Python, so the type is checked exactly.
        if type(value) is not int or value != FORMAT_VERSION:
            return self.error(path, UNSUPPORTED_FORMAT.format(value=json.dumps(value)))
        return value

    def environment_code(self, value, path):
        if not isinstance(value, str) or not re.fullmatch(ENVIRONMENT_CODE_RE, value):
            return self.error(path, EXPECTED_ENVIRONMENT_CODE)
        return value


def parse_snapshot(data: dict | bytes | str, *, source_name: str) -> ParsedSnapshot:
    """One snapshot, validated completely; raises SnapshotError naming every problem found."""
    return _Parser(source_name).parse(data)
