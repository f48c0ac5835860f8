"""A warning card says what it can: an open over-use links to its fix, a resolved item asks for no
"Gezien"."""

import pytest
from django.urls import reverse
from django.utils import timezone

from licensing.monitoring.models import LicenseWarning, WarningKind
from licensing.monitoring.texts import over_use_params
from tests.factories import LicenseLineFactory

pytestmark = pytest.mark.django_db
URL = reverse("licensing:warnings")


@pytest.fixture
def line(customer_a):
    return LicenseLineFactory(license=customer_a.license, item="profit_users", scope="O", maximum=2)


def warning(line, **fields):
    return LicenseWarning.objects.create(
        customer=line.license.customer,
        kind=WarningKind.OVER_USE,
        line=line,
        opened_at=timezone.now(),
        params=over_use_params(item=line.item, scope=line.scope, in_use=4, maximum=2),
        **fields,
    )


def card(html, item):
    start = html.index(f'id="warning-{item.id}"')
    return html[start : html.index("</li>", start)]


def test_an_open_over_use_links_to_raising_the_license_and_to_cleaning_up(client, beheerder, line):
    item = warning(line)
    client.force_login(beheerder.user)

    html = card(client.get(URL).content.decode(), item)

    assert reverse("licensing:line_change", args=[line.id]) in html
    assert reverse("licensing:maintenance_cleanup") in html
    assert "Gezien" in html


def test_a_medewerker_is_only_linked_to_what_it_may_open(client, medewerker, line):
    item = warning(line)
    client.force_login(medewerker.user)

    html = card(client.get(URL).content.decode(), item)

    assert reverse("licensing:line_change", args=[line.id]) not in html
    assert reverse("licensing:maintenance_cleanup") in html


def test_a_resolved_item_has_no_gezien_button_and_no_fix(client, beheerder, line):
    item = warning(line, resolved_at=timezone.now())
    client.force_login(beheerder.user)

    html = card(client.get(URL).content.decode(), item)

    assert "Gezien" not in html and "Oplossen" not in html
