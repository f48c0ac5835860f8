"""Property: whatever JSON-ish value stands at whatever position of a snapshot, the parser returns a
ParsedSnapshot or raises SnapshotError with a printable message, never anything else."""

import copy
import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from environments.snapshots import ParsedSnapshot, SnapshotError, parse_snapshot

NOW = datetime(2026, 11, 28, 6, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
GUID = "6f1c2d3e-0000-4000-8000-000000000001"
BASE = {
    "format": 1,
    "environment": "O12345AA",
    "taken_at": "2026-11-28T00:45:00+01:00",
    "users": [
        {
            "code": "12345.jansen",
            "name": "J. Jansen",
            "email": "j.jansen@example.nl",
            "profit": True,
            "insite": False,
            "outsite": False,
            "blocked": False,
            "kind": "person",
            "last_login": "2026-11-27T10:00:00+01:00",
            "employee": GUID,
        }
    ],
    "employees": [{"guid": GUID, "name": "J. Jansen", "in_service": True, "kind": "staff"}],
    "declarations": [{"number": "123456789L01"}],
    "clients": [{"code": "C0001", "name": "Cliënt BV"}],
}
# Every position a value can take: each field, each list element, each record, the document itself.
POSITIONS = [
    (),
    *[(key,) for key in BASE],
    ("users", 0),
    *[("users", 0, key) for key in BASE["users"][0]],
    ("employees", 0),
    *[("employees", 0, key) for key in BASE["employees"][0]],
    ("declarations", 0),
    ("declarations", 0, "number"),
    ("clients", 0),
    *[("clients", 0, key) for key in BASE["clients"][0]],
]
# Objects that may take an extra key: the document and each record.
RECORDS = [(), ("users", 0), ("employees", 0), ("declarations", 0), ("clients", 0)]

characters = st.one_of(
    st.characters(codec=None),
    st.characters(categories=["Cs"]),  # lone surrogates, which the default alphabet leaves out
    st.sampled_from("\x00\t\r\n\x1b\x7f\x85\u202e\ufeff=+-@<>\"'\\İ"),
)
texts = st.one_of(
    st.text(characters, max_size=20),
    st.sampled_from(
        [
            "0001-01-01T00:30:00+01:00",
            "9999-12-31T23:59:59-23:59",
            "9999-12-31T23:59:59+23:59",
            "2026-11-28T00:45:00\x00+01:00",
            "2000-01-01T00:00:00+00:00",
            "2026-11-29T06:00:00+01:00",
            GUID.upper(),
            "12345.JANSEN",
            "O67890AA",
            '=HYPERLINK("http://example.com")',
        ]
    ),
    st.text(max_size=300),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=4301, max_value=5000).map(
        lambda digits: -(10**digits) if digits % 2 else 10**digits
    ),
    st.floats(allow_nan=True, allow_infinity=True),
    texts,
)
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(texts, children, max_size=3),
    max_leaves=8,
)
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def placed(position, value):
    if not position:
        return value
    data = copy.deepcopy(BASE)
    target = data
    for key in position[:-1]:
        target = target[key]
    target[position[-1]] = value
    return data


def assert_parses_or_refuses_printably(data) -> None:
    try:
        result = parse_snapshot(data, source_name="fuzz.json", now=NOW)
    except SnapshotError as exc:
        exc.message.encode("utf-8")  # strict: raises on a lone surrogate
        assert not CONTROL.search(exc.message), repr(exc.message)
        assert all(line.startswith(("fuzz.json: ", "... and ")) for line in exc.message.splitlines())
    else:
        assert isinstance(result, ParsedSnapshot)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(
    position=st.sampled_from(POSITIONS),
    value=values,
    extra=st.none() | st.tuples(st.sampled_from(RECORDS), texts, values),
)
def test_any_value_at_any_position_parses_or_is_refused_printably(position, value, extra):
    data = placed(position, value)
    if extra is not None and isinstance(data, dict):
        record, key, extra_value = extra
        target = data
        try:
            for step in record:
                target = target[step]
        except (KeyError, IndexError, TypeError):
            target = None  # the value placed above replaced this record
        if isinstance(target, dict):
            target[key] = extra_value

    assert_parses_or_refuses_printably(data)
    try:
        raw = json.dumps(data).encode()
    except ValueError:
        return  # an int json cannot write (over 4,300 digits); as an object it was checked above
    assert_parses_or_refuses_printably(raw)
