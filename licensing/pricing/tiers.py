"""Pure pricing: what a number of units costs per month under a price list's tiers (staffels).

Graduated (gestaffeld): each unit is priced in its own tier, like income tax brackets — with tiers
1: €16.50 and 26: €15.00, 30 units cost 25 × 16.50 + 5 × 15.00. Volume: all units at the price of the
tier the number reaches — 30 units cost 30 × 15.00.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

from .models import FROM_BELOW_ONE, NEGATIVE_PRICE, PriceMode

CENT = Decimal("0.01")

# The admin's refusals of a list of tiers (the service checks the same; the tier's own two are the
# database constraints' messages too).
NO_TIERS = _("Geef ten minste één staffel op.")
FIRST_TIER_NOT_ONE = _("De eerste staffel begint bij 1.")
DUPLICATE_FROM = _("Twee staffels beginnen bij hetzelfde aantal (%(quantity)s).")
__all__ = ["DUPLICATE_FROM", "FIRST_TIER_NOT_ONE", "FROM_BELOW_ONE", "NEGATIVE_PRICE", "NO_TIERS"]


@dataclass(frozen=True)
class Tier:
    number: int  # 1-based, as the portal names it: "staffel 2"
    from_quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class PriceSchedule:
    """A price list as the pricing reads it: its mode and its tiers, ascending by `from_quantity`."""

    mode: str
    tiers: tuple[Tier, ...]
    valid_from: date | None = None

    @classmethod
    def of(cls, mode: str, tiers: Iterable[tuple[int, Decimal]], valid_from: date | None = None):
        ordered = sorted(tiers)
        return cls(
            mode=mode,
            tiers=tuple(
                Tier(number=n, from_quantity=start, unit_price=Decimal(price))
                for n, (start, price) in enumerate(ordered, start=1)
            ),
            valid_from=valid_from,
        )


def tier_problems(tiers: Iterable[tuple[int | None, Decimal | None]]) -> list[str]:
    """What is wrong with a list of (from quantity, unit price), as the admin shows it; [] when valid."""
    tiers = [(start, price) for start, price in tiers if start is not None]
    if not tiers:
        return [str(NO_TIERS)]
    problems = []
    starts = [start for start, _price in tiers]
    if any(start < 1 for start in starts):
        problems.append(str(FROM_BELOW_ONE))
    elif min(starts) != 1:
        problems.append(str(FIRST_TIER_NOT_ONE))
    for start in sorted({start for start in starts if starts.count(start) > 1}):
        problems.append(str(DUPLICATE_FROM % {"quantity": start}))
    if any(price is not None and price < 0 for _start, price in tiers):
        problems.append(str(NEGATIVE_PRICE))
    return problems


def tier_for(quantity: int, schedule: PriceSchedule) -> Tier | None:
    """The tier `quantity` reaches: the last whose from-quantity is at most `quantity`; None for 0."""
    reached = None
    for tier in schedule.tiers:
        if tier.from_quantity > quantity:
            break
        reached = tier
    return reached


def price_for(quantity: int, schedule: PriceSchedule) -> Decimal:
    """The monthly price of `quantity` units in EUR, rounded to the cent."""
    if quantity <= 0:
        return Decimal("0.00")
    if schedule.mode == PriceMode.VOLUME:
        reached = tier_for(quantity, schedule)
        total = quantity * reached.unit_price if reached else Decimal(0)
    else:
        total = Decimal(0)
        for tier, following in zip(schedule.tiers, schedule.tiers[1:] + (None,), strict=True):
            if tier.from_quantity > quantity:
                break
            last = quantity if following is None else min(quantity, following.from_quantity - 1)
            total += (last - tier.from_quantity + 1) * tier.unit_price
    return total.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class PriceChange:
    """The price before and after a change of a count, and the tier the new count reaches."""

    before: Decimal
    after: Decimal
    tier_before: Tier | None
    tier_after: Tier | None
    new_quantity: int

    @property
    def difference(self) -> Decimal:
        return self.after - self.before

    @property
    def tier_changed(self) -> bool:
        return self.tier_before != self.tier_after


def price_change(*, old_quantity: int, new_quantity: int, schedule: PriceSchedule) -> PriceChange:
    return PriceChange(
        before=price_for(old_quantity, schedule),
        after=price_for(new_quantity, schedule),
        tier_before=tier_for(old_quantity, schedule),
        tier_after=tier_for(new_quantity, schedule),
        new_quantity=new_quantity,
    )
