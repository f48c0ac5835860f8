"""Price lists (prijslijsten) with their tiers (staffels): what a license line costs per month.

Per edition and item, valid from a date so that a new list can be scheduled: the list in effect on a
day is the latest whose `valid_from` is on or before it. Amounts are Decimal in EUR, never float.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from environments.vocabulary import Item
from licensing.models import Edition

CURRENCY = "EUR"
NEGATIVE_PRICE = _("Een prijs kan niet negatief zijn.")
FROM_BELOW_ONE = _("Een staffel begint bij 1 of hoger.")


class PriceMode(models.TextChoices):
    GRADUATED = "graduated", _("Gestaffeld: elke eenheid tegen de prijs van haar eigen staffel")
    VOLUME = "volume", _("Volume: alle eenheden tegen de prijs van de bereikte staffel")


class PriceList(models.Model):
    edition = models.CharField(_("editie"), max_length=20, choices=Edition.choices)
    item = models.CharField(_("onderdeel"), max_length=20, choices=Item.choices)
    mode = models.CharField(_("berekening"), max_length=10, choices=PriceMode.choices)
    valid_from = models.DateField(
        _("geldig vanaf"),
        help_text=_(
            "De prijslijst met de laatste datum tot en met vandaag geldt; een latere datum plant hem in."
        ),
    )
    currency = models.CharField(_("valuta"), max_length=3, default=CURRENCY, editable=False)

    class Meta:
        verbose_name = _("prijslijst")
        verbose_name_plural = _("prijslijsten")
        ordering = ["edition", "item", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "item", "valid_from"], name="price_list_one_per_day"),
            models.CheckConstraint(condition=Q(mode__in=PriceMode.values), name="price_list_mode_valid"),
            models.CheckConstraint(condition=Q(currency=CURRENCY), name="price_list_currency_eur"),
        ]

    def __str__(self) -> str:
        return f"{self.get_edition_display()} · {self.get_item_display()} · {self.valid_from:%Y-%m-%d}"


class PriceTier(models.Model):
    price_list = models.ForeignKey(
        PriceList, on_delete=models.CASCADE, related_name="tiers", verbose_name=_("prijslijst")
    )
    from_quantity = models.PositiveIntegerField(_("vanaf aantal"))
    unit_price = models.DecimalField(_("prijs per eenheid per maand (EUR)"), max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = _("staffel")
        verbose_name_plural = _("staffels")
        ordering = ["price_list", "from_quantity"]
        constraints = [
            models.UniqueConstraint(
                fields=["price_list", "from_quantity"], name="price_tier_one_per_quantity"
            ),
            models.CheckConstraint(
                condition=Q(from_quantity__gte=1),
                name="price_tier_from_at_least_one",
                violation_error_message=FROM_BELOW_ONE,
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0),
                name="price_tier_price_not_negative",
                violation_error_message=NEGATIVE_PRICE,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_quantity}+: {self.unit_price}"
