"""Reads of the price lists in effect: one query for an edition's lists, whatever their number."""

from datetime import date

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from .models import PriceList, PriceTier
from .tiers import PriceChange, PriceSchedule, price_change


def schedules_in_effect(
    *, edition: str, on: date | None = None, item: str | None = None
) -> dict[str, PriceSchedule]:
    """Per item: the price list of `edition` in effect on `on` (today by default), i.e. the latest whose
    valid_from is on or before it. An item without one is absent: it has no price (never €0).
    One query: the tiers of the lists in effect, with their list's mode and date."""
    on = on or timezone.localdate()
    latest = (
        PriceList.objects.filter(edition=OuterRef("price_list__edition"), item=OuterRef("price_list__item"))
        .filter(valid_from__lte=on)
        .order_by("-valid_from")
        .values("valid_from")[:1]
    )
    tiers = PriceTier.objects.filter(price_list__edition=edition, price_list__valid_from=Subquery(latest))
    if item is not None:
        tiers = tiers.filter(price_list__item=item)
    rows: dict[str, tuple[str, date, list]] = {}
    for list_item, mode, valid_from, start, price in tiers.values_list(
        "price_list__item", "price_list__mode", "price_list__valid_from", "from_quantity", "unit_price"
    ):
        rows.setdefault(list_item, (mode, valid_from, []))[2].append((start, price))
    return {
        list_item: PriceSchedule.of(mode, pairs, valid_from=valid_from)
        for list_item, (mode, valid_from, pairs) in rows.items()
    }


def schedule_for(*, edition: str, item: str, on: date | None = None) -> PriceSchedule | None:
    """The price list in effect for one item of an edition, or None."""
    return schedules_in_effect(edition=edition, item=item, on=on).get(item)


def change_prices(*, edition: str, item: str, old_quantity: int, new_quantity: int) -> PriceChange | None:
    """The monthly price before and after a change of a count, under today's list; None without one."""
    schedule = schedule_for(edition=edition, item=item)
    if schedule is None:
        return None
    return price_change(old_quantity=old_quantity, new_quantity=new_quantity, schedule=schedule)
