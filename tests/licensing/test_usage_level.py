"""The usage level of a line on Licentiedata (`OverviewRow.level`, the colour of its usage bar).

"over" when more is in use than the maximum allows, "full" from 90 % of the maximum up to and
including the maximum itself, "ok" below that. A maximum of 0 with nothing in use is not full.
"""

import pytest
from django.urls import reverse

from licensing.licentiedata import OverviewRow
from licensing.models import LicenseLine
from tests.factories import LicenseLineFactory

# The share of the maximum in use from which the bar shows the line as full (licensing/selectors.py).
FULL_FROM_PERCENT = 90


def row(*, maximum: int, in_use: int) -> OverviewRow:
    return OverviewRow(
        line=LicenseLine(item="profit_users", scope="O", maximum=maximum, portal=maximum, in_use=in_use)
    )


@pytest.mark.parametrize(
    ("maximum", "in_use", "level", "percent"),
    [
        # available 0: exactly at the maximum is full, not over
        (10, 10, "full", 100),
        (1, 1, "full", 100),
        (1000, 1000, "full", 100),
        # exactly at the threshold, and just below it
        (10, 9, "full", FULL_FROM_PERCENT),
        (100, 90, "full", FULL_FROM_PERCENT),
        (100, 89, "ok", 89),
        (20, 17, "ok", 85),
        # available negative: over, whatever the share
        (10, 11, "over", 100),
        (100, 101, "over", 100),
        # maximum 0
        (0, 0, "ok", 0),
        (0, 1, "over", 100),
        # plenty left
        (10, 0, "ok", 0),
        (10, 5, "ok", 50),
    ],
)
def test_the_level_of_a_line(maximum, in_use, level, percent):
    usage = row(maximum=maximum, in_use=in_use)

    assert (usage.level, usage.percent) == (level, percent)


def test_a_full_line_is_neither_over_nor_ok():
    levels = [row(maximum=10, in_use=n).level for n in (8, 9, 10, 11)]

    assert levels == ["ok", "full", "full", "over"]


def test_licentiedata_colours_a_line_at_its_maximum_as_full(client, beheerder, customer_a):
    full = LicenseLineFactory(
        license=customer_a.license, item="profit_users", scope="O", maximum=10, in_use=10
    )
    over = LicenseLineFactory(
        license=customer_a.license, item="profit_users", scope="T", maximum=10, in_use=11
    )
    ok = LicenseLineFactory(license=customer_a.license, item="insite_users", scope="O", maximum=10, in_use=8)
    client.force_login(beheerder.user)

    html = client.get(reverse("licensing:overview")).content.decode()

    assert f'id="line-{full.id}" class="level-full"' in html
    assert f'id="line-{over.id}" class="level-over"' in html
    assert f'id="line-{ok.id}" class="level-ok"' in html
    assert '<span class="usage-bar level-full" title="100%">' in html
