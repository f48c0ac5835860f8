"""Onderhoud gebruikers: the customer's unique users and employees across its environments."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from environments.selectors import UserFilter, customer_users
from tests.factories import EmployeeFactory, EnvironmentFactory, EnvironmentUserFactory, identity

URL = reverse("licensing:maintenance")
EMPLOYEES_URL = reverse("licensing:maintenance_employees")


@pytest.fixture
def environments(customer_a):
    return {
        "O1": EnvironmentFactory(customer=customer_a, type="O"),
        "O2": EnvironmentFactory(customer=customer_a, type="O"),
        "T1": EnvironmentFactory(customer=customer_a, type="T"),
        "A1": EnvironmentFactory(customer=customer_a, type="A"),
    }


def user(environment, code, **fields):
    return EnvironmentUserFactory(environment=environment, code=code, **fields)


def rows_of(response):
    return {row.code: row for row in response.context["rows"]}


def test_it_redirects_anonymous_visitors_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_it_lists_each_user_once_across_environments_of_a_type(client, beheerder, environments):
    # DESIGN.md: Susan, John, Martin in A and Susan, Bart, Pascal in B of the same type: 5 unique users.
    for code in ("Susan", "John", "Martin"):
        user(environments["O1"], code)
    for code in ("susan", "Bart", "Pascal"):
        user(environments["O2"], code)
    client.force_login(beheerder.user)
    response = client.get(URL)
    assert response.status_code == 200
    rows = rows_of(response)
    assert sorted(code.lower() for code in rows) == ["bart", "john", "martin", "pascal", "susan"]
    susan = next(row for code, row in rows.items() if code.lower() == "susan")
    assert [(t.label, t.environments, t.counts_as) for t in susan.types] == [("Productie", 2, "P")]
    assert "Bart" in response.content.decode()


def test_it_shows_per_environment_type_what_the_user_counts_as(client, beheerder, environments):
    user(environments["O1"], "jansen", profit=True, insite=True, blocked=True)
    user(environments["O2"], "jansen", profit=True, insite=False)
    user(environments["T1"], "jansen", profit=False, outsite=True, blocked=True)
    user(environments["A1"], "jansen", profit=True, kind="coworker")
    client.force_login(beheerder.user)
    row = rows_of(client.get(URL))["jansen"]
    assert [(t.type, t.environments, t.counts_as, t.blocked, t.coworker) for t in row.types] == [
        ("O", 2, "P", True, False),
        ("T", 1, "", True, False),
        ("A", 1, "", False, True),
    ]
    assert [(p.environment.code, p.mark) for p in row.presences] == [
        (environments["O1"].code, "P I, geblokkeerd"),
        (environments["O2"].code, "P"),
        (environments["T1"].code, "O, geblokkeerd"),
        (environments["A1"].code, "P, meewerkgebruiker"),
    ]
    # What the page shows per type, worded once in Python.
    o1, o2, t1, a1 = (environments[name].code for name in ("O1", "O2", "T1", "A1"))
    assert [(t.environments_text, t.counting_text, t.where) for t in row.types] == [
        ("2 omgevingen", "telt als P, geblokkeerd", f"{o1}: P I, geblokkeerd; {o2}: P"),
        ("1 omgeving", "telt niet, geblokkeerd", f"{t1}: O, geblokkeerd"),
        ("1 omgeving", "telt niet, meewerkgebruiker", f"{a1}: P, meewerkgebruiker"),
    ]


def test_it_leaves_out_decommissioned_environments_and_other_customers(
    client, beheerder, environments, customer_b
):
    old = EnvironmentFactory(customer=environments["O1"].customer, type="O", is_active=False)
    user(old, "gone")
    user(EnvironmentFactory(customer=customer_b), "stranger")
    user(environments["O1"], "here")
    client.force_login(beheerder.user)
    assert list(rows_of(client.get(URL))) == ["here"]


def test_it_searches_code_name_and_email(client, beheerder, environments):
    user(environments["O1"], "12345.kok", name="Ruud Kok", email="r.kok@example.nl")
    user(environments["O1"], "12345.bos", name="Thomas Bos", email="t.bos@example.nl")
    user(environments["T1"], "12345.smit", name="Anna Smit", email="kokkie@example.nl")
    client.force_login(beheerder.user)
    assert sorted(rows_of(client.get(URL, {"q": "KOK"}))) == ["12345.kok", "12345.smit"]
    assert list(rows_of(client.get(URL, {"q": "thomas"}))) == ["12345.bos"]
    assert list(rows_of(client.get(URL, {"q": "12345.sm"}))) == ["12345.smit"]


def test_its_filters_apply_to_one_environment_of_the_user(client, beheerder, environments):
    user(environments["O1"], "a", profit=True, outsite=False)
    user(environments["T1"], "a", profit=False, outsite=True, blocked=True)
    user(environments["O1"], "b", profit=False, outsite=True)
    user(environments["A1"], "c", profit=True, kind="intern")
    client.force_login(beheerder.user)
    assert sorted(rows_of(client.get(URL, {"type": "T"}))) == ["a"]
    assert sorted(rows_of(client.get(URL, {"toegang": "outsite"}))) == ["a", "b"]
    assert sorted(rows_of(client.get(URL, {"toegang": "outsite", "type": "O"}))) == ["b"]
    assert sorted(rows_of(client.get(URL, {"geblokkeerd": "ja"}))) == ["a"]
    assert sorted(rows_of(client.get(URL, {"geblokkeerd": "ja", "type": "O"}))) == []
    assert sorted(rows_of(client.get(URL, {"soort": "intern"}))) == ["c"]
    # A filtered user still shows all its environments.
    assert len(rows_of(client.get(URL, {"type": "T"}))["a"].presences) == 2


def test_it_ignores_unknown_filter_values(customer_a, environments):
    user(environments["O1"], "a")
    parsed = UserFilter.from_query(
        {"type": "X", "toegang": "admin", "geblokkeerd": "misschien", "soort": "?"}
    )
    assert parsed == UserFilter()
    assert customer_users(customer_a, parsed).rows.count() == 1


def test_it_pages_by_25_and_keeps_the_filter(client, beheerder, environments):
    for n in range(30):
        user(environments["O1"], f"user{n:02d}", insite=True)
    user(environments["O1"], "zz-no-insite", insite=False)
    client.force_login(beheerder.user)
    first = client.get(URL, {"toegang": "insite"})
    assert len(first.context["rows"]) == 25
    assert first.context["page"].paginator.count == 30
    assert "toegang=insite&amp;page=2" in first.content.decode()
    second = client.get(URL, {"toegang": "insite", "page": 2})
    assert list(rows_of(second)) == [f"user{n:02d}" for n in range(25, 30)]


def _queries(client, contact, url) -> int:
    client.force_login(contact.user)
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", [URL, EMPLOYEES_URL, reverse("licensing:maintenance_cleanup")])
def test_its_query_count_does_not_grow_with_the_users(
    client, beheerder, other_beheerder, customer_b, environments, url
):
    small = EnvironmentFactory(customer=customer_b)
    guid = uuid.uuid4()
    EmployeeFactory(environment=small, guid=guid)
    user(small, "67890.one", kind="intern", employee_guid=guid)
    for n in range(60):
        guid = uuid.uuid4()
        for environment in environments.values():
            EmployeeFactory(environment=environment, guid=guid, in_service=n % 3 > 0)
            user(environment, f"12345.user{n}", kind="intern", insite=True, employee_guid=guid)
    small_count = _queries(client, other_beheerder, url)
    large_count = _queries(client, beheerder, url)
    assert large_count == small_count
    assert large_count <= 12


def test_a_medewerker_may_read_it(client, medewerker, environments):
    user(environments["O1"], "a")
    client.force_login(medewerker.user)
    response = client.get(URL)
    assert response.status_code == 200
    assert list(rows_of(response)) == ["a"]


def test_it_refuses_other_methods(client, beheerder):
    client.force_login(beheerder.user)
    assert client.post(URL).status_code == 405
    assert client.post(EMPLOYEES_URL).status_code == 405


def test_the_navigation_links_to_it(client, beheerder):
    client.force_login(beheerder.user)
    response = client.get(URL)
    assert f'<a href="{URL}" aria-current="page">Onderhoud gebruikers</a>' in response.content.decode()


def test_it_shows_one_user_in_each_environment_with_its_flags(client, beheerder, environments):
    guid = uuid.uuid4()
    EmployeeFactory(environment=environments["O2"], guid=guid, in_service=False)
    user(environments["O1"], "12345.Kok", profit=True, insite=True, kind="temp", employee_guid=guid)
    user(environments["T1"], "12345.kok", profit=False, outsite=True, blocked=True)
    client.force_login(beheerder.user)
    response = client.get(reverse("licensing:maintenance_user", args=[identity("12345.kok").id]))
    assert response.status_code == 200
    users = response.context["detail"].users
    assert [(u.environment.code, u.blocked, u.kind, u.employee_in_service) for u in users] == [
        (environments["O1"].code, False, "temp", False),
        (environments["T1"].code, True, "person", False),
    ]
    html = response.content.decode()
    assert reverse("licensing:user_block", args=[identity("12345.kok").id]) in html
    assert "niet in dienst" in html


def test_the_user_detail_hides_the_buttons_from_a_medewerker(client, medewerker, environments):
    user(environments["O1"], "a")
    client.force_login(medewerker.user)
    response = client.get(reverse("licensing:maintenance_user", args=[identity("a").id]))
    assert response.status_code == 200
    assert reverse("licensing:user_block", args=[identity("a").id]) not in response.content.decode()


def test_the_user_detail_of_another_customers_user_is_404(client, other_beheerder, environments):
    user(environments["O1"], "a")
    client.force_login(other_beheerder.user)
    assert client.get(reverse("licensing:maintenance_user", args=[identity("a").id])).status_code == 404
    assert client.get(reverse("licensing:maintenance_user", args=[999999])).status_code == 404


def test_it_lists_employees_per_guid_with_their_environments_and_users(client, beheerder, environments):
    serving, gone = uuid.uuid4(), uuid.uuid4()
    EmployeeFactory(environment=environments["O1"], guid=serving, name="Jan Jansen", in_service=False)
    EmployeeFactory(environment=environments["T1"], guid=serving, name="Jan Jansen", in_service=True)
    EmployeeFactory(environment=environments["O1"], guid=gone, name="Ruud Kok", kind="temp", in_service=False)
    user(environments["O1"], "12345.jansen", employee_guid=serving)
    user(environments["T1"], "12345.JANSEN", employee_guid=serving)
    client.force_login(beheerder.user)
    response = client.get(EMPLOYEES_URL)
    rows = {row.name: row for row in response.context["rows"]}
    assert rows["Jan Jansen"].in_service is True
    assert [(p.environment.code, p.counts) for p in rows["Jan Jansen"].presences] == [
        (environments["O1"].code, False),
        (environments["T1"].code, True),
    ]
    assert rows["Jan Jansen"].users == ["12345.JANSEN"]
    assert (rows["Ruud Kok"].in_service, rows["Ruud Kok"].kind, rows["Ruud Kok"].users) == (
        False,
        "Uitzendkracht",
        [],
    )
    assert (
        ">temp</td>" not in response.content.decode() and ">Uitzendkracht</td>" in response.content.decode()
    )
    assert [r.name for r in client.get(EMPLOYEES_URL, {"in_dienst": "nee"}).context["rows"]] == ["Ruud Kok"]
    assert [r.name for r in client.get(EMPLOYEES_URL, {"q": str(gone)[:8]}).context["rows"]] == ["Ruud Kok"]
    assert [r.name for r in client.get(EMPLOYEES_URL, {"q": "jans"}).context["rows"]] == ["Jan Jansen"]


@pytest.mark.parametrize(
    "name", ["maintenance", "maintenance_employees", "maintenance_cleanup", "maintenance_log"]
)
def test_every_maintenance_tab_links_to_the_license_analysis(client, medewerker, name):
    client.force_login(medewerker.user)

    html = client.get(reverse(f"licensing:{name}")).content.decode()

    tabs = html[html.index('class="maintenance-tabs"') : html.index("</nav>", html.index("maintenance-tabs"))]
    assert f'href="{reverse("licensing:analysis")}"' in tabs
