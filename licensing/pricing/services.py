"""Writes of price lists: the back office saves a list with its tiers here, checked as one whole."""

from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction

from portal.errors import DomainError

from .models import PriceList, PriceTier
from .tiers import tier_problems


class PricingError(DomainError):
    """A refused price list."""


def price_list_save(*, price_list: PriceList, tiers: Iterable[tuple[int, Decimal]]) -> PriceList:
    """Save `price_list` with exactly these (from quantity, unit price) tiers, replacing its old ones.

    Refused when the tiers do not start at 1, repeat a from-quantity or have a negative price."""
    tiers = list(tiers)
    problems = tier_problems(tiers)
    if problems:
        raise PricingError(problems[0], problems=problems)
    with transaction.atomic():
        price_list.save()
        PriceTier.objects.filter(price_list=price_list).delete()
        PriceTier.objects.bulk_create(
            PriceTier(price_list=price_list, from_quantity=start, unit_price=price) for start, price in tiers
        )
    return price_list


def price_list_delete(*, price_list: PriceList) -> None:
    """Delete a price list (a mutation keeps the amounts it was priced at, not the list)."""
    price_list.delete()
