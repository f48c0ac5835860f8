"""The page of one license line: its numbers and the 90-day chart, in any language."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse

from licensing.monitoring.models import UsageSnapshot
from tests.factories import LicenseLineFactory

pytestmark = pytest.mark.django_db

NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def svg_coordinates(html: str) -> list[str]:
    chart = html[html.index("<svg") : html.index("</svg>")]
    return re.findall(r'\s(?:x|y|x1|y1|x2|y2)="([^"]*)"', chart)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_chart_coordinates_are_plain_numbers_in_every_language(client, beheerder, customer_a, language):
    line = LicenseLineFactory(license=customer_a.license, maximum=20, in_use=7)
    today = date.today()
    for n in range(5):
        UsageSnapshot.objects.create(line=line, date=today - timedelta(days=n * 10), in_use=5 + n, maximum=20)
    client.force_login(beheerder.user)
    client.cookies["django_language"] = language

    html = client.get(reverse("licensing:line_detail", args=[line.id])).content.decode()

    coordinates = svg_coordinates(html)
    assert len(coordinates) > 10
    # A decimal comma (Dutch number formatting) makes the browser draw every label at 0.
    assert [value for value in coordinates if not NUMBER.match(value)] == []
    assert any("." in value for value in coordinates)


def test_the_numbers_are_shown_as_boxes_with_a_label_each(client, medewerker, customer_a):
    line = LicenseLineFactory(license=customer_a.license, maximum=20, portal=18, in_use=22)
    client.force_login(medewerker.user)

    html = client.get(reverse("licensing:line_detail", args=[line.id])).content.decode()

    numbers = html[html.index('<dl class="numbers">') : html.index("</dl>")]
    assert numbers.count("<div><dt>") == 5
    assert '<dd class="negative">-2</dd>' in numbers
    assert (
        '<dd><span class="level-badge level-over"><span aria-hidden="true">▲</span> Overschreden</span>'
        in numbers
    )
