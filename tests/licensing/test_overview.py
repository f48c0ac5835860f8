"""Licentiedata: the three numbers per line, grouped per license and per environment type, and "Nu tellen"."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from licensing.models import License, LicenseLine
from licensing.monitoring.models import UsageSnapshot
from tests.factories import EnvironmentFactory, EnvironmentUserFactory, LicenseLineFactory

URL = reverse("licensing:overview")
RECOUNT_URL = reverse("licensing:recount")


@pytest.fixture
def lines(customer_a):
    license = License.objects.get(customer=customer_a)
    return {
        "environments": LicenseLineFactory(license=license, item="environments", scope="license", maximum=5),
        "profit_o": LicenseLineFactory(
            license=license, item="profit_users", scope="O", maximum=10, in_use=12
        ),
        "insite_t": LicenseLineFactory(
            license=license, item="insite_users", scope="T", maximum=20, portal=25
        ),
    }


def test_it_redirects_anonymous_visitors_to_login(client, customer_a):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_it_shows_the_three_numbers_grouped_per_scope(client, beheerder, lines):
    client.force_login(beheerder.user)
    response = client.get(URL)
    assert response.status_code == 200
    groups = response.context["groups"]
    assert [group.scope for group in groups] == ["license", "O", "T"]
    assert str(groups[0].title) == "Per licentie"
    assert [row.line.item for row in groups[1].rows] == ["profit_users"]
    html = response.content.decode()
    assert "Productie" in html and "Test" in html and "Acceptatie" not in html
    profit = lines["profit_o"]
    assert f'id="line-{profit.id}" class="level-over' in html
    assert 'class="num available negative">-2</td>' in html


def test_it_flags_a_deviation(client, beheerder, lines):
    client.force_login(beheerder.user)
    html = client.get(URL).content.decode()
    deviating = lines["insite_t"]
    assert f'id="line-{deviating.id}" class="level-ok has-deviation"' in html
    assert f'id="line-{lines["profit_o"].id}" class="level-over"' in html


def test_a_beheerder_sees_change_links_and_the_count_button(client, beheerder, lines):
    client.force_login(beheerder.user)
    html = client.get(URL).content.decode()
    for line in lines.values():
        assert reverse("licensing:line_change", args=[line.id]) in html
    assert RECOUNT_URL in html


def test_a_medewerker_sees_the_numbers_but_no_change_action(client, medewerker, lines):
    client.force_login(medewerker.user)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "/wijzigen/" not in html
    assert RECOUNT_URL not in html
    assert "Wijzigen" not in html


def test_a_contact_of_another_customer_sees_only_its_own_lines(client, other_beheerder, lines, customer_b):
    own = LicenseLineFactory(license=customer_b.license, item="environments", scope="license", maximum=3)
    client.force_login(other_beheerder.user)
    response = client.get(URL)
    assert response.status_code == 200
    shown = [row.line.id for group in response.context["groups"] for row in group.rows]
    assert shown == [own.id]


def test_it_refuses_other_methods(client, beheerder):
    client.force_login(beheerder.user)
    assert client.post(URL).status_code == 405
    assert client.get(RECOUNT_URL).status_code == 405


def test_count_now_recounts_the_customer_at_once(client, beheerder, customer_a, lines):
    environment = EnvironmentFactory(customer=customer_a, type="O")
    EnvironmentUserFactory.create_batch(3, environment=environment, profit=True)
    client.force_login(beheerder.user)
    response = client.post(RECOUNT_URL, follow=True)
    assert response.redirect_chain == [(URL, 302)]
    assert "Opnieuw geteld" in response.content.decode()
    lines["profit_o"].refresh_from_db()
    assert lines["profit_o"].in_use == 3
    assert License.objects.get(customer=customer_a).counted_at is not None
    assert LicenseLine.objects.get(license__customer=customer_a, item="environments").in_use == 1


def test_count_now_is_forbidden_for_a_medewerker(client, medewerker, customer_a, lines):
    EnvironmentUserFactory(environment=EnvironmentFactory(customer=customer_a, type="O"))
    client.force_login(medewerker.user)
    assert client.post(RECOUNT_URL).status_code == 403
    lines["profit_o"].refresh_from_db()
    assert lines["profit_o"].in_use == 12
    assert License.objects.get(customer=customer_a).counted_at is None


def test_count_now_needs_a_csrf_token(beheerder, lines):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(beheerder.user)
    assert client.post(RECOUNT_URL).status_code == 403
    assert License.objects.get(customer=beheerder.customers.get()).counted_at is None


def _queries_for(client, contact) -> int:
    client.force_login(contact.user)
    client.get(URL)  # warm up the session and caches outside the measurement
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200
    return len(queries)


def test_its_query_count_does_not_grow_with_the_customer(client, beheerder, other_beheerder, customer_b):
    small = customer_b.license
    LicenseLineFactory(license=small, item="environments", scope="license", maximum=1)
    large = beheerder.customers.get().license
    for item in ("environments", "employees", "declarations"):
        LicenseLineFactory(license=large, item=item, scope="license", maximum=100)
    for scope in "OTAD":
        environments = EnvironmentFactory.create_batch(3, customer=large.customer, type=scope)
        for item in ("profit_users", "insite_users", "outsite_users", "clients"):
            LicenseLineFactory(license=large, item=item, scope=scope, maximum=50, portal=40)
        for environment in environments:
            EnvironmentUserFactory.create_batch(5, environment=environment)

    small_count = _queries_for(client, other_beheerder)
    large_count = _queries_for(client, beheerder)
    assert large_count == small_count
    assert large_count <= 10


def test_each_line_shows_its_trend_and_forecast(client, beheerder, lines):
    today = timezone.localdate()
    growing = lines["environments"]
    UsageSnapshot.objects.bulk_create(
        UsageSnapshot(line=growing, date=today - timedelta(days=9 - n), in_use=n // 3, maximum=5)
        for n in range(10)
    )
    client.force_login(beheerder.user)

    page = client.get(URL).content.decode()

    row = page[page.index(f'id="line-{growing.id}"') :]
    row = row[: row.index("</tr>")]
    assert "<polyline" in row
    assert "Verwacht vol:" in row
    assert reverse("licensing:line_detail", args=[growing.id]) in row
    flat = page[page.index(f'id="line-{lines["profit_o"].id}"') :]
    assert "geen prognose" in flat[: flat.index("</tr>")]


def test_the_header_links_to_the_history_the_analysis_and_the_requests(client, medewerker, lines):
    client.force_login(medewerker.user)

    page = client.get(URL).content.decode()

    actions = page[
        page.index('<nav class="page-actions">') : page.index("</nav>", page.index("page-actions"))
    ]
    for name in ("licensing:mutations", "licensing:analysis", "licensing:requests"):
        assert f'href="{reverse(name)}"' in actions
    assert "Licentietelling analyse" in actions


def test_every_group_table_has_the_same_column_widths(client, beheerder, medewerker, lines):
    for contact, columns in ((beheerder, 10), (medewerker, 9)):
        client.force_login(contact.user)

        page = client.get(URL).content.decode()

        colgroups = [part.split("</colgroup>")[0] for part in page.split("<colgroup>")[1:]]
        assert len(colgroups) == page.count('class="license-group"') > 1
        assert len(set(colgroups)) == 1
        assert colgroups[0].count("<col ") == columns
