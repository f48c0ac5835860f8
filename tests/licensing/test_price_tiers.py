"""What a number of units costs: graduated and volume pricing at every tier boundary, against a table
worked out by hand, and the price list in effect on a day (a scheduled list takes effect on its date)."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from licensing.pricing.models import PriceMode
from licensing.pricing.selectors import schedule_for, schedules_in_effect
from licensing.pricing.tiers import PriceSchedule, price_change, price_for, tier_for
from tests.licensing.pricing_factories import price_list

# € 10 each up to 10, € 8 from 11, € 5 from 51.
TIERS = [(1, Decimal("10.00")), (11, Decimal("8.00")), (51, Decimal("5.00"))]
GRADUATED = PriceSchedule.of(PriceMode.GRADUATED, TIERS)
VOLUME = PriceSchedule.of(PriceMode.VOLUME, TIERS)

# quantity: (graduated, volume, tier reached), by hand.
TABLE = {
    0: ("0.00", "0.00", None),
    1: ("10.00", "10.00", 1),
    2: ("20.00", "20.00", 1),
    10: ("100.00", "100.00", 1),  # 10 × 10
    11: ("108.00", "88.00", 2),  # 100 + 1 × 8 | 11 × 8
    12: ("116.00", "96.00", 2),
    50: ("420.00", "400.00", 2),  # 100 + 40 × 8 | 50 × 8
    51: ("425.00", "255.00", 3),  # 420 + 1 × 5 | 51 × 5
    52: ("430.00", "260.00", 3),
    100: ("670.00", "500.00", 3),  # 420 + 50 × 5 | 100 × 5
    1_000_000: ("5000170.00", "5000000.00", 3),
}


@pytest.mark.parametrize("quantity", TABLE)
def test_graduated_pricing_prices_each_unit_in_its_own_tier(quantity):
    assert price_for(quantity, GRADUATED) == Decimal(TABLE[quantity][0])


@pytest.mark.parametrize("quantity", TABLE)
def test_volume_pricing_prices_all_units_at_the_tier_reached(quantity):
    assert price_for(quantity, VOLUME) == Decimal(TABLE[quantity][1])


@pytest.mark.parametrize("quantity", TABLE)
def test_the_tier_reached_is_the_last_that_starts_at_or_below_the_quantity(quantity):
    tier = tier_for(quantity, GRADUATED)
    assert (tier.number if tier else None) == TABLE[quantity][2]


def test_prices_are_decimals_to_the_cent():
    schedule = PriceSchedule.of(PriceMode.GRADUATED, [(1, Decimal("16.50")), (26, Decimal("5.50"))])
    assert price_for(25, schedule) == Decimal("412.50")
    assert price_for(32, schedule) == Decimal("451.00")
    assert isinstance(price_for(32, schedule), Decimal)


def test_a_single_tier_list_is_a_plain_unit_price():
    schedule = PriceSchedule.of(PriceMode.VOLUME, [(1, Decimal("3.25"))])
    assert price_for(7, schedule) == Decimal("22.75")


def test_a_price_change_knows_both_prices_and_the_tiers():
    change = price_change(
        old_quantity=25,
        new_quantity=32,
        schedule=PriceSchedule.of("graduated", [(1, Decimal("16.50")), (26, Decimal("5.50"))]),
    )
    assert (change.before, change.after, change.difference) == (
        Decimal("412.50"),
        Decimal("451.00"),
        Decimal("38.50"),
    )
    assert (change.tier_before.number, change.tier_after.number, change.tier_changed) == (1, 2, True)


schedules = st.builds(
    lambda mode, starts, prices: PriceSchedule.of(mode, zip([1, *sorted(starts)], prices, strict=False)),
    st.sampled_from([PriceMode.GRADUATED, PriceMode.VOLUME]),
    st.sets(st.integers(2, 500), max_size=5),
    st.lists(st.decimals("0.00", "99.99", places=2), min_size=6, max_size=6),
)


@settings(max_examples=200, derandomize=True, deadline=None)
@given(schedule=schedules, quantity=st.integers(1, 600))
def test_each_unit_adds_its_own_tiers_price_graduated_and_all_units_the_reached_price_volume(
    schedule, quantity
):
    reached = tier_for(quantity, schedule)
    if schedule.mode == PriceMode.GRADUATED:
        assert price_for(quantity, schedule) - price_for(quantity - 1, schedule) == reached.unit_price
    else:
        assert price_for(quantity, schedule) == quantity * reached.unit_price


AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.mark.django_db
def test_a_scheduled_price_list_takes_effect_on_its_date():
    price_list(tiers=[(1, "10.00")], valid_from=date(2026, 1, 1))
    price_list(tiers=[(1, "12.00")], valid_from=date(2027, 1, 1))
    with time_machine.travel(datetime(2026, 12, 31, 23, 59, tzinfo=AMSTERDAM), tick=False):
        assert schedule_for(edition="profit", item="profit_users").tiers[0].unit_price == Decimal("10.00")
    with time_machine.travel(datetime(2027, 1, 1, 0, 0, tzinfo=AMSTERDAM), tick=False):
        assert schedule_for(edition="profit", item="profit_users").tiers[0].unit_price == Decimal("12.00")


@pytest.mark.django_db
def test_before_the_first_list_takes_effect_there_is_no_price():
    price_list(valid_from=date(2027, 1, 1))
    with time_machine.travel(datetime(2026, 12, 31, 12, 0, tzinfo=AMSTERDAM), tick=False):
        assert schedule_for(edition="profit", item="profit_users") is None


@pytest.mark.django_db
def test_the_lists_in_effect_are_per_edition_and_item_in_one_query(django_assert_num_queries):
    price_list(item="profit_users", tiers=[(1, "10.00"), (11, "8.00")])
    price_list(item="insite_users", mode=PriceMode.VOLUME, tiers=[(1, "2.00")])
    price_list(edition="enterprise", item="profit_users", tiers=[(1, "20.00")])
    with django_assert_num_queries(1):
        schedules = schedules_in_effect(edition="profit")
    assert set(schedules) == {"profit_users", "insite_users"}
    assert [tier.unit_price for tier in schedules["profit_users"].tiers] == [
        Decimal("10.00"),
        Decimal("8.00"),
    ]
    assert schedules["insite_users"].mode == PriceMode.VOLUME
