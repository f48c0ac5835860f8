"""The one usage level of a line (licensing.models.usage_level), in Python and in SQL.

Over when more is in use than the maximum; full at the maximum of a line that allows any; almost
full when at least 80 % is in use and fewer than 5, or fewer than 10 % of the maximum, are left; ok
otherwise. The dashboard, Licentiedata, the line page and the workbook all show this one rule.
"""

import pytest
from django.db.models import Value
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from licensing.licentiedata import OverviewRow
from licensing.models import MAX_QUANTITY, LicenseLine, UsageLevel, usage_level, usage_level_expression
from portal.models import Customer
from tests.factories import LicenseLineFactory

OK, ALMOST_FULL, FULL, OVER = UsageLevel.OK, UsageLevel.ALMOST_FULL, UsageLevel.FULL, UsageLevel.OVER

BOUNDARIES = [
    # at the maximum: full, one more: over
    (10, 10, FULL),
    (1, 1, FULL),
    (1000, 1000, FULL),
    (10, 11, OVER),
    (100, 101, OVER),
    # maximum 0: ok with nothing in use, over with anything
    (0, 0, OK),
    (0, 1, OVER),
    # fewer than 5 left and at least 80 % in use
    (10, 9, ALMOST_FULL),
    (10, 8, ALMOST_FULL),
    (5, 4, ALMOST_FULL),
    (20, 17, ALMOST_FULL),
    (2, 1, OK),  # 1 left, but only 50 % in use
    (5, 3, OK),
    (10, 7, OK),  # 3 left, but 70 % in use
    # fewer than 10 % of the maximum left (5 or more)
    (1000, 950, ALMOST_FULL),
    (1000, 901, ALMOST_FULL),
    (1000, 900, OK),  # exactly 10 % left
    (100, 90, OK),  # 10 left: neither fewer than 5 nor fewer than 10 %
    (100, 96, ALMOST_FULL),
    (100, 95, ALMOST_FULL),  # 5 left is not fewer than 5, but 5 % is fewer than 10 %
    # plenty left
    (10, 0, OK),
    (100, 0, OK),
    (MAX_QUANTITY, MAX_QUANTITY, FULL),
    (MAX_QUANTITY, MAX_QUANTITY - 1, ALMOST_FULL),
    (MAX_QUANTITY, 0, OK),
]


def sql_level(customer: Customer, *, maximum: int, in_use: int) -> str:
    return (
        Customer.objects.filter(pk=customer.pk)
        .annotate(level=usage_level_expression(Value(maximum), Value(in_use)))
        .values_list("level", flat=True)
        .get()
    )


@pytest.mark.parametrize(("maximum", "in_use", "level"), BOUNDARIES)
def test_the_level_at_the_boundaries(maximum, in_use, level):
    assert usage_level(maximum=maximum, in_use=in_use) == level


@pytest.mark.django_db
@pytest.mark.parametrize(("maximum", "in_use", "level"), BOUNDARIES)
def test_the_database_expression_gives_the_same_level_on_stored_lines(customer_a, maximum, in_use, level):
    line = LicenseLineFactory(license=customer_a.license, maximum=maximum, portal=maximum, in_use=in_use)

    stored = LicenseLine.objects.annotate(usage=usage_level_expression()).get(pk=line.pk)

    assert stored.usage == level == stored.level


@pytest.mark.django_db
def test_the_expression_does_not_overflow_at_the_top_of_the_in_use_column(customer_a):
    top = 2**31 - 1

    assert sql_level(customer_a, maximum=MAX_QUANTITY, in_use=top) == OVER
    assert sql_level(customer_a, maximum=top, in_use=top - 1) == ALMOST_FULL


@pytest.mark.django_db
@settings(
    max_examples=300,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(maximum=st.integers(0, 1_000_000), in_use=st.integers(0, 2_000_000), near=st.booleans())
def test_python_and_sql_agree_on_every_level(customer_a, maximum, in_use, near):
    if near:  # most random pairs are far apart; look near the maximum too
        in_use = max(0, maximum - in_use % 64)

    assert sql_level(customer_a, maximum=maximum, in_use=in_use) == usage_level(
        maximum=maximum, in_use=in_use
    )


def test_the_levels_read_in_dutch():
    assert [str(level.label) for level in UsageLevel] == ["In orde", "Bijna vol", "Vol", "Overschreden"]


def test_licentiedata_rows_take_the_level_of_their_line():
    levels = [
        OverviewRow(line=LicenseLine(item="profit_users", scope="O", maximum=10, portal=10, in_use=n)).level
        for n in (7, 8, 9, 10, 11)
    ]

    assert levels == [OK, ALMOST_FULL, ALMOST_FULL, FULL, OVER]


@pytest.mark.django_db
def test_licentiedata_colours_each_line_by_its_level(client, beheerder, customer_a):
    def line(item, scope, in_use):
        return LicenseLineFactory(
            license=customer_a.license, item=item, scope=scope, maximum=10, in_use=in_use
        )

    full, over = line("profit_users", "O", 10), line("profit_users", "T", 11)
    almost, ok = line("insite_users", "O", 9), line("insite_users", "T", 7)
    client.force_login(beheerder.user)

    html = client.get(reverse("licensing:overview")).content.decode()

    assert f'id="line-{full.id}" class="level-full"' in html
    assert f'id="line-{over.id}" class="level-over"' in html
    assert f'id="line-{almost.id}" class="level-almost_full"' in html
    assert f'id="line-{ok.id}" class="level-ok"' in html
    assert '<span class="usage-bar level-full" title="100%">' in html
    assert '<span class="usage-bar level-almost_full" title="90%">' in html
    assert (
        '<span class="level-badge level-almost_full"><span aria-hidden="true">◆</span> Bijna vol</span>'
        in html
    )


@pytest.mark.django_db
def test_the_line_page_names_the_level(client, medewerker, customer_a):
    line = LicenseLineFactory(license=customer_a.license, maximum=20, portal=20, in_use=19)
    client.force_login(medewerker.user)

    html = client.get(reverse("licensing:line_detail", args=[line.id])).content.decode()

    assert (
        '<dd><span class="level-badge level-almost_full"><span aria-hidden="true">◆</span> Bijna vol</span>'
        in html
    )
