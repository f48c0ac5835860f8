"""AFAS Profit GetConnector compatibility: the Licentiedata connector, its query parameters and the token.

An integration written against AFAS Profit's REST GetConnectors calls
`GET /ProfitRestServices/connectors/Licentiedata` unchanged. What this module follows, from AFAS's
developer documentation ("GetConnector", docs.afas.help) and the clients built on it:

- `Authorization: AfasToken <base64 of <token><version>1</version><data>KEY</data></token>>`.
- `skip`/`take`, default 0 and 100; we cap `take` at `MAX_TAKE`. AFAS's `-1/-1` ("get all") is refused:
  a negative count is a QueryError here, as the issue asks.
- `orderbyfieldids=A,-B`: ascending, `-` for descending, several fields. Without it the rows keep the
  order they were given in (the report's order), so paging with skip/take is stable anyway.
- `filterfieldids`/`filtervalues`/`operatortypes`: parallel lists; `,` joins conditions with AND, `;`
  separates groups that are OR-ed, so `A,B;C` is (A and B) or C. There is no escape: a value cannot hold
  `,` or `;`. Operators 1 =, 2 >=, 3 <=, 4 >, 5 <, 6 contains, 7 !=, 8 empty, 9 not empty; AFAS's
  10-15 (starts with, ...) are not offered. For 8 and 9 the value is ignored (AFAS wants one, may be
  empty), and `filtervalues` may be left out altogether when every value is empty.
- The response `{"skip": S, "take": T, "rows": [...]}`; `take` is the effective (capped) one.
- `GET /ProfitRestServices/metainfo/get/Licentiedata`: `{"name", "description", "fields": [{"id",
  "fieldId", "dataType", "label", "length", "controlType", "decimals", "decimalsFieldId"}]}`.

Comparisons follow the field's type. Text compares case-insensitively (as Profit's SQL Server
collation does); "contains" matches the value's text anywhere in the field, a `%` around it (the XML
filter's habit) is dropped. A missing value (GeteldOp of a license never counted) is "empty", equals
nothing, differs from everything, and sorts first ascending.
"""

import base64
import binascii
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.errors import DomainError

CONNECTOR_ID = "Licentiedata"
DEFAULT_TAKE = 100
MAX_TAKE = 1000
# AFAS refuses a query string above 2,049 characters; no single parameter of ours needs more.
MAX_PARAMETER_LENGTH = 2049
# A token is well under 200 characters; a longer header is refused before it is decoded.
MAX_AUTHORIZATION_LENGTH = 1024

NOT_A_COUNT = _("%(parameter)s moet een geheel getal van 0 of meer zijn.")
TOO_LONG = _("%(parameter)s is te lang: meer dan %(max)s tekens.")
UNKNOWN_FIELD = _('Onbekend veld "%(field)s" in %(parameter)s.')
UNKNOWN_OPERATOR = _('Onbekend operatortype "%(operator)s"; gebruik 1 tot en met 9.')
LISTS_DIFFER = _(
    "%(parameter)s heeft niet evenveel waarden als filterfieldids, met , en ; op dezelfde plaatsen."
)
VALUES_WITHOUT_FIELDS = _("%(parameter)s zonder filterfieldids.")
NOT_AN_INT = _('De waarde "%(value)s" voor %(field)s is geen geheel getal.')
NOT_A_BOOL = _('De waarde "%(value)s" voor %(field)s is geen ja/nee-waarde; gebruik true, false, 1 of 0.')
NOT_A_DATETIME = _(
    'De waarde "%(value)s" voor %(field)s is geen datum of tijdstip (ISO 8601, zoals 2025-01-31T08:00).'
)


class QueryError(DomainError):
    """A query parameter that cannot be read; `parameter` names it (for the problem document's field)."""

    def __init__(self, message, *, parameter: str):
        super().__init__(message, parameter=parameter)
        self.parameter = parameter


class Kind(StrEnum):
    STRING = "string"
    INT = "int"
    BOOL = "bool"
    DATETIME = "datetime"


# AFAS's metainfo names for the types.
_DATA_TYPES = {Kind.STRING: "string", Kind.INT: "int", Kind.BOOL: "boolean", Kind.DATETIME: "date"}


@dataclass(frozen=True)
class Field:
    id: str
    label: Any  # a lazy translation
    kind: Kind
    length: int


FIELDS: tuple[Field, ...] = (
    Field("Klantnummer", _("Klantnummer"), Kind.STRING, 5),
    Field("Onderdeel", _("Onderdeel"), Kind.STRING, 20),
    Field("Bereik", _("Bereik"), Kind.STRING, 10),
    Field("Maximum", _("Maximum"), Kind.INT, 9),
    Field("Portaalaantal", _("Portaalaantal"), Kind.INT, 9),
    Field("InGebruik", _("In gebruik"), Kind.INT, 9),
    Field("Beschikbaar", _("Beschikbaar"), Kind.INT, 10),
    Field("Afwijking", _("Afwijking"), Kind.BOOL, 1),
    Field("GeteldOp", _("Geteld op"), Kind.DATETIME, 0),
)
_BY_ID = {field.id.casefold(): field for field in FIELDS}


def rows_from_report(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The connector's rows, one per license line, from `license_report(...).as_json()`: JSON-ready
    values (GeteldOp the report's ISO 8601 `counted_at`, or None before the first count)."""
    return [
        {
            "Klantnummer": report["customer"],
            "Onderdeel": line["item"],
            "Bereik": line["scope"],
            "Maximum": line["maximum"],
            "Portaalaantal": line["portal"],
            "InGebruik": line["in_use"],
            "Beschikbaar": line["available"],
            "Afwijking": line["deviation"],
            "GeteldOp": report["counted_at"],
        }
        for line in report["lines"]
    ]


def metainfo() -> dict[str, Any]:
    """The answer to `GET /ProfitRestServices/metainfo/get/Licentiedata`, labels in the active language."""
    return {
        "name": CONNECTOR_ID,
        "description": str(
            _("Licentiedata: per licentieregel het maximum, het aantal in gebruik en beschikbaar")
        ),
        "fields": [
            {
                "id": field.id,
                "fieldId": f"U{number:03d}",
                "dataType": _DATA_TYPES[field.kind],
                "label": str(field.label),
                "length": field.length,
                # 1 is the plain field of AFAS's own examples.
                "controlType": 1,
                "decimals": 0,
                "decimalsFieldId": "",
            }
            for number, field in enumerate(FIELDS, start=1)
        ],
    }


# Exactly the shape AFAS issues, whitespace between the tags allowed. A regular expression on the
# decoded text instead of an XML parser: nothing is parsed, so a DTD, an entity or a nested bomb is
# simply text that does not match; the key's alphabet excludes `<` and `&`.
_TOKEN = re.compile(
    r"\s*(?:<\?xml[^<>]{0,100}\?>\s*)?<token>\s*<version>1</version>\s*<data>([A-Za-z0-9_.~+/=-]{1,512})</data>\s*</token>\s*"
)


def parse_afas_token(header: str | None) -> str | None:
    """The key inside an `Authorization: AfasToken <base64>` header, or None when it is anything else."""
    if not header or len(header) > MAX_AUTHORIZATION_LENGTH:
        return None
    scheme, _space, encoded = header.strip().partition(" ")
    if scheme.casefold() != "afastoken":
        return None
    try:
        text = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):  # UnicodeDecodeError is a ValueError
        return None
    match = _TOKEN.fullmatch(text)
    return match.group(1) if match else None


def _shown(value: str) -> str:
    return value if len(value) <= 40 else value[:40] + "…"


def _text(params: Mapping[str, str], name: str) -> str:
    value = params.get(name) or ""
    if len(value) > MAX_PARAMETER_LENGTH:
        raise QueryError(TOO_LONG % {"parameter": name, "max": MAX_PARAMETER_LENGTH}, parameter=name)
    return value


_COUNT = re.compile(r"[0-9]{1,18}")


def _count(params: Mapping[str, str], name: str, default: int) -> int:
    value = _text(params, name)
    if value == "":
        return default
    if not _COUNT.fullmatch(value):
        raise QueryError(NOT_A_COUNT % {"parameter": name}, parameter=name)
    return int(value)


def _field(field_id: str, parameter: str) -> Field:
    field = _BY_ID.get(field_id.casefold())
    if field is None:
        raise QueryError(
            UNKNOWN_FIELD % {"field": _shown(field_id), "parameter": parameter}, parameter=parameter
        )
    return field


# --- values by type ---------------------------------------------------------------------------------

_INT = re.compile(r"-?[0-9]{1,18}")
_BOOLS = {"true": True, "1": True, "false": False, "0": False}


def _as_datetime(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    # A moment without an offset is Amsterdam time, as in AFAS ("the time is always Amsterdam").
    return moment if moment.tzinfo else timezone.make_aware(moment, timezone.get_default_timezone())


def _parse_value(field: Field, value: str) -> Any:
    """A filter value as the field's type; a QueryError when it does not fit."""
    if field.kind is Kind.STRING:
        return value.casefold()
    if field.kind is Kind.INT:
        if _INT.fullmatch(value):
            return int(value)
        raise QueryError(NOT_AN_INT % {"value": _shown(value), "field": field.id}, parameter="filtervalues")
    if field.kind is Kind.BOOL:
        if value.casefold() in _BOOLS:
            return _BOOLS[value.casefold()]
        raise QueryError(NOT_A_BOOL % {"value": _shown(value), "field": field.id}, parameter="filtervalues")
    moment = _as_datetime(value) if len(value) <= 64 else None
    if moment is None:
        raise QueryError(
            NOT_A_DATETIME % {"value": _shown(value), "field": field.id}, parameter="filtervalues"
        )
    return moment


def _row_value(field: Field, row: Mapping[str, Any]) -> Any:
    """A row's value in the type it compares in; None for missing (or for a value not of its type)."""
    value = row.get(field.id)
    if value is None:
        return None
    if field.kind is Kind.STRING:
        return str(value).casefold()
    if field.kind is Kind.INT:
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    if field.kind is Kind.BOOL:
        return value if isinstance(value, bool) else None
    if isinstance(value, datetime):
        return value if value.tzinfo else timezone.make_aware(value, timezone.get_default_timezone())
    return _as_datetime(value) if isinstance(value, str) else None


def _row_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return (value.isoformat() if isinstance(value, datetime) else str(value)).casefold()


# --- filters ----------------------------------------------------------------------------------------

Condition = Callable[[Mapping[str, Any]], bool]


def _condition(field: Field, operator: str, raw: str) -> Condition:
    if operator == "8":
        return lambda row: _row_value(field, row) in (None, "")
    if operator == "9":
        return lambda row: _row_value(field, row) not in (None, "")
    if operator == "6":
        needle = raw.strip("%").casefold()
        return lambda row: (value := row.get(field.id)) is not None and needle in _row_text(value)
    if operator not in ("1", "2", "3", "4", "5", "7"):
        raise QueryError(UNKNOWN_OPERATOR % {"operator": _shown(operator)}, parameter="operatortypes")
    wanted = _parse_value(field, raw)
    compare: Callable[[Any], bool] = {
        "1": lambda value: value == wanted,
        "2": lambda value: value >= wanted,
        "3": lambda value: value <= wanted,
        "4": lambda value: value > wanted,
        "5": lambda value: value < wanted,
        "7": lambda value: value != wanted,
    }[operator]
    if operator == "7":
        return lambda row: (value := _row_value(field, row)) is None or compare(value)
    return lambda row: (value := _row_value(field, row)) is not None and compare(value)


def _groups(text: str) -> list[list[str]]:
    return [group.split(",") for group in text.split(";")]


def _filter(params: Mapping[str, str]) -> list[list[Condition]]:
    """The OR-ed groups of AND-ed conditions; [] when there is no filter."""
    field_text = _text(params, "filterfieldids")
    operator_text = _text(params, "operatortypes")
    value_text = _text(params, "filtervalues")
    if field_text == "":
        for name, text in (("operatortypes", operator_text), ("filtervalues", value_text)):
            if text != "":
                raise QueryError(VALUES_WITHOUT_FIELDS % {"parameter": name}, parameter=name)
        return []
    fields = _groups(field_text)
    shape = [len(group) for group in fields]
    operators = _groups(operator_text) if operator_text != "" else []
    values = _groups(value_text) if value_text != "" else [[""] * n for n in shape]
    for name, lists in (("operatortypes", operators), ("filtervalues", values)):
        if [len(group) for group in lists] != shape:
            raise QueryError(LISTS_DIFFER % {"parameter": name}, parameter=name)
    return [
        [
            _condition(_field(field_id, "filterfieldids"), operator, value)
            for field_id, operator, value in zip(field_group, operator_group, value_group, strict=True)
        ]
        for field_group, operator_group, value_group in zip(fields, operators, values, strict=True)
    ]


# --- ordering ---------------------------------------------------------------------------------------


def _ordering(params: Mapping[str, str]) -> list[tuple[Field, bool]]:
    text = _text(params, "orderbyfieldids")
    if text == "":
        return []
    keys = []
    for entry in text.split(","):
        descending = entry.startswith("-")
        keys.append((_field(entry[1:] if descending else entry, "orderbyfieldids"), descending))
    return keys


def _sort(rows: list[dict[str, Any]], keys: list[tuple[Field, bool]]) -> list[dict[str, Any]]:
    # One stable sort per key, the least significant first: a multi-key sort with its own direction
    # per key. A missing value sorts first ascending (as in SQL Server), last descending.
    ordered = list(rows)
    for field, descending in reversed(keys):

        def key(row: Mapping[str, Any], field: Field = field) -> tuple:
            value = _row_value(field, row)
            return (False,) if value is None else (True, value)

        ordered.sort(key=key, reverse=descending)
    return ordered


def query(rows: list[dict[str, Any]], params: Mapping[str, str]) -> dict[str, Any]:
    """Filter, order and page `rows` (from `rows_from_report`) by a GetConnector's query parameters:
    `{"skip": S, "take": T, "rows": [...]}` with the very row dicts given. Raises QueryError only."""
    skip = _count(params, "skip", 0)
    take = min(_count(params, "take", DEFAULT_TAKE), MAX_TAKE)
    groups = _filter(params)
    keys = _ordering(params)
    if groups:
        rows = [row for row in rows if any(all(condition(row) for condition in group) for group in groups)]
    if keys:
        rows = _sort(rows, keys)
    return {"skip": skip, "take": take, "rows": rows[skip : skip + take]}
