"""The four-eyes policy's rules as a sentence part in the active language, as the policy page, the list
of changes and the e-mail about a policy change show them: "bij elke verlaging; bij een verhoging naar
meer dan 50; bij een verhoging naar een maandprijs boven € 1.000,00"."""

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from licensing.pricing.money import format_money


def policy_rules(values: dict) -> str:
    """What needs approval under `values` (a policy's fields, or a PendingChange's `policy`)."""
    if values.get("every_change"):
        return _("bij elke wijziging")
    parts = []
    if values.get("lowering"):
        parts.append(_("bij elke verlaging"))
    if values.get("raise_above") is not None:
        parts.append(_("bij een verhoging naar meer dan %(number)s") % {"number": values["raise_above"]})
    if values.get("raise_above_amount") is not None:
        amount = format_money(Decimal(values["raise_above_amount"]))
        parts.append(_("bij een verhoging naar een maandprijs boven %(amount)s") % {"amount": amount})
    return "; ".join(parts)


def policy_summary(values: dict) -> str:
    """The policy asked for: "aan, bij elke verlaging" or "uit"."""
    if not values.get("enabled"):
        return pgettext("vier-ogenbeleid", "uit")
    return f"{pgettext('vier-ogenbeleid', 'aan')}, {policy_rules(values)}"
