"""Licentiedata's rows (licensing.overview_rows) and a line's chart are rendered once per line and
state: a second view renders no row and builds no chart, and a change of what it shows (a mutation, a
recount, the reader's right to change, the language) shows at once."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from licensing.approvals.models import ChangeKind, PendingChange
from licensing.models import License
from licensing.services import line_change_quantity
from tests.factories import LicenseLineFactory
from tests.licensing.pricing_factories import price_list

URL = reverse("licensing:overview")
ROW = "licensing/_overview_row.html"
CHART = "licensing/_usage_sparkline.html"


@pytest.fixture
def line(customer_a):
    license = License.objects.get(customer=customer_a)
    LicenseLineFactory(license=license, item="environments", scope="license", maximum=5)
    return LicenseLineFactory(
        license=license, item="profit_users", scope="O", maximum=10, portal=10, in_use=4
    )


def rendered(response) -> list[str]:
    return [template.name for template in response.templates]


def rows(response) -> list[str]:
    return re.findall(r'<tr id="line-.*?</tr>', response.content.decode(), flags=re.S)


def test_a_second_view_renders_no_row_and_shows_the_same(client, beheerder, line):
    client.force_login(beheerder.user)
    first = client.get(URL)
    assert rendered(first).count(ROW) == 2 and CHART in rendered(first)
    second = client.get(URL)
    assert ROW not in rendered(second) and CHART not in rendered(second)
    assert len(rows(second)) == 2 and rows(second) == rows(first)
    assert f'id="line-{line.id}" class="level-ok"' in second.content.decode()


def test_a_mutation_shows_at_once(client, beheerder, line):
    client.force_login(beheerder.user)
    client.get(URL)
    line_change_quantity(line=line, by=beheerder, quantity=3)
    response = client.get(URL)
    assert rendered(response).count(ROW) == 1  # only the changed line
    changed = next(row for row in rows(response) if row.startswith(f'<tr id="line-{line.id}"'))
    assert '<td data-label="Maximum" class="num">3</td>' in changed  # was 10
    assert '<td data-label="Portaalaantal" class="num">3</td>' in changed


def test_the_rows_differ_for_a_reader_who_may_not_change_and_per_language(
    client, beheerder, medewerker, line
):
    client.force_login(beheerder.user)
    assert reverse("licensing:line_change", args=[line.id]) in client.get(URL).content.decode()
    client.force_login(medewerker.user)
    html = client.get(URL).content.decode()
    assert reverse("licensing:line_change", args=[line.id]) not in html
    assert 'data-label="In gebruik"' in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(URL).content.decode()
    assert 'data-label="In use"' in english


def test_a_lines_page_renders_its_chart_once_per_state(client, beheerder, line):
    client.force_login(beheerder.user)
    url = reverse("licensing:line_detail", args=[line.id])
    first = client.get(url)
    assert "licensing/_usage_chart.html" in rendered(first)
    second = client.get(url)
    assert "licensing/_usage_chart.html" not in rendered(second)
    figure = re.search(r'<figure class="usage-chart">.*?</figure>', second.content.decode(), flags=re.S)
    assert figure and figure.group(0) in first.content.decode()
    line_change_quantity(line=line, by=beheerder, quantity=3)
    assert "licensing/_usage_chart.html" in rendered(client.get(url))


def test_a_new_price_list_and_an_open_four_eyes_change_show_at_once(client, beheerder, line, customer_a):
    client.force_login(beheerder.user)
    before = next(row for row in rows(client.get(URL)) if row.startswith(f'<tr id="line-{line.id}"'))
    assert "—" in before and "wacht op goedkeuring" not in before

    price_list(edition=line.license.edition)  # € 16,50 a user up to 25
    PendingChange.objects.create(
        customer=customer_a,
        kind=ChangeKind.QUANTITY,
        line=line,
        quantity=12,
        old_maximum=10,
        requested_by=beheerder,
        requested_by_user=beheerder.user,
        requested_by_name=beheerder.email,
    )
    after = next(row for row in rows(client.get(URL)) if row.startswith(f'<tr id="line-{line.id}"'))

    assert "€ 165,00" in after  # 10 users at € 16,50
    assert "Naar 12: wacht op goedkeuring" in after
