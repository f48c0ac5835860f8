"""A corpus of hostile snapshots through `import_snapshot`.

Each variant is either refused with a clear message (naming the file, and the field and position
where there is one; printable; never a traceback) and changes nothing, or accepted, and then every
page of the customer answers 200 for its Beheerder, the nightly job succeeds for it and the next
valid import still works. Which of the two is fixed per variant.
"""

import copy
import dataclasses
import io
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import override_settings
from django.urls import reverse

from environments import services, snapshot_messages
from environments.models import Client, Declaration, Employee, Environment, EnvironmentUser, UserIdentity
from environments.snapshots import SnapshotError, parse_snapshot
from licensing.models import LicenseLine
from portal.models import Customer
from tests.factories import EnvironmentFactory, LicenseLineFactory

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 28, 6, 0, tzinfo=AMSTERDAM)
FILE = "O12345AA.json"
GUID_A = "6f1c2d3e-0000-4000-8000-000000000001"
GUID_B = "6f1c2d3e-0000-4000-8000-000000000002"
BIG = "1" * 4301  # one digit more than int() converts
# A stand-in that json.dumps writes as a string and _raw swaps for raw JSON text.
RAW = "\x00raw:"


def person(code, **fields):
    return {"code": code, "profit": True, "insite": False, "outsite": False, "blocked": False, **fields}


def base(environment="O12345AA", taken_at="2026-11-28T00:45:00+01:00"):
    return {
        "format": 1,
        "environment": environment,
        "taken_at": taken_at,
        "users": [
            person(
                "12345.jansen",
                name="J. Jansen",
                email="j.jansen@example.nl",
                insite=True,
                kind="person",
                last_login="2026-11-27T10:00:00+01:00",
                employee=GUID_A,
            ),
            person("12345.deboer", name="P. de Boer", employee=GUID_B),
            person("groen.accountant", kind="coworker"),
        ],
        "employees": [
            {"guid": GUID_A, "name": "J. Jansen", "in_service": True, "kind": "staff"},
            {"guid": GUID_B, "name": "P. de Boer", "in_service": False},
        ],
        "declarations": [{"number": "123456789L01"}],
        "clients": [{"code": "C0001", "name": "Cliënt BV"}],
    }


def _raw(text: str) -> str:
    """Swaps each "\\u0000raw:X" string json.dumps wrote for the raw JSON text X."""
    return re.sub(r'"\\u0000raw:((?:[^"\\]|\\.)*)"', lambda m: json.loads(f'"{m.group(1)}"'), text)


def encoded(data) -> bytes:
    return _raw(json.dumps(data)).encode()


def with_value(path, value, data=None):
    data = copy.deepcopy(data or base())
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


@dataclass(frozen=True)
class Variant:
    id: str
    content: bytes
    # None: accepted. Otherwise the text each refusal must contain, after "FILE: ".
    refused: tuple[str, ...] | None
    name: str = FILE
    max_bytes: int | None = None
    extra_files: dict[str, bytes] = field(default_factory=dict)

    @property
    def settings(self) -> dict:
        return {} if self.max_bytes is None else {"SNAPSHOT_MAX_BYTES": self.max_bytes}


def refused(id, content, *where, **options):
    return Variant(id, content, tuple(where) or ("",), **options)


def accepted(id, content, **options):
    return Variant(id, content, None, **options)


def dotted(path):
    text = ""
    for key in path:
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else key)
    return text


# Every field position with the type it takes.
FIELDS = {
    ("format",): "int",
    ("environment",): "str",
    ("taken_at",): "str",
    ("users",): "list",
    ("employees",): "list",
    ("declarations",): "list",
    ("clients",): "list",
    ("users", 0, "code"): "str",
    ("users", 0, "name"): "str",
    ("users", 0, "email"): "str",
    ("users", 0, "profit"): "bool",
    ("users", 0, "insite"): "bool",
    ("users", 0, "outsite"): "bool",
    ("users", 0, "blocked"): "bool",
    ("users", 0, "kind"): "str",
    ("users", 0, "last_login"): "str",
    ("users", 0, "employee"): "str",
    ("employees", 0, "guid"): "str",
    ("employees", 0, "name"): "str",
    ("employees", 0, "in_service"): "bool",
    ("employees", 0, "kind"): "str",
    ("declarations", 0, "number"): "str",
    ("clients", 0, "code"): "str",
    ("clients", 0, "name"): "str",
}
OPTIONAL = {
    ("users", 0, "name"),
    ("users", 0, "email"),
    ("users", 0, "kind"),
    ("users", 0, "last_login"),
    ("users", 0, "employee"),
    ("employees", 0, "name"),
    ("employees", 0, "kind"),
    ("clients", 0, "name"),
}
WRONG = {
    "str": [True, 0, 12345, 1.5, [], {}, ["x"], {"x": "y"}],
    "bool": ["true", 1, 0, "ja", [], {}, 1.0],
    "list": ["x", 1, True, {}, {"code": "x"}],
    "int": ["1", 1.0, True, 2, 0, -1, [], {}],
}
STRING_FIELDS = [path for path, kind in FIELDS.items() if kind == "str"]


def wrong_types():
    for path, kind in FIELDS.items():
        for value in WRONG[kind]:
            yield refused(
                f"type-{dotted(path)}-{json.dumps(value)}", encoded(with_value(path, value)), dotted(path)
            )
        if path not in OPTIONAL:
            yield refused(f"null-{dotted(path)}", encoded(with_value(path, None)), dotted(path))
        # A number too long to convert, where any value belongs: the field check names it.
        yield refused(
            f"4301-digits-{dotted(path)}", encoded(with_value(path, RAW + BIG)), dotted(path) + ": "
        )
    everything_optional_null = base()
    for path in OPTIONAL:
        everything_optional_null = with_value(path, None, everything_optional_null)
    yield accepted("null-every-optional-field", encoded(everything_optional_null))


def dates():
    for path in (("taken_at",), ("users", 0, "last_login")):
        where = dotted(path) + ": "
        for value in (
            "0001-01-01T00:30:00+01:00",  # the case of the issue: year 0 in UTC
            "0001-01-01T00:00:00-23:59",
            "1970-01-01T00:00:00+00:00",
            "1999-12-31T23:59:59+00:00",
            "2000-01-01T00:00:00+00:01",  # 1999-12-31T23:59 in UTC
            "9999-12-31T23:59:59-23:59",  # past year 9999 in UTC: must not overflow
            "9999-12-31T23:59:59+23:59",
            "2999-01-01T00:00:00+00:00",
            "2026-11-30T06:00:01+01:00",  # more than a day ahead
        ):
            yield refused(f"date-{dotted(path)}-{value}", encoded(with_value(path, value)), where)
        for value in (
            "2026-11-28T00:45:00",  # no offset
            "2026-11-28",
            "2026-11-28T24:00:01+01:00",
            "2026-02-30T00:45:00+01:00",
            "2026-11-28T00:45:00\x00+01:00",  # fromisoformat stops at the NUL
            "2026-11-28T00:45:00+01:00 ",
            "２０２６-11-28T00:45:00+01:00",
            "2026-11-28T00:45:00+01:00" + "0" * 100,
            "2026-11-28T00:45:00+24:00",
        ):
            yield refused(f"not-a-date-{dotted(path)}-{value!r}", encoded(with_value(path, value)), where)
    # Ahead of now, but within what each field tolerates (10 minutes, one day).
    yield refused(
        "taken_at-an-hour-ahead",
        encoded(with_value(("taken_at",), "2026-11-28T07:00:00+01:00")),
        "taken_at: " + snapshot_messages.IN_THE_FUTURE.format(value="2026-11-28T07:00:00+01:00"),
    )
    edges = base(taken_at="2026-11-28T06:10:00+01:00")  # now + CLOCK_TOLERANCE exactly
    edges["users"][0]["last_login"] = "2026-11-29T06:00:00+01:00"  # now + a day exactly
    edges["users"][1]["last_login"] = "2000-01-01T00:00:00+00:00"
    edges["users"][2]["last_login"] = "2000-01-01T01:00:00+00:59:59"  # an offset in seconds
    yield accepted("dates-on-the-edges-of-the-window", encoded(edges))


def text():
    for path in STRING_FIELDS:
        where = dotted(path) + ": "
        yield refused(f"surrogate-{dotted(path)}", encoded(with_value(path, "\ud800x")), where)
        yield refused(f"low-surrogate-{dotted(path)}", encoded(with_value(path, "ab\udfff")), where)
        yield refused(f"nul-{dotted(path)}", encoded(with_value(path, "J.\x00Jansen")), where)
        yield refused(f"c1-control-{dotted(path)}", encoded(with_value(path, "J.\x85Jansen")), where)
        yield refused(f"escape-{dotted(path)}", encoded(with_value(path, "\x1b[2J\x1b[31mred")), where)
    for path in (("users", 0, "code"), ("declarations", 0, "number"), ("clients", 0, "code")):
        where = dotted(path) + ": "
        for value in ("12345.\tjansen", "12345.\njansen", "12345.\rjansen", "12345.\x7fjansen"):
            yield refused(
                f"control-in-code-{dotted(path)}-{value!r}", encoded(with_value(path, value)), where
            )
        yield refused(f"too-long-when-lower-cased-{dotted(path)}", encoded(with_value(path, "İ" * 80)), where)
    yield refused(
        "lone-surrogate-in-a-key", encoded(with_value(("users", 0, "\ud800"), 1)), "users[0].\\ud800: "
    )
    yield refused(
        "control-in-a-key", encoded(with_value(("users", 0, "\x1b[31m"), 1)), "users[0].\\x1b[31m: "
    )
    yield refused(
        "right-to-left-override-in-a-key", encoded(with_value(("\u202ekey",), 1)), "\\u202ekey: unknown field"
    )
    legal = base()
    names = [
        '=HYPERLINK("http://example.com","klik")',
        "=1+1",
        "+31 20 123 4567",
        "-2+3",
        "@SUM(A1:A2)",
        "\tJ. Jansen",
        "\rJ. Jansen",
        "<script>alert(1)</script>",
        "Zoë \u202eesreveR",  # a right-to-left override is a format character, not a control
        "Line\nbreak",
        "😀 \U0001f600",
        "#REF!",
        "x" * 200,
    ]
    legal["users"] = [person(f"12345.name{i}", name=name) for i, name in enumerate(names)]
    legal["employees"] = [
        {"guid": f"6f1c2d3e-0000-4000-8000-{i:012d}", "name": name, "in_service": True, "kind": name[:30]}
        for i, name in enumerate(names)
    ]
    legal["clients"] = [{"code": f"C{i:04d}", "name": name} for i, name in enumerate(names)]
    yield accepted("legal-names-that-look-like-formulas-html-or-controls", encoded(legal))
    unicode_codes = base()
    unicode_codes["users"] = [person(code) for code in ("Zoë", "ZOË", "straße")] + [person("1" * 150)]
    yield refused("unicode-codes-twice-whatever-their-case", encoded(unicode_codes), "users[1].code: ")
    unicode_codes["users"].pop(1)
    yield accepted("unicode-codes", encoded(unicode_codes))


def encodings():
    data = base()
    plain = json.dumps(data, ensure_ascii=False)
    yield refused("utf-16", plain.encode("utf-16"), "UTF-16")
    yield refused("utf-16-be-bom", b"\xfe\xff" + plain.encode("utf-16-be"), "UTF-16")
    yield refused("utf-16-le-without-bom", plain.encode("utf-16-le"), "UTF-16")
    yield refused("utf-32", plain.encode("utf-32"), "UTF-16 or UTF-32")
    yield refused("latin-1", plain.encode("latin-1"), "not UTF-8 text: invalid byte at position ")
    yield refused("cp1252-quotes", plain.replace("BV", "“BV”").encode("cp1252"), "invalid byte at position")
    yield refused("encoded-surrogate-bytes", plain.encode().replace(b"BV", b"\xed\xa0\x80"), "invalid byte")
    yield refused("overlong-utf-8", plain.encode().replace(b"BV", b"\xc0\xaf"), "invalid byte")
    yield refused("truncated-utf-8", plain.encode()[:-3] + b"\xc3", "invalid byte")
    yield refused("raw-nul-byte-in-a-string", plain.replace("BV", "B\x00V").encode(), "line 1 column")
    yield refused("raw-control-byte-in-a-string", plain.replace("BV", "B\x01V").encode(), "line 1 column")
    yield refused("raw-escape-byte-in-a-string", plain.replace("BV", "\x1b[2J").encode(), "line 1 column")
    yield refused("raw-nul-byte-outside-strings", plain.encode() + b"\x00", "line 1 column")
    yield refused("bom-twice", b"\xef\xbb\xbf\xef\xbb\xbf" + plain.encode(), "line 1 column 1")
    yield accepted("utf-8-bom", b"\xef\xbb\xbf" + plain.encode())
    yield accepted("utf-8-without-escapes", plain.encode())


def duplicates():
    twice = with_value(("users", 1, "code"), "12345.JANSEN")
    yield refused("user-code-twice-in-other-case", encoded(twice), 'users[1].code: "12345.JANSEN" occurs')
    twice = with_value(("employees", 1, "guid"), GUID_A.upper())
    twice["users"][1]["employee"] = GUID_A
    yield refused("guid-twice-in-other-case", encoded(twice), "employees[1].guid: ")
    twice = with_value(("declarations",), [{"number": "123456789L01"}, {"number": "123456789l01"}])
    yield refused("declaration-twice-in-other-case", encoded(twice), "declarations[1].number: ")
    twice = with_value(("clients",), [{"code": "C0001"}, {"code": "c0001"}])
    yield refused("client-twice-in-other-case", encoded(twice), "clients[1].code: ")
    many = base()
    many["users"] = [person("12345.same") for _ in range(300)]
    yield refused("one-code-300-times", encoded(many), "users[1].code: ", "... and 279 more problems")
    text = json.dumps(base())
    yield refused(
        "key-twice-at-the-top", (text[:-1] + ', "format": 1}').encode(), 'key "format" occurs twice'
    )
    yield refused(
        "key-twice-in-a-user",
        text.replace('"code": "12345.deboer"', '"code": "12345.deboer", "code": "x"').encode(),
        'key "code" occurs twice',
    )
    yield refused(
        "hostile-key-twice",
        text.replace('"format": 1', '"\\u001b[31m\\ud800": 1, "\\u001b[31m\\ud800": 2, "format": 1').encode(),
        'key "\\x1b[31m\\ud800" occurs twice',
    )
    yield refused(
        "unknown-employee-guid-in-other-case-is-fine-but-unknown-is-not",
        encoded(with_value(("users", 0, "employee"), "6f1c2d3e-0000-4000-8000-000000000099")),
        "users[0].employee: no employee with GUID",
    )
    case = with_value(("users", 0, "employee"), GUID_A.upper())
    yield accepted("user-employee-guid-in-other-case", encoded(case))


def sizes():
    small = len(encoded(base()))
    yield refused("one-byte-over-the-limit", encoded(base()), "larger than", max_bytes=small - 1)
    yield accepted("exactly-the-limit", encoded(base()), max_bytes=small)
    yield refused(
        "over-the-limit-in-whitespace", encoded(base()) + b" " * 5000, "larger than", max_bytes=small + 10
    )
    for path in (
        ("users", 0, "name"),
        ("users", 0, "code"),
        ("clients", 0, "name"),
        ("employees", 0, "kind"),
    ):
        yield refused(f"huge-string-{dotted(path)}", encoded(with_value(path, "x" * 1_000_000)), dotted(path))
    yield refused("huge-key", encoded(with_value(("users", 0, "k" * 100_000), 1)), "users[0].kkkk")
    yield refused(
        "name-one-too-long", encoded(with_value(("users", 0, "name"), "x" * 201)), "longer than 200"
    )
    yield refused("negative-4301-digits", encoded(with_value(("format",), RAW + "-" + BIG)), "format: ")
    yield refused("float-of-5000-digits", encoded(with_value(("format",), RAW + BIG + "." + BIG)), "format: ")
    yield refused("exponent-of-infinity", encoded(with_value(("format",), RAW + "1e999999")), "format: ")
    yield refused("nan", encoded(with_value(("users", 0, "profit"), RAW + "NaN")), "users[0].profit: ")
    yield refused(
        "deep-nesting-100000", b"[" * 100_000 + b"]" * 100_000, "nested more than 100 levels deep at"
    )
    yield refused("deep-nesting-unclosed", b'{"a":' * 100_000, "nested more than 100 levels deep at")
    yield refused(
        "deep-nesting-in-a-name",
        encoded(with_value(("users", 0, "name"), RAW + "[" * 100_000 + "]" * 100_000)),
        "nested more than 100 levels deep at line 1 column",
    )
    yield refused(
        "nesting-a-little-deep", encoded(with_value(("users", 0, "name"), [[[["x"]]]])), "users[0].name"
    )
    many = base()
    many["users"] = [{"code": i} for i in range(5000)]
    yield refused("5000-bad-users", encoded(many), "users[0].code: ", "more problems")


def environments():
    yield refused(
        "unknown-environment", encoded(base("O12345ZZ")), "environment: environment O12345ZZ does not exist"
    )
    yield refused(
        "unknown-type-letter", encoded(base("A12345AA")), "environment: environment A12345AA does not"
    )
    for code in (
        "X12345AA",
        "o12345aa",
        "O12345AA ",
        "O12345AA\n",
        "O１２３４５AA",
        "O1234AA",
        "",
        "O12345AAA",
    ):
        yield refused(f"bad-environment-code-{code!r}", encoded(base(code)), "environment: ")
    yield refused(
        "environment-whose-digits-are-not-its-customers",
        encoded(base("O12345AC")),
        "environment: environment O12345AC does not fit its customer 67890",
    )
    yield refused(
        "the-same-environment-twice",
        encoded(base()),
        "environment: environment O12345AA is also imported from",
        extra_files={"again.json": encoded(base())},
    )
    yield refused(
        "stale-snapshot",
        encoded(base(taken_at="2026-11-26T00:45:00+01:00")),
        "taken_at: snapshot taken at 2026-11-26T00:45:00+01:00 is older",
    )
    yield refused(
        "a-good-file-with-a-bad-one",
        encoded(base()),
        "users[0].profit: ",
        extra_files={"T12345AA.json": encoded(with_value(("users", 0, "profit"), "yes", base("T12345AA")))},
    )
    other = base("O67890AA")
    yield accepted("another-customers-environment", encoded(other))
    codes = base()
    codes["users"] = [person("67890.jansen"), person("99999.vreemd")]
    yield accepted("user-codes-of-another-customer", encoded(codes))
    yield accepted("a-test-environment", encoded(base("T12345AA")))


def structure():
    text = json.dumps(base())
    for id_, content in (
        ("empty-file", b""),
        ("whitespace-only", b"  \n\t "),
        ("truncated", text[: len(text) // 2].encode()),
        ("trailing-garbage", (text + "}").encode()),
        ("trailing-second-document", (text + text).encode()),
        ("single-quotes", text.replace('"', "'").encode()),
        ("trailing-comma", (text[:-1] + ",}").encode()),
        ("comment", ("// snapshot\n" + text).encode()),
        ("python-literal", b"{'format': 1, 'users': [True]}"),
    ):
        yield refused(id_, content, "not valid JSON: ")
    for id_, value in (
        ("list", [base()]),
        ("string", "snapshot"),
        ("number", 1),
        ("null", None),
        ("true", True),
    ):
        yield refused(f"top-level-{id_}", encoded(value), "expected an object")
    for key in ("users", "employees", "declarations", "clients", "format", "environment", "taken_at"):
        data = base()
        del data[key]
        yield refused(f"missing-{key}", encoded(data), f"{key}: required field is missing")
    yield refused("unknown-top-level-field", encoded(with_value(("extra",), 1)), "extra: unknown field")
    yield refused(
        "unknown-user-field", encoded(with_value(("users", 1, "admin"), True)), "users[1].admin: unknown"
    )
    yield refused(
        "user-not-an-object", encoded(with_value(("users", 1), "12345.deboer")), "users[1]: expected an"
    )
    yield refused(
        "wrong-user-kind", encoded(with_value(("users", 0, "kind"), "admin")), "users[0].kind: expected"
    )
    yield refused("bad-email", encoded(with_value(("users", 0, "email"), "a@")), "users[0].email: expected")
    yield refused(
        "email-with-a-control-in-quotes",
        encoded(with_value(("users", 0, "email"), '"\x01"@example.nl')),
        "users[0].email: ",
    )
    yield refused(
        "guid-in-braces", encoded(with_value(("employees", 0, "guid"), "{" + GUID_A + "}")), "guid: "
    )
    yield refused("format-2", encoded(with_value(("format",), 2)), "format: unsupported format 2, expected 1")
    yield refused(
        "format-a-hostile-string",
        encoded(with_value(("format",), "\x1b[31m\ud800" + "x" * 1000)),
        'format: unsupported format "\\x1b[31m\\ud800xxx',
    )
    empty = base()
    empty.update(users=[], employees=[], declarations=[], clients=[])
    yield accepted("empty-environment", encoded(empty))


KINDS = {
    "wrong types": list(wrong_types()),
    "dates": list(dates()),
    "text": list(text()),
    "encodings": list(encodings()),
    "duplicates": list(duplicates()),
    "sizes": list(sizes()),
    "environments": list(environments()),
    "structure": list(structure()),
}
CORPUS = [variant for variants in KINDS.values() for variant in variants]


def test_the_corpus_is_large_and_mostly_hostile():
    assert len(CORPUS) >= 200
    assert len({variant.id for variant in CORPUS}) == len(CORPUS)
    assert sum(variant.refused is None for variant in CORPUS) < len(CORPUS) / 10


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(customer_a, customer_b, beheerder, other_beheerder, tmp_path, monkeypatch):
    """Customer A with data in O12345AA already, so that "nothing changed" is checked against something."""
    monkeypatch.chdir(tmp_path)
    for code in ("O12345AA", "O12345AB", "T12345AA"):
        EnvironmentFactory(customer=customer_a, type=code[0], code=code)
    EnvironmentFactory(customer=customer_b, type="O", code="O67890AA")
    EnvironmentFactory(customer=customer_b, type="O", code="O12345AC")  # digits not its customer's
    for item, scope in (
        ("profit_users", "O"),
        ("insite_users", "O"),
        ("profit_users", "T"),
        ("employees", "license"),
        ("declarations", "license"),
        ("clients", "O"),
    ):
        LicenseLineFactory(license=customer_a.license, item=item, scope=scope, maximum=10)
    LicenseLineFactory(license=customer_b.license, item="profit_users", scope="O", maximum=3)
    first = parse_snapshot(encoded(base(taken_at="2026-11-27T00:45:00+01:00")), source_name="first.json")
    services.import_snapshots(snapshots=[first])
    return {"12345": beheerder, "67890": other_beheerder}


def dump():
    """Every row an import may touch, without the ids of replaced rows."""
    return {
        "users": sorted(
            EnvironmentUser.objects.values_list(
                "environment__code",
                "identity__code",
                "code",
                "name",
                "email",
                "profit",
                "insite",
                "outsite",
                "blocked",
                "kind",
                "last_login",
                "employee_guid",
            )
        ),
        "employees": sorted(
            Employee.objects.values_list("environment__code", "guid", "name", "in_service", "kind")
        ),
        "declarations": sorted(
            Declaration.objects.values_list("environment__code", "number", "display_number")
        ),
        "clients": sorted(Client.objects.values_list("environment__code", "code", "display_code", "name")),
        "identities": sorted(UserIdentity.objects.values_list("code", flat=True)),
        "environments": sorted(Environment.objects.values_list("code", "data_taken_at", "data_imported_at")),
    }


NOT_PRINTABLE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def assert_clear(message: str, names: list[str], where: tuple[str, ...]) -> None:
    """Printable, bounded, each line names a file, and it says where."""
    message.encode("utf-8")  # strict: no lone surrogate
    assert not NOT_PRINTABLE.search(message), message
    lines = message.splitlines()
    assert 1 <= len(lines) <= snapshot_messages.MAX_ERRORS_SHOWN + 1
    for line in lines:
        assert len(line) < 1000, line[:200]
        assert line.startswith(tuple(f"{name}: " for name in names)) or line.startswith("... and "), line
    for fragment in where:
        assert fragment in message, message[:2000]
    assert "Traceback" not in message


def assert_every_page_answers(client, beheerder, customer: Customer) -> None:
    client.force_login(beheerder.user)
    urls = [
        reverse("dashboard"),
        reverse("licensing:overview"),
        reverse("licensing:maintenance"),
        reverse("licensing:maintenance_employees"),
        reverse("licensing:maintenance_cleanup"),
        reverse("licensing:maintenance_log"),
        reverse("licensing:warnings"),
        reverse("licensing:analysis_download"),
    ]
    urls += [
        reverse("licensing:line_detail", args=[line_id])
        for line_id in LicenseLine.objects.filter(license__customer=customer).values_list("id", flat=True)
    ]
    identities = EnvironmentUser.objects.filter(environment__customer=customer).values_list(
        "identity_id", flat=True
    )
    urls += [reverse("licensing:maintenance_user", args=[identity_id]) for identity_id in set(identities)]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url


def check(variant: Variant, client, world) -> None:
    Path(variant.name).write_bytes(variant.content)
    for name, content in variant.extra_files.items():
        Path(name).write_bytes(content)
    names = [variant.name, *variant.extra_files]
    before = dump()

    if variant.refused is not None:
        with pytest.raises(CommandError) as error:
            call_command("import_snapshot", *names, stdout=io.StringIO())

        assert_clear(str(error.value), names, variant.refused)
        assert dump() == before
        return

    out = io.StringIO()
    call_command("import_snapshot", *names, stdout=out)

    environment = Environment.objects.select_related("customer").get(code=out.getvalue().split()[2])
    assert dump() != before
    customer = environment.customer
    assert_every_page_answers(client, world[customer.number], customer)
    call_command(
        "refresh_licenses", "--customer", customer.number, stdout=io.StringIO(), stderr=io.StringIO()
    )
    customer.license.refresh_from_db()
    assert customer.license.counted_at == NOW
    Path("next.json").write_bytes(encoded(base(environment.code, taken_at="2026-11-28T06:10:00+01:00")))
    call_command("import_snapshot", "next.json", stdout=io.StringIO())
    assert EnvironmentUser.objects.filter(environment=environment).count() == 3


@pytest.mark.parametrize("kind", KINDS)
def test_each_hostile_snapshot_is_refused_clearly_or_imported_safely(kind, world, client):
    # One world for all variants of a kind, each in a savepoint that is rolled back: a variant sees
    # exactly the data of the fixture, and the corpus runs in seconds instead of a minute.
    failures = []
    for variant in KINDS[kind]:
        try:
            with transaction.atomic(), override_settings(**variant.settings):
                check(variant, client, world)
                transaction.set_rollback(True)
        except Exception as exc:  # noqa: BLE001 - every variant is reported, not only the first
            failures.append(f"{variant.id}: {type(exc).__name__}: {str(exc)[:300]}")
    assert not failures, "\n".join(failures)


def database_url() -> str:
    """The test database, for a manage.py in another process."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def manage(*args, input: bytes = b"", **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=django_settings.BASE_DIR,
        input=input,
        capture_output=True,
        env={**os.environ, "DATABASE_URL": database_url(), **env},
        timeout=120,
        check=False,
    )


@pytest.mark.django_db(transaction=True)
def test_the_command_exits_with_status_1_and_no_traceback_and_changes_nothing(world, tmp_path):
    # Committed data (transaction=True), so that the other process sees it.
    chosen = ["4301-digits-users[0].code", "deep-nesting-100000", "surrogate-users[0].code", "utf-16"]
    chosen += [
        "date-taken_at-0001-01-01T00:30:00+01:00",
        "date-users[0].last_login-9999-12-31T23:59:59-23:59",
    ]
    by_id = {variant.id: variant for variant in CORPUS}
    paths = []
    for number, variant in enumerate(by_id[id_] for id_ in chosen):
        path = tmp_path / f"{number}.json"
        path.write_bytes(variant.content)
        paths.append(os.fsencode(path))
    # A file name that is not UTF-8 (argv gives it as lone surrogates) and one that is a terminal escape.
    for name in (b"bad\xff.json", b"\x1b[31mred.json"):
        (tmp_path / os.fsdecode(name)).write_bytes(encoded(with_value(("users", 0, "code"), "\ud800")))
        paths.append(os.fsencode(tmp_path) + b"/" + name)
    before = dump()

    result = manage("import_snapshot", *paths)

    stderr = result.stderr.decode("utf-8")  # strict: the message is valid UTF-8
    assert result.returncode == 1, stderr
    assert "Traceback" not in stderr
    assert stderr.startswith("CommandError: ")
    assert result.stdout == b""
    assert f"{tmp_path}/0.json: users[0].code: expected a string" in stderr
    assert (
        f"{tmp_path}/1.json: not valid JSON: nested more than 100 levels deep at line 1 column 101" in stderr
    )
    assert (
        f"{tmp_path}/2.json: users[0].code: not valid Unicode: lone surrogate \\ud800 at character 0"
        in stderr
    )
    assert f"{tmp_path}/3.json: not UTF-8 text: the file is UTF-16" in stderr
    assert f"{tmp_path}/4.json: taken_at: 0001-01-01T00:30:00+01:00 lies before 2000-01-01" in stderr
    assert f"{tmp_path}/5.json: users[0].last_login: 9999-12-31T23:59:59-23:59 lies more than a day" in stderr
    assert f"{tmp_path}/bad\\udcff.json: users[0].code: not valid Unicode" in stderr
    assert f"{tmp_path}/\\x1b[31mred.json: users[0].code: not valid Unicode" in stderr
    assert "\x1b" not in stderr
    assert dump() == before


@pytest.mark.django_db(transaction=True)
def test_standard_input_over_the_limit_set_in_the_environment_is_refused(world):
    result = manage("import_snapshot", "-", input=encoded(base()) + b" " * 2000, SNAPSHOT_MAX_BYTES="1000")

    assert result.returncode == 1
    assert result.stderr.decode() == (
        "CommandError: <stdin>: " + snapshot_messages.TOO_LARGE.format(max_bytes=1000) + "\n"
    )


class Endless(io.RawIOBase):
    """A pipe that never ends, counting what is read from it."""

    def __init__(self):
        self.delivered = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        buffer[:] = b" " * len(buffer)
        self.delivered += len(buffer)
        return len(buffer)


def test_it_reads_no_more_than_the_limit_from_an_endless_standard_input(world, monkeypatch, settings):
    settings.SNAPSHOT_MAX_BYTES = 100_000
    pipe = Endless()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BufferedReader(pipe)))
    before = dump()

    with pytest.raises(CommandError) as error:
        call_command("import_snapshot", "-", stdout=io.StringIO())

    assert str(error.value) == "<stdin>: " + snapshot_messages.TOO_LARGE.format(max_bytes=100_000)
    assert pipe.delivered <= 100_001 + io.DEFAULT_BUFFER_SIZE
    assert dump() == before


def test_a_sparse_file_of_10_gib_is_refused_at_once(world, settings):
    settings.SNAPSHOT_MAX_BYTES = 1000
    with open("big.json", "wb") as file:
        file.truncate(10 * 1024 * 1024 * 1024)  # 10 GiB, sparse: refused without a read

    with pytest.raises(CommandError) as error:
        call_command("import_snapshot", "big.json", stdout=io.StringIO())

    assert str(error.value) == "big.json: " + snapshot_messages.TOO_LARGE.format(max_bytes=1000)


def test_the_parser_refuses_bytes_and_text_over_the_limit_for_the_api_too():
    raw = encoded(base())

    for data in (raw, raw.decode()):
        with pytest.raises(SnapshotError) as error:
            parse_snapshot(data, source_name="PUT O12345AA", now=NOW, max_bytes=len(raw) - 1)
        assert error.value.message == "PUT O12345AA: " + snapshot_messages.TOO_LARGE.format(
            max_bytes=len(raw) - 1
        )
        assert parse_snapshot(data, source_name="PUT O12345AA", now=NOW, max_bytes=len(raw)).users


def test_the_date_window_moves_with_the_now_it_is_given():
    data = base(taken_at="2026-11-28T00:45:00+01:00")
    earlier = datetime(2026, 11, 26, 9, 0, tzinfo=AMSTERDAM)  # the login is 25 hours ahead

    with pytest.raises(SnapshotError) as error:
        parse_snapshot(data, source_name="a.json", now=earlier)

    assert error.value.errors == [
        "a.json: taken_at: " + snapshot_messages.IN_THE_FUTURE.format(value="2026-11-28T00:45:00+01:00"),
        "a.json: users[0].last_login: "
        + snapshot_messages.LOGIN_IN_THE_FUTURE.format(value="2026-11-27T10:00:00+01:00"),
    ]
    assert parse_snapshot(data, source_name="a.json", now=NOW).taken_at.year == 2026


def test_it_counts_every_problem_even_beyond_those_it_keeps():
    data = base()
    data["users"] = [{"code": position} for position in range(1000)]

    with pytest.raises(SnapshotError) as error:
        parse_snapshot(data, source_name="a.json", now=NOW)

    assert len(error.value.errors) == snapshot_messages.MAX_ERRORS_KEPT
    assert error.value.total == 5000  # a wrong code and four missing flags each
    assert error.value.message.splitlines()[-1] == snapshot_messages.MORE_ERRORS.format(count=5000 - 20)


def test_a_value_the_database_refuses_as_data_is_still_a_clear_refusal(world):
    # The parser refuses everything the database would; should one slip through (here a name longer
    # than its column, which the parser would have refused), the DataError is a clear refusal too.
    parsed = parse_snapshot(encoded(base()), source_name="O12345AA.json", now=NOW)
    too_long = dataclasses.replace(parsed, users=(dataclasses.replace(parsed.users[0], name="x" * 300),))
    before = dump()

    with pytest.raises(SnapshotError, match=r"^O12345AA.json: could not be stored: value too long"):
        services.import_snapshots(snapshots=[too_long])

    assert dump() == before
