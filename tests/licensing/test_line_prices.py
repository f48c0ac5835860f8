"""What a license line costs, wherever a line is shown: Licentiedata's monthly prices and total, the
change form's preview and its confirmation step, the mutation's record of both prices and the history,
in the reader's language; a line without a price list shows no price, never €0."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from licensing.models import LicenseMutation
from licensing.pricing.models import PriceMode
from licensing.services import line_change_quantity, line_set_maximum, line_try_quantity
from tests.confirming import post_confirmed
from tests.factories import LicenseLineFactory
from tests.licensing.pricing_factories import price_list

pytestmark = pytest.mark.django_db

OVERVIEW = reverse("licensing:overview")
PREVIEW = "Van € 412,50 naar € 451,00 per maand (+ € 38,50); vanaf 26 gebruikers geldt staffel 2"


def change_url(line) -> str:
    return reverse("licensing:line_change", args=[line.id])


@pytest.fixture
def users(customer_a):
    price_list()  # profit_users: € 16,50 up to 25, € 5,50 from 26, graduated
    return LicenseLineFactory(license=customer_a.license, item="profit_users", scope="O", maximum=25)


@pytest.fixture
def unpriced(customer_a):
    return LicenseLineFactory(license=customer_a.license, item="clients", scope="O", maximum=4)


def test_licentiedata_shows_each_lines_monthly_price_and_the_total(client, beheerder, users, unpriced):
    price_list(item="environments", mode=PriceMode.VOLUME, tiers=[(1, "100.00"), (5, "80.00")])
    environments = LicenseLineFactory(license=users.license, item="environments", scope="license", maximum=6)
    client.force_login(beheerder.user)

    response = client.get(OVERVIEW)

    rows = {row.line.pk: row for group in response.context["groups"] for row in group.rows}
    assert rows[users.pk].price == Decimal("412.50")
    assert rows[environments.pk].price == Decimal("480.00")  # volume: 6 × 80
    assert rows[unpriced.pk].price is None
    assert response.context["total"] == Decimal("892.50")
    html = response.content.decode()
    assert "€ 412,50" in html and "€ 480,00" in html
    assert "Totaal van de licentie: <strong>€ 892,50</strong> per maand" in html
    assert "€ 0,00" not in html  # the unpriced line shows "—"


def test_licentiedata_shows_no_price_and_no_total_without_price_lists(client, beheerder, unpriced):
    client.force_login(beheerder.user)

    response = client.get(OVERVIEW)

    assert response.context["total"] is None
    html = response.content.decode()
    assert 'id="license-total"' not in html
    assert "€" not in html


def test_licentiedata_shows_prices_in_english_for_an_english_reader(client, beheerder, users):
    users.maximum = users.portal = 100
    users.save()
    client.force_login(beheerder.user)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    html = client.get(OVERVIEW).content.decode()

    assert "€825.00" in html  # 25 × 16.50 + 75 × 5.50
    assert "Total of the license: <strong>€825.00</strong> per month" in html


def test_the_change_form_shows_the_tiers_and_the_current_price(client, beheerder, users):
    client.force_login(beheerder.user)

    response = client.get(change_url(users))

    html = response.content.decode()
    assert "Nu <strong>€ 412,50</strong> per maand voor 25." in html
    assert [(tier.number, tier.from_quantity) for tier in response.context["schedule"].tiers] == [
        (1, 1),
        (2, 26),
    ]
    assert "€ 5,50" in html


def test_the_change_form_previews_the_new_price_and_changes_nothing(client, beheerder, users):
    client.force_login(beheerder.user)

    response = client.post(change_url(users), {"quantity": "32", "preview": "1"})

    assert response.status_code == 200
    assert response.context["preview"] == PREVIEW
    assert PREVIEW in response.content.decode()
    users.refresh_from_db()
    assert users.maximum == 25
    assert not LicenseMutation.objects.exists()


def test_the_preview_of_a_lowering_names_the_tier_below(client, beheerder, customer_a):
    price_list()
    line = LicenseLineFactory(license=customer_a.license, item="profit_users", scope="O", maximum=32)
    client.force_login(beheerder.user)

    response = client.post(change_url(line), {"quantity": "25", "preview": "1"})

    assert response.context["preview"] == (
        "Van € 451,00 naar € 412,50 per maand (− € 38,50); onder 26 gebruikers geldt staffel 1"
    )


def test_a_line_without_a_price_list_has_no_preview_and_says_so(client, beheerder, unpriced):
    client.force_login(beheerder.user)

    response = client.get(change_url(unpriced))

    html = response.content.decode()
    assert 'id="no-price"' in html
    assert 'name="preview"' not in html
    assert response.context["price"] is None


def test_the_confirmation_step_of_a_raise_shows_the_new_price(client, beheerder, users):
    client.force_login(beheerder.user)

    asked = client.post(change_url(users), {"quantity": "32"})

    assert "portal/confirm.html" in [template.name for template in asked.templates]
    assert PREVIEW + "." in asked.context["consequences"]


def test_the_confirmed_change_records_both_prices_and_the_history_shows_them(client, beheerder, users):
    client.force_login(beheerder.user)

    response = post_confirmed(client, change_url(users), {"quantity": "32"}, follow=True)

    mutation = LicenseMutation.objects.get(line=users)
    assert (mutation.old_price, mutation.new_price) == (Decimal("412.50"), Decimal("451.00"))
    assert "Prijs per maand: € 451,00." in response.content.decode()
    history = client.get(reverse("licensing:mutations")).content.decode()
    assert '<span class="amount">€ 412,50</span> → <span class="amount">€ 451,00</span>' in history
    assert "(+ € 38,50)" in history


def test_a_mutation_without_a_price_list_keeps_no_prices(beheerder, unpriced):
    mutation = line_change_quantity(line=unpriced, by=beheerder, quantity=6)

    mutation.refresh_from_db()
    assert (mutation.old_price, mutation.new_price) == (None, None)


def test_a_back_office_change_records_the_prices_too(customer_a, users):
    mutation = line_set_maximum(
        customer=customer_a, item="profit_users", scope="O", quantity=26, by="billing"
    )

    mutation.refresh_from_db()
    assert (mutation.old_price, mutation.new_price) == (Decimal("412.50"), Decimal("418.00"))


def test_the_history_shows_no_price_for_a_change_without_a_price_list(client, beheerder, unpriced):
    line_change_quantity(line=unpriced, by=beheerder, quantity=6)
    client.force_login(beheerder.user)

    html = client.get(reverse("licensing:mutations")).content.decode()

    assert "Geen prijslijst bij deze wijziging." in html
    assert "€" not in html


def test_the_preview_sentence_reads_in_english(client, beheerder, users):
    client.force_login(beheerder.user)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    response = client.post(change_url(users), {"quantity": "32", "preview": "1"})

    assert response.context["preview"] == (
        "From €412.50 to €451.00 per month (+€38.50); from 26 users on, tier 2 applies"
    )
    translation.activate("nl")


def test_a_dry_run_of_the_service_checks_and_prices_but_writes_nothing(beheerder, users):
    mutation = line_try_quantity(line=users, by=beheerder, quantity=32)

    assert mutation.pk is None
    assert (mutation.old_price, mutation.new_price, mutation.new_quantity) == (
        Decimal("412.50"),
        Decimal("451.00"),
        32,
    )
    users.refresh_from_db()
    assert (users.maximum, users.portal) == (25, 25)
    assert not LicenseMutation.objects.exists()


def test_licentiedata_prices_by_the_scheduled_list_from_its_date(client, beheerder, users):
    price_list(tiers=[(1, "20.00")], valid_from=date(2027, 1, 1))
    amsterdam = ZoneInfo("Europe/Amsterdam")

    with time_machine.travel(datetime(2026, 12, 31, 12, 0, tzinfo=amsterdam), tick=False):
        client.force_login(beheerder.user)
        before = client.get(OVERVIEW).context["total"]
    with time_machine.travel(datetime(2027, 1, 1, 0, 5, tzinfo=amsterdam), tick=False):
        client.force_login(beheerder.user)
        after = client.get(OVERVIEW).context["total"]

    assert (before, after) == (Decimal("412.50"), Decimal("500.00"))
