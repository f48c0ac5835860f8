"""The AFAS GetConnector compatibility of Licentiedata: the query parameters, the metainfo and the token."""

import base64
from datetime import UTC, datetime

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from api.afas_query import (
    FIELDS,
    LISTS_DIFFER,
    MAX_PARAMETER_LENGTH,
    MAX_TAKE,
    NOT_A_BOOL,
    NOT_A_COUNT,
    NOT_A_DATETIME,
    NOT_AN_INT,
    TOO_LONG,
    UNKNOWN_FIELD,
    UNKNOWN_OPERATOR,
    VALUES_WITHOUT_FIELDS,
    QueryError,
    metainfo,
    parse_afas_token,
    query,
    rows_from_report,
)
from licensing.licentiedata import license_report
from tests.factories import LicenseLineFactory

JANUARY = "2025-01-10T02:00:00+00:00"
FEBRUARY = "2025-02-01T02:00:00+00:00"


def _report(customer, counted_at, lines):
    keys = ("item", "scope", "maximum", "portal", "in_use", "available", "deviation")
    return {
        "customer": customer,
        "counted_at": counted_at,
        "lines": [dict(zip(keys, line, strict=True)) for line in lines],
    }


# R0..R4: three lines of 12345 counted in January, one of 67890 in February, one never counted.
ROWS = (
    rows_from_report(
        _report(
            "12345",
            JANUARY,
            [
                ("profit_users", "O", 10, 10, 8, 2, False),
                ("insite_users", "O", 5, 6, 7, -2, True),
                ("environments", "license", 6, 6, 6, 0, False),
            ],
        )
    )
    + rows_from_report(_report("67890", FEBRUARY, [("profit_users", "O", 3, 3, 1, 2, False)]))
    + rows_from_report(_report("99999", None, [("employees", "license", 0, 0, 0, 0, False)]))
)


def _indices(params, rows=ROWS):
    return [rows.index(row) for row in query(list(rows), params)["rows"]]


def _filter(field, operator, value):
    return {"filterfieldids": field, "operatortypes": str(operator), "filtervalues": value}


# Every operator on every type: (field, operator, value, the rows it keeps).
OPERATOR_CASES = [
    # text, compared case-insensitively
    ("Onderdeel", 1, "PROFIT_users", [0, 3]),
    ("Onderdeel", 2, "insite_users", [0, 1, 3]),
    ("Onderdeel", 3, "insite_users", [1, 2, 4]),
    ("Onderdeel", 4, "insite_users", [0, 3]),
    ("Onderdeel", 5, "insite_users", [2, 4]),
    ("Onderdeel", 6, "USERS", [0, 1, 3]),
    ("Onderdeel", 6, "%site%", [1]),
    ("Onderdeel", 7, "profit_users", [1, 2, 4]),
    ("Onderdeel", 8, "", []),
    ("Onderdeel", 9, "", [0, 1, 2, 3, 4]),
    # whole numbers, compared as numbers (10 > 6, although "10" < "6")
    ("Maximum", 1, "6", [2]),
    ("Maximum", 2, "6", [0, 2]),
    ("Maximum", 3, "6", [1, 2, 3, 4]),
    ("Maximum", 4, "6", [0]),
    ("Maximum", 5, "6", [1, 3, 4]),
    ("Maximum", 6, "1", [0]),
    ("Maximum", 7, "6", [0, 1, 3, 4]),
    ("Maximum", 8, "", []),
    ("Maximum", 9, "", [0, 1, 2, 3, 4]),
    ("Beschikbaar", 5, "-1", [1]),
    # yes/no, from true/false/1/0
    ("Afwijking", 1, "true", [1]),
    ("Afwijking", 1, "0", [0, 2, 3, 4]),
    ("Afwijking", 2, "TRUE", [1]),
    ("Afwijking", 3, "false", [0, 2, 3, 4]),
    ("Afwijking", 4, "0", [1]),
    ("Afwijking", 5, "1", [0, 2, 3, 4]),
    ("Afwijking", 6, "tru", [1]),
    ("Afwijking", 7, "1", [0, 2, 3, 4]),
    ("Afwijking", 8, "", []),
    ("Afwijking", 9, "", [0, 1, 2, 3, 4]),
    # moments: without an offset they are Amsterdam time (03:00 in January is 02:00 UTC)
    ("GeteldOp", 1, "2025-01-10T03:00:00", [0, 1, 2]),
    ("GeteldOp", 1, "2025-01-10T02:00:00Z", [0, 1, 2]),
    ("GeteldOp", 2, "2025-01-31", [3]),
    ("GeteldOp", 3, "2025-01-31", [0, 1, 2]),
    ("GeteldOp", 4, "2025-01-10T03:00", [3]),
    ("GeteldOp", 5, "2025-02-01T03:00+01:00", [0, 1, 2]),
    ("GeteldOp", 6, "2025-02", [3]),
    ("GeteldOp", 7, "2025-02-01T03:00:00", [0, 1, 2, 4]),
    ("GeteldOp", 8, "", [4]),
    ("GeteldOp", 9, "", [0, 1, 2, 3]),
]


@pytest.mark.parametrize(("field", "operator", "value", "expected"), OPERATOR_CASES)
def test_each_operator_compares_by_the_fields_type(field, operator, value, expected):
    assert _indices(_filter(field, operator, value)) == expected


def test_the_field_ids_are_those_of_the_rows_and_case_insensitive():
    assert list(ROWS[0]) == [field.id for field in FIELDS]
    assert _indices(_filter("onderdeel", 1, "employees")) == [4]


def test_empty_and_not_empty_need_no_filtervalues():
    assert _indices({"filterfieldids": "GeteldOp", "operatortypes": "8"}) == [4]
    assert _indices({"filterfieldids": "GeteldOp,Afwijking", "operatortypes": "9,8"}) == []
    assert _indices({"filterfieldids": "GeteldOp", "operatortypes": "9", "filtervalues": '""'}) == [
        0,
        1,
        2,
        3,
    ]


def test_a_comma_ands_conditions_and_a_semicolon_ors_groups():
    params = {
        "filterfieldids": "Klantnummer,Afwijking;Bereik",
        "operatortypes": "1,1;1",
        "filtervalues": "12345,false;license",
    }
    assert _indices(params) == [0, 2, 4]  # (12345 and no deviation) or scope license
    assert _indices(_filter("Klantnummer,Bereik", "1,1", "12345,O")) == [0, 1]
    assert _indices(_filter("Klantnummer;Klantnummer", "1;1", "67890;99999")) == [3, 4]


def test_it_orders_by_several_fields_each_ascending_or_descending():
    assert _indices({"orderbyfieldids": "Maximum"}) == [4, 3, 1, 2, 0]
    assert _indices({"orderbyfieldids": "-Maximum"}) == [0, 2, 1, 3, 4]
    assert _indices({"orderbyfieldids": "Klantnummer,-Maximum"}) == [0, 2, 1, 3, 4]
    assert _indices({"orderbyfieldids": "-Klantnummer,InGebruik"}) == [4, 3, 2, 1, 0]


def test_ordering_is_stable_and_puts_the_missing_first_ascending():
    assert _indices({"orderbyfieldids": "Bereik"}) == [2, 4, 0, 1, 3]  # equal keys keep their order
    assert _indices({"orderbyfieldids": "-Afwijking"}) == [1, 0, 2, 3, 4]
    assert _indices({"orderbyfieldids": "GeteldOp"}) == [4, 0, 1, 2, 3]
    assert _indices({"orderbyfieldids": "-GeteldOp"}) == [3, 0, 1, 2, 4]


def test_filter_order_and_page_together():
    params = {
        "filterfieldids": "Bereik",
        "operatortypes": "1",
        "filtervalues": "O",
        "orderbyfieldids": "-InGebruik",
    }
    assert _indices({**params, "skip": "1", "take": "1"}) == [1]


def test_skip_and_take_default_to_0_and_100():
    many = [dict(ROWS[0], Maximum=n) for n in range(150)]
    answer = query(many, {})
    assert (answer["skip"], answer["take"]) == (0, 100)
    assert answer["rows"] == many[:100]


@pytest.mark.parametrize(
    ("skip", "take", "expected_take", "expected"),
    [
        ("0", "0", 0, []),
        ("2", "2", 2, [2, 3]),
        ("4", "100", 100, [4]),
        ("5", "1", 1, []),
        ("500000", "1000", 1000, []),
        ("9" * 18, "1000", 1000, []),
        ("0", "5000", MAX_TAKE, [0, 1, 2, 3, 4]),
        ("", "", 100, [0, 1, 2, 3, 4]),
    ],
)
def test_skip_and_take_page_the_rows(skip, take, expected_take, expected):
    answer = query(list(ROWS), {"skip": skip, "take": take})
    assert (answer["skip"], answer["take"]) == (int(skip or 0), expected_take)
    assert [ROWS.index(row) for row in answer["rows"]] == expected


def test_take_is_capped_at_1000_rows():
    many = [dict(ROWS[0], Maximum=n) for n in range(1500)]
    answer = query(many, {"take": "1001", "skip": "100"})
    assert answer["take"] == MAX_TAKE
    assert answer["rows"] == many[100:1100]


def _refusal(params):
    with pytest.raises(QueryError) as refused:
        query(list(ROWS), params)
    return refused.value


@pytest.mark.parametrize("value", ["-1", "abc", "1.5", "+1", " 5", "5_000", "١", "1e3", "9" * 19])
@pytest.mark.parametrize("name", ["skip", "take"])
def test_it_refuses_a_count_that_is_not_a_whole_number_of_0_or_more(name, value):
    error = _refusal({name: value})
    assert error.parameter == name
    assert error.message == NOT_A_COUNT % {"parameter": name}


@pytest.mark.parametrize(
    ("params", "parameter", "message"),
    [
        (
            _filter("Kleur", 1, "rood"),
            "filterfieldids",
            UNKNOWN_FIELD % {"field": "Kleur", "parameter": "filterfieldids"},
        ),
        (
            _filter("Maximum,", "1,1", "1,1"),
            "filterfieldids",
            UNKNOWN_FIELD % {"field": "", "parameter": "filterfieldids"},
        ),
        (
            {"orderbyfieldids": "Maximum,-Kleur"},
            "orderbyfieldids",
            UNKNOWN_FIELD % {"field": "Kleur", "parameter": "orderbyfieldids"},
        ),
        (
            {"orderbyfieldids": "-"},
            "orderbyfieldids",
            UNKNOWN_FIELD % {"field": "", "parameter": "orderbyfieldids"},
        ),
        (_filter("Maximum", 10, "1"), "operatortypes", UNKNOWN_OPERATOR % {"operator": "10"}),
        (_filter("Maximum", 0, "1"), "operatortypes", UNKNOWN_OPERATOR % {"operator": "0"}),
        (_filter("Maximum", "=", "1"), "operatortypes", UNKNOWN_OPERATOR % {"operator": "="}),
        (
            _filter("Maximum,Bereik", "1", "1,O"),
            "operatortypes",
            LISTS_DIFFER % {"parameter": "operatortypes"},
        ),
        ({"filterfieldids": "Maximum"}, "operatortypes", LISTS_DIFFER % {"parameter": "operatortypes"}),
        (_filter("Maximum,Bereik", "1,1", "1"), "filtervalues", LISTS_DIFFER % {"parameter": "filtervalues"}),
        (
            _filter("Maximum,Bereik", "1,1", "1;O"),
            "filtervalues",
            LISTS_DIFFER % {"parameter": "filtervalues"},
        ),
        (
            _filter("Maximum;Bereik", "1,1", "1;O"),
            "operatortypes",
            LISTS_DIFFER % {"parameter": "operatortypes"},
        ),
        ({"operatortypes": "1"}, "operatortypes", VALUES_WITHOUT_FIELDS % {"parameter": "operatortypes"}),
        ({"filtervalues": "1"}, "filtervalues", VALUES_WITHOUT_FIELDS % {"parameter": "filtervalues"}),
        (_filter("Maximum", 1, "tien"), "filtervalues", NOT_AN_INT % {"value": "tien", "field": "Maximum"}),
        (_filter("InGebruik", 2, "1.0"), "filtervalues", NOT_AN_INT % {"value": "1.0", "field": "InGebruik"}),
        (_filter("Afwijking", 1, "ja"), "filtervalues", NOT_A_BOOL % {"value": "ja", "field": "Afwijking"}),
        (
            _filter("GeteldOp", 4, "gisteren"),
            "filtervalues",
            NOT_A_DATETIME % {"value": "gisteren", "field": "GeteldOp"},
        ),
        (_filter("GeteldOp", 1, ""), "filtervalues", NOT_A_DATETIME % {"value": "", "field": "GeteldOp"}),
        (
            {"orderbyfieldids": "Maximum," * MAX_PARAMETER_LENGTH},
            "orderbyfieldids",
            TOO_LONG % {"parameter": "orderbyfieldids", "max": MAX_PARAMETER_LENGTH},
        ),
    ],
)
def test_it_refuses_what_it_cannot_read_naming_the_parameter(params, parameter, message):
    error = _refusal(params)
    assert (error.parameter, error.message) == (parameter, message)


def test_a_long_value_is_shortened_in_the_message():
    error = _refusal(_filter("Maximum", 1, "9" * 30 + "x" * 30))
    assert "…" in str(error.message)
    assert "x" * 30 not in str(error.message)


# Fragments that make a query string nearly valid as often as not.
_FRAGMENTS = st.sampled_from(
    [f.id for f in FIELDS] + ["-", ",", ";", "%", " ", "", "0", "1", "7", "9", "10", "-1", "true", "x",
     "2025-01-10", "T03:00", "+01:00", "Z", "1" * 20, "\x00", "é", "ﬁ"]
)  # fmt: skip
_PARAMETER_TEXT = st.one_of(st.lists(_FRAGMENTS, max_size=12).map("".join), st.text(max_size=40))
_FUZZED = st.dictionaries(
    st.sampled_from(
        ["skip", "take", "orderbyfieldids", "filterfieldids", "filtervalues", "operatortypes", "x"]
    ),
    _PARAMETER_TEXT,
    max_size=6,
)
# And queries that are well formed as often as not, so the filter, the order and the page are reached.
_IDS = [f.id for f in FIELDS]
_CONDITION = st.tuples(
    st.sampled_from([*_IDS, "Kleur"]),
    st.sampled_from(["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]),
    st.sampled_from(
        ["", "0", "1", "6", "-2", "true", "False", "PROFIT_users", "O", "license", "12345", "%users%", "x",
         "2025-01-10", "2025-01-10T03:00", "2025-02-01T02:00:00Z", "0001-01-01T00:00+14:00"]
    ),
)  # fmt: skip
_COUNTS = st.sampled_from(["", "0", "1", "2", "4", "100", "1000", "1001", "-1", "x"])


def _structured(groups, order, skip, take):
    def joined(part):
        return ";".join(",".join(condition[part] for condition in group) for group in groups)

    params = {"filterfieldids": joined(0), "operatortypes": joined(1), "filtervalues": joined(2)}
    return {**params, "orderbyfieldids": ",".join(order), "skip": skip, "take": take}


_PARAMS = st.one_of(
    _FUZZED,
    st.builds(
        _structured,
        st.lists(st.lists(_CONDITION, min_size=1, max_size=3), max_size=3),
        st.lists(st.sampled_from(_IDS + [f"-{i}" for i in _IDS]), max_size=3),
        _COUNTS,
        _COUNTS,
    ),
)


@settings(max_examples=400, derandomize=True, deadline=None)
@given(params=_PARAMS)
def test_any_parameters_give_a_page_of_the_rows_or_a_query_error(params):
    rows = list(ROWS)
    try:
        answer = query(rows, params)
    except QueryError as error:
        assert error.parameter in (
            "skip",
            "take",
            "orderbyfieldids",
            "filterfieldids",
            "filtervalues",
            "operatortypes",
        )
        assert str(error.message)
        return
    assert 0 <= answer["take"] <= MAX_TAKE
    assert len(answer["rows"]) <= answer["take"]
    assert all(any(row is given for given in ROWS) for row in answer["rows"])
    assert len({id(row) for row in answer["rows"]}) == len(answer["rows"])


def test_the_rows_come_from_the_license_report(customer_a):
    LicenseLineFactory(license=customer_a.license, item="profit_users", scope="O", maximum=7, portal=9)
    (row,) = rows_from_report(license_report(customer_a).as_json())
    assert row == {
        "Klantnummer": "12345",
        "Onderdeel": "profit_users",
        "Bereik": "O",
        "Maximum": 7,
        "Portaalaantal": 9,
        "InGebruik": 0,
        "Beschikbaar": 7,
        "Afwijking": True,
        "GeteldOp": None,
    }


def test_datetime_objects_in_rows_compare_as_well_as_iso_text():
    rows = [dict(ROWS[0], GeteldOp=datetime(2025, 1, 10, 2, tzinfo=UTC)), dict(ROWS[4])]
    assert [r["Klantnummer"] for r in query(rows, _filter("GeteldOp", 1, "2025-01-10T03:00"))["rows"]] == [
        "12345"
    ]


def test_metainfo_describes_every_field_in_afas_shape():
    with translation.override("nl"):
        info = metainfo()
    assert info["name"] == "Licentiedata"
    assert [f["id"] for f in info["fields"]] == [f.id for f in FIELDS]
    assert {f["dataType"] for f in info["fields"]} == {"string", "int", "boolean", "date"}
    in_use = next(f for f in info["fields"] if f["id"] == "InGebruik")
    assert in_use == {
        "id": "InGebruik",
        "fieldId": "U006",
        "dataType": "int",
        "label": "In gebruik",
        "length": 9,
        "controlType": 1,
        "decimals": 0,
        "decimalsFieldId": "",
    }


# --- the token --------------------------------------------------------------------------------------

KEY = "lp_Abc123-_xyz.0"


def _header(xml: str | bytes, scheme: str = "AfasToken") -> str:
    raw = xml.encode() if isinstance(xml, str) else xml
    return f"{scheme} {base64.b64encode(raw).decode()}"


@pytest.mark.parametrize(
    "header",
    [
        _header(f"<token><version>1</version><data>{KEY}</data></token>"),
        _header(f"<token>\n  <version>1</version>\n  <data>{KEY}</data>\n</token>\n"),
        _header(
            f'<?xml version="1.0" encoding="utf-8"?><token><version>1</version><data>{KEY}</data></token>'
        ),
        _header(f"<token><version>1</version><data>{KEY}</data></token>", scheme="afastoken"),
        "  " + _header(f"<token><version>1</version><data>{KEY}</data></token>") + "  ",
    ],
)
def test_it_reads_the_key_from_an_afas_token(header):
    assert parse_afas_token(header) == KEY


def test_it_reads_the_token_of_afas_documentation():
    header = (
        "AfasToken PHRva2VuPjx2ZXJzaW9uPjE8L3ZlcnNpb24+PGRhdGE+QURFMzcwQkU4REFGNDBEMEExN0ZGQjkxNEU0"
        "MjY3NUU5OTk4QzJENTQ2QTJGNEZBM0U0RjNBQkZBODY3Qjk2RjwvZGF0YT48L3Rva2VuPg=="
    )
    assert parse_afas_token(header) == "ADE370BE8DAF40D0A17FFB914E42675E9998C2D546A2F4FA3E4F3ABFA867B96F"


_VALID = _header(f"<token><version>1</version><data>{KEY}</data></token>")
_BOMB = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)).replace("&lol0;", "&lol;")
    + "]><token><version>1</version><data>&lol9;</data></token>"
)
HOSTILE = [
    None,
    "",
    "AfasToken",
    "AfasToken ",
    f"Bearer {KEY}",
    f"AfasToken {KEY}",  # the key itself, not encoded
    "AfasToken !!!not base64!!!",
    "AfasToken PHRva2VuPg",  # padding missing
    "AfasToken PHRva2Vu\nPg==",  # a line break inside
    _header(b"\xff\xfe<token>"),  # not UTF-8
    _header(f"<token><version>2</version><data>{KEY}</data></token>"),
    _header("<token><version>1</version></token>"),
    _header("<token><version>1</version><data></data></token>"),
    _header(f"<token><data>{KEY}</data><version>1</version></token>"),
    _header(f"<token><version>1</version><data>{KEY}</data><extra/></token>"),
    _header(f"<token><version>1</version><data>{KEY}</data></token><token/>"),
    _header(f'<token id="x"><version>1</version><data>{KEY}</data></token>'),
    _header(f"<token><version>1</version><data><![CDATA[{KEY}]]></data></token>"),
    _header("<token><version>1</version><data>a&amp;b</data></token>"),
    _header(f"<token><version>1</version><data>{KEY}\x00</data></token>"),
    _header(f"<token><version>1</version><data>{'a' * 513}</data></token>"),
    _header(_BOMB),
    _header(
        '<!DOCTYPE t [<!ENTITY k SYSTEM "file:///etc/passwd">]><token><version>1</version><data>&k;</data></token>'
    ),
    _VALID[:30] + "*" + _VALID[30:],  # a stray character: strict base64 refuses, lenient would skip it
    _header("<token>" + " " * 1000 + f"<version>1</version><data>{KEY}</data></token>"),  # past the bound
    "AfasToken " + "A" * 10_000_000,
    _header("<token><version>1</version><data>" + "a" * 2_000 + "</data></token>"),
]


@pytest.mark.parametrize("header", HOSTILE, ids=range(len(HOSTILE)))
def test_it_refuses_anything_but_that_token(header):
    assert parse_afas_token(header) is None
