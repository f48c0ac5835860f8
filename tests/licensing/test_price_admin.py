"""Vendor staff keep price lists in the back office: a list per edition and item with its tiers, checked
as one whole (tiers start at 1, no from-quantity twice, no negative price) and saved through the service."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from licensing.pricing.models import PriceList, PriceTier
from licensing.pricing.services import PricingError, price_list_save
from licensing.pricing.tiers import DUPLICATE_FROM, FIRST_TIER_NOT_ONE, NEGATIVE_PRICE, NO_TIERS
from tests.licensing.pricing_factories import price_list

pytestmark = pytest.mark.django_db

ADD = reverse("admin:pricing_pricelist_add")


def form(tiers, *, valid_from="2027-01-01", item="profit_users", initial=0, ids=()):
    data = {
        "edition": "profit",
        "item": item,
        "mode": "graduated",
        "valid_from": valid_from,
        "tiers-TOTAL_FORMS": str(len(tiers)),
        "tiers-INITIAL_FORMS": str(initial),
        "tiers-MIN_NUM_FORMS": "0",
        "tiers-MAX_NUM_FORMS": "1000",
    }
    for n, (start, price) in enumerate(tiers):
        data[f"tiers-{n}-from_quantity"] = str(start)
        data[f"tiers-{n}-unit_price"] = str(price)
        if n < len(ids):
            data[f"tiers-{n}-id"] = str(ids[n])
    return data


def test_staff_see_the_price_lists_and_the_form(admin_client):
    price_list()
    assert admin_client.get(reverse("admin:pricing_pricelist_changelist")).status_code == 200
    page = admin_client.get(ADD).content.decode()
    assert 'name="tiers-0-from_quantity"' in page and 'name="tiers-0-unit_price"' in page


def test_staff_add_a_price_list_with_its_tiers(admin_client):
    response = admin_client.post(ADD, form([(1, "16.50"), (26, "5.50")]))

    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.non_form_errors()
    price = PriceList.objects.get()
    assert (price.edition, price.item, price.mode, price.valid_from, price.currency) == (
        "profit",
        "profit_users",
        "graduated",
        date(2027, 1, 1),
        "EUR",
    )
    assert list(price.tiers.values_list("from_quantity", "unit_price")) == [
        (1, Decimal("16.50")),
        (26, Decimal("5.50")),
    ]


@pytest.mark.parametrize(
    ("tiers", "message"),
    [
        ([(2, "16.50"), (26, "5.50")], str(FIRST_TIER_NOT_ONE)),
        ([(1, "16.50"), (26, "5.50"), (26, "4.00")], str(DUPLICATE_FROM % {"quantity": 26})),
        ([(1, "16.50"), (26, "-1.00")], str(NEGATIVE_PRICE)),
        ([], str(NO_TIERS)),
    ],
)
def test_the_admin_refuses_tiers_that_break_a_rule(admin_client, tiers, message):
    response = admin_client.post(ADD, form(tiers))

    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][0].formset.non_form_errors()
    assert message in errors
    assert not PriceList.objects.exists() and not PriceTier.objects.exists()


def test_the_admin_refuses_a_second_list_of_the_same_edition_item_and_date(admin_client):
    price_list(valid_from=date(2027, 1, 1))

    response = admin_client.post(ADD, form([(1, "10.00")]))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert PriceList.objects.count() == 1


def test_staff_change_the_tiers_of_a_list(admin_client):
    existing = price_list(valid_from=date(2027, 1, 1))
    ids = list(existing.tiers.order_by("from_quantity").values_list("id", flat=True))
    url = reverse("admin:pricing_pricelist_change", args=[existing.pk])

    data = form([(1, "17.00"), (30, "6.00")], initial=2, ids=ids)
    response = admin_client.post(url, data)

    assert response.status_code == 302
    assert list(existing.tiers.values_list("from_quantity", "unit_price")) == [
        (1, Decimal("17.00")),
        (30, Decimal("6.00")),
    ]


def test_the_service_refuses_what_the_admin_refuses():
    with pytest.raises(PricingError) as refused:
        price_list_save(
            price_list=PriceList(
                edition="profit", item="profit_users", mode="volume", valid_from=date(2027, 1, 1)
            ),
            tiers=[(1, Decimal("3.00")), (1, Decimal("2.00"))],
        )
    assert refused.value.message == str(DUPLICATE_FROM % {"quantity": 1})
    assert not PriceList.objects.exists()
