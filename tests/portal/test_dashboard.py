from datetime import UTC, datetime

import pytest
from django.test import Client

from licensing.dashboard import dashboard_for
from portal.models import Role
from tests.factories import (
    CustomerFactory,
    EnvironmentFactory,
    LicenseFactory,
    LicenseLineFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db

TAKEN_AT = datetime(2026, 11, 28, 0, 45, tzinfo=UTC)


@pytest.fixture
def environments(customer_a):
    return [
        EnvironmentFactory(customer=customer_a, code="O12345AA", type="O", data_taken_at=TAKEN_AT),
        EnvironmentFactory(customer=customer_a, code="O12345AB", type="O", is_active=False),
        EnvironmentFactory(customer=customer_a, code="T12345AA", type="T", data_taken_at=TAKEN_AT),
        EnvironmentFactory(customer=customer_a, code="A12345AA", type="A"),
    ]


def _lines(customer):
    license = customer.license
    return {
        "fine": LicenseLineFactory(license=license, item="profit_users", scope="O", maximum=100, in_use=50),
        "over": LicenseLineFactory(license=license, item="insite_users", scope="O", maximum=10, in_use=12),
        "almost": LicenseLineFactory(license=license, item="profit_users", scope="T", maximum=20, in_use=17),
        "almost_pct": LicenseLineFactory(
            license=license, item="employees", scope="license", maximum=1000, in_use=950
        ),
        "deviation": LicenseLineFactory(
            license=license, item="declarations", scope="license", maximum=50, portal=40, in_use=10
        ),
        "empty": LicenseLineFactory(license=license, item="clients", scope="O", maximum=0, in_use=0),
    }


def test_it_sends_anonymous_visitors_to_login(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_it_shows_a_tile_per_environment_type_with_its_environments(client, beheerder, environments):
    client.force_login(beheerder.user)

    response = client.get("/")

    page = response.content.decode()
    assert response.status_code == 200
    for label in ("Productie", "Test", "Acceptatie", "Demo"):
        assert f'<h2 class="tile__title">{label}</h2>' in page
    assert [e.code for e in response.context["dashboard"].tiles[0].environments] == ["O12345AA", "O12345AB"]
    assert response.context["dashboard"].tiles[3].environments == []
    assert "Geen omgevingen" in page
    assert "Uit gebruik" in page
    assert 'datetime="2026-11-28T01:45:00+01:00"' in page
    assert "Nog geen gegevens ontvangen" in page


def test_it_shows_the_customer_and_the_edition(client, beheerder):
    client.force_login(beheerder.user)

    page = client.get("/").content.decode()

    assert "12345" in page
    assert "Bakkerij De Korenschoof BV" in page
    assert "Editie" in page and "<strong>Profit</strong>" in page


def test_it_lists_the_lines_that_need_attention(client, beheerder, customer_a):
    lines = _lines(customer_a)
    client.force_login(beheerder.user)

    response = client.get("/")

    attention = {entry.line.pk: entry for entry in response.context["dashboard"].attention}
    assert set(attention) == {lines[k].pk for k in ("over", "almost", "almost_pct", "deviation")}
    assert attention[lines["over"].pk].over_use and not attention[lines["over"].pk].almost_full
    assert attention[lines["almost"].pk].almost_full
    assert attention[lines["almost_pct"].pk].almost_full
    assert attention[lines["deviation"].pk].deviation and not attention[lines["deviation"].pk].almost_full
    page = response.content.decode()
    assert (
        '<span class="level-badge level-over"><span aria-hidden="true">▲</span> Overschreden</span>' in page
    )
    assert "Bijna vol" in page
    assert "Afwijking: portaal toont 40" in page


@pytest.mark.parametrize(
    ("maximum", "in_use"),
    [(2, 0), (5, 1), (5, 3), (10, 6), (0, 0), (100, 0)],
    ids=["0-of-2", "1-of-5", "3-of-5", "6-of-10", "0-of-0", "0-of-100"],
)
def test_it_does_not_call_a_line_almost_full_while_plenty_is_left(
    client, beheerder, customer_a, maximum, in_use
):
    LicenseLineFactory(
        license=customer_a.license, item="outsite_users", scope="T", maximum=maximum, in_use=in_use
    )
    client.force_login(beheerder.user)

    response = client.get("/")

    assert response.context["dashboard"].attention == []
    assert "Bijna vol" not in response.content.decode()


@pytest.mark.parametrize(
    ("maximum", "in_use"),
    [(5, 4), (10, 8), (10, 9), (20, 17), (100, 95), (1000, 950)],
    ids=["4-of-5", "8-of-10", "9-of-10", "17-of-20", "95-of-100", "950-of-1000"],
)
def test_it_calls_a_line_almost_full_when_most_is_in_use_and_little_is_left(
    client, beheerder, customer_a, maximum, in_use
):
    line = LicenseLineFactory(
        license=customer_a.license, item="outsite_users", scope="T", maximum=maximum, in_use=in_use
    )
    client.force_login(beheerder.user)

    response = client.get("/")

    [entry] = response.context["dashboard"].attention
    assert entry.line.pk == line.pk and entry.almost_full and not entry.over_use
    assert "Bijna vol" in response.content.decode()


@pytest.mark.parametrize(
    ("maximum", "in_use"), [(1, 1), (2, 2), (1000, 1000)], ids=["1-of-1", "2-of-2", "1000"]
)
def test_it_calls_a_line_at_its_maximum_full_not_almost_full(client, beheerder, customer_a, maximum, in_use):
    line = LicenseLineFactory(
        license=customer_a.license, item="outsite_users", scope="T", maximum=maximum, in_use=in_use
    )
    client.force_login(beheerder.user)

    response = client.get("/")

    [entry] = response.context["dashboard"].attention
    assert entry.line.pk == line.pk and entry.full and not entry.almost_full and not entry.over_use
    page = response.content.decode()
    assert (
        '<span class="level-badge level-full"><span aria-hidden="true">■</span> Vol</span>' in page
        and "Bijna vol" not in page
    )


def test_a_line_over_use_or_with_a_deviation_needs_attention_even_with_nothing_almost_full(
    client, beheerder, customer_a
):
    over = LicenseLineFactory(license=customer_a.license, item="profit_users", scope="O", maximum=0, in_use=1)
    deviation = LicenseLineFactory(
        license=customer_a.license, item="outsite_users", scope="T", maximum=2, portal=3, in_use=0
    )
    client.force_login(beheerder.user)

    response = client.get("/")

    attention = {entry.line.pk: entry for entry in response.context["dashboard"].attention}
    assert set(attention) == {over.pk, deviation.pk}
    assert attention[over.pk].over_use and not attention[over.pk].almost_full
    assert attention[deviation.pk].deviation and not attention[deviation.pk].almost_full
    page = response.content.decode()
    assert (
        '<span class="level-badge level-over"><span aria-hidden="true">▲</span> Overschreden</span>' in page
        and "Bijna vol" not in page
    )


def test_it_says_so_when_nothing_needs_attention(client, beheerder, customer_a):
    LicenseLineFactory(license=customer_a.license, item="profit_users", scope="O", maximum=100, in_use=10)
    client.force_login(beheerder.user)

    response = client.get("/")

    assert response.context["dashboard"].attention == []
    assert "Geen aandachtspunten" in response.content.decode()


def test_a_medewerker_sees_the_dashboard_too(client, medewerker, environments):
    client.force_login(medewerker.user)

    response = client.get("/")

    assert response.status_code == 200
    assert "O12345AA" in response.content.decode()


def test_it_never_shows_another_customers_environments(client, other_beheerder, environments, customer_b):
    EnvironmentFactory(customer=customer_b, code="O67890AA", type="O")
    client.force_login(other_beheerder.user)

    page = client.get("/").content.decode()

    assert "O67890AA" in page
    assert "O12345AA" not in page
    assert "Bakkerij" not in page


def test_it_gives_404_to_a_user_without_contact(client, django_user_model):
    user = django_user_model.objects.create_user("staf@example.nl", "staf@example.nl", "x")
    client.force_login(user)

    assert client.get("/").status_code == 404


def test_it_sends_a_contact_of_several_customers_to_the_chooser(client, beheerder, customer_b):
    MembershipFactory(contact=beheerder, customer=customer_b, role=Role.MEDEWERKER)
    client.force_login(beheerder.user)

    response = client.get("/")

    assert response.status_code == 302
    assert response.url == "/organisatie/?next=%2F"


def test_it_refuses_post(client, beheerder):
    client.force_login(beheerder.user)

    assert client.post("/").status_code == 405


def _customer_of_size(number, environments, lines_per_scope):
    customer = CustomerFactory(number=number)
    license = LicenseFactory(customer=customer)
    for index in range(environments):
        EnvironmentFactory(customer=customer, type="OTAD"[index % 4], data_taken_at=TAKEN_AT)
    for scope in "OTAD":
        for item in ("profit_users", "insite_users", "outsite_users", "clients")[:lines_per_scope]:
            LicenseLineFactory(license=license, item=item, scope=scope, maximum=10, in_use=9)
    beheerder = MembershipFactory(customer=customer, role=Role.BEHEERDER).contact
    return beheerder


def _queries_for_dashboard(django_assert_num_queries, beheerder, count):
    client = Client()
    client.force_login(beheerder.user)
    with django_assert_num_queries(count):
        response = client.get("/")
    assert response.status_code == 200
    return response


def test_its_query_count_does_not_grow_with_the_customer(django_assert_num_queries):
    small = _customer_of_size("11111", environments=1, lines_per_scope=1)
    large = _customer_of_size("22222", environments=60, lines_per_scope=4)

    small_response = _queries_for_dashboard(django_assert_num_queries, small, 8)
    large_response = _queries_for_dashboard(django_assert_num_queries, large, 8)

    assert sum(len(tile.environments) for tile in small_response.context["dashboard"].tiles) == 1
    assert sum(len(tile.environments) for tile in large_response.context["dashboard"].tiles) == 60
    assert len(large_response.context["dashboard"].attention) == 16


def test_dashboard_for_reads_only_the_given_customer(customer_a, customer_b):
    EnvironmentFactory(customer=customer_b, code="O67890AA", type="O")
    LicenseLineFactory(license=customer_b.license, item="profit_users", scope="O", maximum=1, in_use=5)

    dashboard = dashboard_for(customer_a)

    assert all(tile.environments == [] for tile in dashboard.tiles)
    assert dashboard.attention == []
