"""The mutation form's numbers: the range a new count may take, and the confirmation a raise needs."""

from dataclasses import dataclass

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from licensing.models import MAX_QUANTITY, SMALL_BUSINESS_MAX_ENVIRONMENTS, LicenseLine
from licensing.pricing.selectors import change_prices
from licensing.pricing.texts import price_change_sentence
from licensing.pricing.tiers import PriceSchedule, price_change
from licensing.recount import fresh_in_use
from licensing.services import LicenseError, check_entitlement
from portal.confirm import confirmation, is_confirmed


@dataclass(frozen=True)
class AllowedRange:
    lowest: int
    highest: int
    capped: bool


def allowed_range(line: LicenseLine) -> AllowedRange:
    """From what is in use (as last counted; the change counts again) to the edition's cap or the form's
    largest number."""
    capped = line.license.exceeds_cap(item=line.item, quantity=SMALL_BUSINESS_MAX_ENVIRONMENTS + 1)
    return AllowedRange(
        lowest=max(line.in_use, 0),
        highest=SMALL_BUSINESS_MAX_ENVIRONMENTS if capped else MAX_QUANTITY,
        capped=capped,
    )


def price_preview(line: LicenseLine, quantity: int, *, schedule: PriceSchedule | None = None) -> str:
    """What the change costs: "Van € 412,50 naar € 451,00 per maand (+ € 38,50); vanaf 26 gebruikers
    geldt staffel 2", under today's price list (`schedule`, read when not given); "" without one."""
    if schedule is not None:
        change = price_change(old_quantity=line.maximum, new_quantity=quantity, schedule=schedule)
    else:
        change = change_prices(
            edition=line.license.edition, item=line.item, old_quantity=line.maximum, new_quantity=quantity
        )
    return price_change_sentence(change, item=line.item) if change else ""


def raise_confirmation(
    request, *, line: LicenseLine, quantity: int, acknowledge: bool
) -> HttpResponse | None:
    """The page that asks to confirm a higher count, or None when the change needs no (more) asking:
    not a raise, confirmed for the numbers as they are now, or refused anyway (the service says why)."""
    if quantity <= line.maximum or (line.has_deviation and not acknowledge):
        return None
    try:
        check_entitlement(license=line.license, item=line.item, quantity=quantity)
    except LicenseError:
        return None
    in_use = fresh_in_use(line=line)
    state = f"{line.maximum}:{line.portal}:{in_use}"
    if quantity < in_use or is_confirmed(request, state):
        return None
    names = {"item": line.get_item_display(), "scope": line.get_scope_display()}
    consequences = [
        _("Maximum %(item)s (%(scope)s) van %(old)s naar %(new)s; in gebruik %(in_use)s.")
        % {**names, "old": line.maximum, "new": quantity, "in_use": in_use},
        _("Dat zijn er %(extra)s meer; daarna zijn er %(available)s beschikbaar.")
        % {"extra": quantity - line.maximum, "available": quantity - in_use},
        _(
            "De wijziging gaat direct in: ook het portaalaantal wordt %(new)s. "
            "Een hoger aantal verhoogt de licentiekosten volgens uw contract."
        )
        % {"new": quantity},
    ]
    if price := price_preview(line, quantity):
        consequences.insert(2, price + ".")
    fields = {"quantity": quantity}
    if acknowledge:
        fields["acknowledge_deviation"] = "on"
    return confirmation(
        request,
        title=_("%(item)s (%(scope)s) verhogen?") % names,
        consequences=consequences,
        fields=fields,
        state=state,
        button=_("Verhogen naar %(new)s") % {"new": quantity},
        cancel_url=f"{reverse('licensing:line_change', args=[line.id])}?quantity={quantity}",
    )
