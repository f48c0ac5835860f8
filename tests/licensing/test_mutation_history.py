"""Mutatiehistorie: the audit log of a customer's license counts, newest first, 25 per page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from licensing.models import LicenseMutation, MutationSource
from licensing.services import line_change_quantity, line_set_maximum
from tests.factories import LicenseLineFactory

URL = reverse("licensing:mutations")


@pytest.fixture
def line(customer_a):
    return LicenseLineFactory(license=customer_a.license, item="insite_users", scope="T", maximum=10)


def change(line, by, *quantities):
    for quantity in quantities:
        line_change_quantity(line=line, by=by, quantity=quantity)


def test_it_redirects_anonymous_visitors_to_login(client, customer_a):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_it_lists_who_when_which_line_and_the_numbers_newest_first(client, beheerder, customer_a, line):
    change(line, beheerder, 15, 12)
    line_set_maximum(customer=customer_a, item="insite_users", scope="T", quantity=40, by="set_entitlement")
    client.force_login(beheerder.user)
    response = client.get(URL)
    assert response.status_code == 200
    shown = list(response.context["page"].object_list)
    assert [(m.old_maximum, m.old_portal, m.new_quantity, m.source) for m in shown] == [
        (12, 12, 40, "backoffice"),
        (15, 15, 12, "portal"),
        (10, 10, 15, "portal"),
    ]
    html = response.content.decode()
    assert "InSite-gebruikers (Test)" in html
    assert "beheerder@example.nl" in html and "Leverancier (contractwijziging)" in html
    assert html.index(f'id="mutation-{shown[0].id}"') < html.index(f'id="mutation-{shown[2].id}"')


def test_it_shows_whether_a_deviation_was_acknowledged(client, beheerder, customer_a, line):
    line_set_maximum(customer=customer_a, item="insite_users", scope="T", quantity=20, by="billing")
    line_change_quantity(line=line, by=beheerder, quantity=25, acknowledge_deviation=True)
    client.force_login(beheerder.user)
    response = client.get(URL)
    newest = response.context["page"].object_list[0]
    assert (newest.old_maximum, newest.old_portal, newest.acknowledged_deviation) == (20, 10, True)
    assert '">ja</td>' in response.content.decode()


def test_a_medewerker_may_read_it(client, medewerker, beheerder, line):
    change(line, beheerder, 11)
    client.force_login(medewerker.user)
    response = client.get(URL)
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 1


def test_a_contact_of_another_customer_sees_only_its_own(client, beheerder, other_beheerder, line):
    change(line, beheerder, 11, 12)
    client.force_login(other_beheerder.user)
    response = client.get(URL)
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == []
    assert "beheerder@example.nl" not in response.content.decode()


def test_it_refuses_other_methods(client, beheerder):
    client.force_login(beheerder.user)
    assert client.post(URL).status_code == 405


def test_it_pages_by_25(client, beheerder, line):
    change(line, beheerder, *range(11, 41))
    client.force_login(beheerder.user)
    first = client.get(URL)
    assert len(first.context["page"].object_list) == 25
    assert first.context["page"].object_list[0].new_quantity == 40
    assert 'href="?page=2"' in first.content.decode()
    second = client.get(URL, {"page": 2})
    assert [m.new_quantity for m in second.context["page"].object_list] == [15, 14, 13, 12, 11]
    for nonsense in ("0", "abc", "999", "-1", "9" * 30):
        assert client.get(URL, {"page": nonsense}).status_code == 200


def _queries(client, contact) -> int:
    client.force_login(contact.user)
    client.get(URL)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200
    return len(queries)


def test_its_query_count_does_not_grow_with_the_history(client, beheerder, other_beheerder, customer_b, line):
    small = LicenseLineFactory(license=customer_b.license, item="environments", scope="license", maximum=1)
    change(small, other_beheerder, 2)
    others = [
        LicenseLineFactory(license=line.license, item=item, scope="O", maximum=5)
        for item in ("profit_users", "outsite_users", "clients")
    ]
    for other in [line, *others]:
        change(other, beheerder, *range(50, 58))
    assert LicenseMutation.objects.filter(customer=line.license.customer).count() == 32
    small_count = _queries(client, other_beheerder)
    large_count = _queries(client, beheerder)
    assert large_count == small_count
    assert large_count <= 10


@pytest.mark.parametrize(
    ("language", "shown", "vendor"),
    [
        ("nl", ["Back office", "Portaal"], "Leverancier (contractwijziging)"),
        ("en", ["Back office", "Portal"], "Vendor (contract change)"),
    ],
)
def test_it_names_where_each_change_came_from_in_the_readers_language(
    client, beheerder, customer_a, line, language, shown, vendor
):
    change(line, beheerder, 15)
    line_set_maximum(customer=customer_a, item="insite_users", scope="T", quantity=40, by="set_entitlement")
    client.force_login(beheerder.user)
    client.cookies["django_language"] = language

    html = client.get(URL).content.decode()

    assert [source for source in shown if f'">{source}</td>' in html] == shown
    # The actor is a person or the vendor, never the command's or a staff account's name.
    assert f'">{vendor}</td>' in html and f'">{beheerder.name} ' in html
    assert "set_entitlement" not in html
    assert list(LicenseMutation.objects.order_by("id").values_list("source", flat=True)) == [
        MutationSource.PORTAL,
        MutationSource.BACKOFFICE,
    ]
