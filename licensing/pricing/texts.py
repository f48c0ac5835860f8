"""The sentences that show what a change costs: the change form's preview and its confirmation step."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from environments.vocabulary import Item

from .money import format_money
from .tiers import PriceChange

# What a count of each item counts, as in "vanaf 26 gebruikers".
UNITS = {
    Item.ENVIRONMENTS: gettext_lazy("omgevingen"),
    Item.EMPLOYEES: gettext_lazy("medewerkers"),
    Item.DECLARATIONS: gettext_lazy("aangiften"),
    Item.PROFIT_USERS: gettext_lazy("gebruikers"),
    Item.INSITE_USERS: gettext_lazy("gebruikers"),
    Item.OUTSITE_USERS: gettext_lazy("gebruikers"),
    Item.CLIENTS: gettext_lazy("cliënten"),
}


def price_change_sentence(change: PriceChange, *, item: str) -> str:
    """E.g. "Van € 412,50 naar € 451,00 per maand (+ € 38,50); vanaf 26 gebruikers geldt staffel 2"."""
    text = _("Van %(before)s naar %(after)s per maand (%(difference)s)") % {
        "before": format_money(change.before),
        "after": format_money(change.after),
        "difference": format_money(change.difference, signed=True),
    }
    if not change.tier_changed:
        return text
    unit = UNITS.get(item, gettext_lazy("eenheden"))
    if change.tier_after is None:  # down to 0
        return text
    if change.tier_before is None or change.tier_after.number > change.tier_before.number:
        tier_text = _("vanaf %(quantity)s %(unit)s geldt staffel %(tier)s") % {
            "quantity": change.tier_after.from_quantity,
            "unit": unit,
            "tier": change.tier_after.number,
        }
    else:
        tier_text = _("onder %(quantity)s %(unit)s geldt staffel %(tier)s") % {
            "quantity": change.tier_before.from_quantity,
            "unit": unit,
            "tier": change.tier_after.number,
        }
    return f"{text}; {tier_text}"
