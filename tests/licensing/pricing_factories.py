"""Price lists for tests, saved through the back office's own service."""

from datetime import date
from decimal import Decimal

from licensing.pricing.models import PriceList, PriceMode
from licensing.pricing.services import price_list_save

# Users: € 16,50 each for the first 25, € 5,50 from the 26th (the example of issue 15).
USER_TIERS = [(1, "16.50"), (26, "5.50")]


def price_list(
    *,
    edition: str = "profit",
    item: str = "profit_users",
    mode: str = PriceMode.GRADUATED,
    tiers=USER_TIERS,
    valid_from: date = date(2020, 1, 1),
) -> PriceList:
    return price_list_save(
        price_list=PriceList(edition=edition, item=item, mode=mode, valid_from=valid_from),
        tiers=[(start, Decimal(price)) for start, price in tiers],
    )
