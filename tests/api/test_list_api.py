"""GET /api/v1/mutations/ and /api/v1/warnings/: newest first, cursor pagination, the key's customer only."""

import base64
import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from api.models import ApiScope
from api.problems import CONTENT_TYPE
from api.reads import BAD_CURSOR, encode_cursor
from licensing.models import LicenseMutation, MutationSource
from licensing.monitoring.models import LicenseWarning, WarningKind
from licensing.monitoring.texts import over_use_params, stale_data_params
from tests.api.credentials import REFUSED, bearer_of, credentials
from tests.factories import EnvironmentFactory, LicenseLineFactory

MUTATIONS = "/api/v1/mutations/"
WARNINGS = "/api/v1/warnings/"


def mutate(line, *, quantity, contact=None, by="staff@leverancier.nl", source=MutationSource.BACKOFFICE):
    return LicenseMutation.objects.create(
        line=line,
        customer=line.license.customer,
        contact=contact,
        by=contact.email if contact else by,
        old_maximum=line.maximum,
        old_portal=line.portal,
        new_quantity=quantity,
        in_use=3,
        source=source,
    )


@pytest.fixture
def history(customer_a, customer_b, beheerder):
    """12 mutations of A (5 of them at one and the same moment, to page through a tie) and 3 of B."""
    line = LicenseLineFactory(license=customer_a.license, item="profit_users", scope="O", maximum=10)
    other_line = LicenseLineFactory(license=customer_a.license, item="employees", scope="license", maximum=50)
    b_line = LicenseLineFactory(license=customer_b.license, item="profit_users", scope="O", maximum=2)
    start = timezone.now() - timedelta(days=30)
    for n in range(7):
        with time_machine.travel(start + timedelta(hours=n), tick=False):
            mutate(line if n % 2 else other_line, quantity=10 + n, contact=beheerder if n == 6 else None)
            mutate(b_line, quantity=100 + n) if n < 3 else None
    with time_machine.travel(start + timedelta(days=1), tick=False):
        for n in range(5):
            mutate(line, quantity=20 + n, by="Power BI", source=MutationSource.PORTAL)
    return customer_a


def walk(client, url, secret, *, limit, **params):
    """Every page from the first: (items in order, number of pages)."""
    items, pages, cursor = [], 0, None
    while True:
        query = {"limit": limit, **params, **({"cursor": cursor} if cursor else {})}
        response = client.get(url, query, **bearer_of(secret))
        assert response.status_code == 200, response.content
        body = response.json()
        assert len(body["items"]) <= limit
        items += body["items"]
        pages += 1
        cursor = body["next"]
        if cursor is None:
            return items, pages


def test_mutations_newest_first_with_every_field(client, history, beheerder, make_key):
    _api_key, secret = make_key(history)
    body = client.get(MUTATIONS, **bearer_of(secret)).json()
    assert body["next"] is None
    expected = LicenseMutation.objects.filter(customer=history).order_by("-created_at", "-id")
    assert len(body["items"]) == expected.count() == 12
    first = expected[0]
    assert body["items"][0] == {
        "item": "profit_users",
        "scope": "O",
        "old_maximum": 10,
        "old_portal": 10,
        "new_quantity": 24,
        "in_use": 3,
        "source": "portal",
        "by": "Power BI",
        "created_at": first.created_at.isoformat(),
        "old_price": None,
        "new_price": None,
    }
    assert [item["new_quantity"] for item in body["items"]] == [m.new_quantity for m in expected]
    # The contact's name, not its id nor the e-mail address.
    by_contact = next(item for item in body["items"] if item["new_quantity"] == 16)
    assert by_contact["by"] == beheerder.name
    assert by_contact["item"] == "profit_users" or by_contact["item"] == "employees"
    assert {item["by"] for item in body["items"]} == {"Power BI", "staff@leverancier.nl", beheerder.name}


@pytest.mark.parametrize("limit", [1, 3, 5, 12, 100])
def test_pages_of_mutations_have_no_duplicates_and_no_gaps(client, history, make_key, limit):
    _api_key, secret = make_key(history)
    items, pages = walk(client, MUTATIONS, secret, limit=limit)
    whole = client.get(MUTATIONS, {"limit": 100}, **bearer_of(secret)).json()["items"]
    assert items == whole
    assert pages == -(-12 // limit)
    assert sorted(item["new_quantity"] for item in items) == sorted([*range(10, 17), *range(20, 25)])


def test_a_mutation_made_while_paging_does_not_shift_the_pages(client, history, make_key):
    _api_key, secret = make_key(history)
    first = client.get(MUTATIONS, {"limit": 4}, **bearer_of(secret)).json()
    mutate(LicenseLineFactory(license=history.license, item="profit_users", scope="O"), quantity=99)
    second = client.get(MUTATIONS, {"limit": 4, "cursor": first["next"]}, **bearer_of(secret)).json()
    whole = LicenseMutation.objects.filter(customer=history).exclude(new_quantity=99)
    expected = [m.new_quantity for m in whole.order_by("-created_at", "-id")]
    assert [item["new_quantity"] for item in first["items"] + second["items"]] == expected[:8]


def test_another_customers_mutations_never_appear(client, history, customer_b, make_key):
    _api_key, secret = make_key(history)
    items, _pages = walk(client, MUTATIONS, secret, limit=5)
    assert not {item["new_quantity"] for item in items} & {100, 101, 102}
    _api_key, b_secret = make_key(customer_b)
    b_items, _pages = walk(client, MUTATIONS, b_secret, limit=2)
    assert [item["new_quantity"] for item in b_items] == [102, 101, 100]


@pytest.mark.parametrize(
    ("url", "scope"), [(MUTATIONS, ApiScope.LICENTIEDATA_READ), (WARNINGS, ApiScope.WARNINGS_READ)]
)
def test_every_kind_of_credential_gets_its_status(
    client, history, warnings, customer_b, make_key, make_token, url, scope
):
    secrets = credentials(history, customer_b, scope=scope, make_key=make_key, make_token=make_token)
    answers = {name: client.get(url, **bearer_of(secret)) for name, secret in secrets.items()}
    assert {name: response.status_code for name, response in answers.items() if name in REFUSED} == REFUSED
    assert all(answers[name]["Content-Type"] == CONTENT_TYPE for name in REFUSED)
    assert answers["own"].status_code == 200 and len(answers["own"].json()["items"]) > 0
    own_items = answers["own"].json()["items"]
    other_items = answers["other_customer"].json()["items"]
    assert answers["other_customer"].status_code == 200
    assert len(other_items) == (3 if url == MUTATIONS else 1)
    assert not [item for item in other_items if item in own_items]


# --- warnings ---------------------------------------------------------------------------------------


OVER = over_use_params(item="profit_users", scope="O", in_use=12, maximum=10)
B_OVER = over_use_params(item="profit_users", scope="O", in_use=777, maximum=2)


@pytest.fixture
def warnings(history, customer_b):
    """A's: 8 resolved stale-data warnings (one per hour), 2 open ones (an over-use of a line, one
    stale environment); B's: one open over-use."""
    environment = EnvironmentFactory(customer=history, code="O12345AA")
    line = history.license.lines.get(item="profit_users", scope="O")
    now = timezone.now()
    for n in range(8):
        LicenseWarning.objects.create(
            customer=history,
            kind=WarningKind.STALE_DATA,
            environment=environment,
            opened_at=now - timedelta(days=10, hours=n),
            resolved_at=now - timedelta(days=9, hours=n),
            acknowledged_at=now - timedelta(days=9) if n == 0 else None,
            params=stale_data_params(code="O12345AA", taken_at=now - timedelta(days=11, hours=n), hours=36),
        )
    LicenseWarning.objects.create(
        customer=history, kind=WarningKind.OVER_USE, line=line, opened_at=now, params=OVER
    )
    LicenseWarning.objects.create(
        customer=history,
        kind=WarningKind.STALE_DATA,
        environment=environment,
        opened_at=now - timedelta(hours=1),
        params=stale_data_params(code="O12345AA", taken_at=now - timedelta(days=2), hours=36),
    )
    b_line = customer_b.license.lines.get()
    LicenseWarning.objects.create(
        customer=customer_b, kind=WarningKind.OVER_USE, line=b_line, opened_at=now, params=B_OVER
    )
    return history


def test_warnings_newest_first_with_every_field(client, warnings, make_key):
    _api_key, secret = make_key(warnings, scopes=[ApiScope.WARNINGS_READ])
    body = client.get(WARNINGS, **bearer_of(secret)).json()
    expected = LicenseWarning.objects.filter(customer=warnings).order_by("-opened_at", "-id")
    assert [item["message"] for item in body["items"]] == [w.text for w in expected]
    over_use = expected[0]
    assert body["items"][0] == {
        "kind": "over_use",
        "item": "profit_users",
        "scope": "O",
        "environment": None,
        "opened_at": over_use.opened_at.isoformat(),
        "resolved_at": None,
        "acknowledged_at": None,
        "message": over_use.text,
    }
    resolved = expected[2]
    assert body["items"][2] == {
        "kind": "stale_data",
        "item": None,
        "scope": None,
        "environment": "O12345AA",
        "opened_at": resolved.opened_at.isoformat(),
        "resolved_at": resolved.resolved_at.isoformat(),
        "acknowledged_at": resolved.acknowledged_at.isoformat(),
        "message": resolved.text,
    }
    assert "777 in gebruik" not in " ".join(item["message"] for item in body["items"])


def test_open_filters_open_or_resolved_warnings(client, warnings, make_key):
    _api_key, secret = make_key(warnings, scopes=[ApiScope.WARNINGS_READ])
    open_ones = client.get(WARNINGS, {"open": "true"}, **bearer_of(secret)).json()["items"]
    open_texts = [w.text for w in LicenseWarning.objects.filter(customer=warnings, resolved_at=None)]
    assert [item["message"] for item in open_ones] == sorted(open_texts, key=lambda t: "gebruik" not in t)
    resolved, _pages = walk(client, WARNINGS, secret, limit=3, open="false")
    stale = LicenseWarning.objects.filter(customer=warnings, resolved_at__isnull=False).order_by("-opened_at")
    assert [item["message"] for item in resolved] == [w.text for w in stale]
    assert len(resolved) == 8
    assert all(item["resolved_at"] for item in resolved)
    everything, pages = walk(client, WARNINGS, secret, limit=3)
    assert (len(everything), pages) == (10, 4)
    assert client.get(WARNINGS, {"open": "perhaps"}, **bearer_of(secret)).status_code == 422


# --- the cursor and the limit -----------------------------------------------------------------------


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "abc",
        "!!!!",
        b64("not json"),
        b64('["2025-01-01T00:00:00+00:00"]'),
        b64('["2025-01-01T00:00:00+00:00", "7"]'),
        b64('["2025-01-01T00:00:00+00:00", 0]'),
        b64('["2025-01-01T00:00:00", 7]'),  # no offset
        b64('["yesterday", 7]'),
        b64('{"at": "2025-01-01T00:00:00+00:00", "id": 7}'),
        encode_cursor(timezone.now(), 7) + "==",  # not the form we give out
        b64('["2025-01-01T00:00:00+00:00", 7]'),  # readable, but not the form we give out
        "A" * 201,
    ],
)
@pytest.mark.parametrize(
    ("url", "scope"), [(MUTATIONS, ApiScope.LICENTIEDATA_READ), (WARNINGS, ApiScope.WARNINGS_READ)]
)
def test_a_malformed_cursor_is_a_422_naming_it(client, customer_a, make_key, url, scope, cursor):
    _api_key, secret = make_key(customer_a, scopes=[scope])
    response = client.get(url, {"cursor": cursor}, **bearer_of(secret))
    assert response.status_code == 422
    assert response["Content-Type"] == CONTENT_TYPE
    errors = response.json()["errors"]
    assert [error["field"] for error in errors] == ["cursor"]


def test_the_cursor_message_is_in_the_requests_language(client, customer_a, make_key):
    _api_key, secret = make_key(customer_a)
    dutch = client.get(MUTATIONS, {"cursor": "abc"}, **bearer_of(secret)).json()["errors"][0]["message"]
    english = client.get(MUTATIONS, {"cursor": "abc"}, HTTP_ACCEPT_LANGUAGE="en", **bearer_of(secret))
    assert dutch == str(BAD_CURSOR)
    assert english.json()["errors"][0]["message"].startswith("This cursor is invalid")


@pytest.mark.parametrize("limit", ["0", "101", "-5", "many"])
def test_a_limit_outside_1_to_100_is_a_422(client, customer_a, make_key, limit):
    _api_key, secret = make_key(customer_a)
    response = client.get(MUTATIONS, {"limit": limit}, **bearer_of(secret))
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["limit"]


def test_a_cursor_is_opaque_text_of_time_and_id(client, history, make_key):
    _api_key, secret = make_key(history)
    body = client.get(MUTATIONS, {"limit": 2}, **bearer_of(secret)).json()
    second = LicenseMutation.objects.filter(customer=history).order_by("-created_at", "-id")[1]
    moment, pk = json.loads(base64.urlsafe_b64decode(body["next"] + "=" * (-len(body["next"]) % 4)))
    assert (moment, pk) == (second.created_at.isoformat(), second.pk)


# --- queries ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "scope"), [(MUTATIONS, ApiScope.LICENTIEDATA_READ), (WARNINGS, ApiScope.WARNINGS_READ)]
)
def test_a_page_costs_the_same_queries_whatever_its_size(
    client, warnings, make_key, django_assert_num_queries, url, scope
):
    _api_key, secret = make_key(warnings, scopes=[scope])
    client.get(url, **bearer_of(secret))  # the key's first use is noted
    for limit in (1, 5, 100):
        # The key (with its customer; its use was noted within the minute, so no UPDATE), the page.
        with django_assert_num_queries(2):
            response = client.get(url, {"limit": limit}, **bearer_of(secret))
        assert len(response.json()["items"]) == min(limit, 12 if url == MUTATIONS else 10)
    cursor = client.get(url, {"limit": 2}, **bearer_of(secret)).json()["next"]
    with django_assert_num_queries(2):
        client.get(url, {"limit": 5, "cursor": cursor}, **bearer_of(secret))
