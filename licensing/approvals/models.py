"""A customer's four-eyes policy and the changes waiting for a second Beheerder."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from licensing.models import MAX_QUANTITY, LicenseLine, LicenseMutation
from licensing.pricing.selectors import change_prices
from portal.models import Contact, Customer

from .texts import policy_rules, policy_summary


class FourEyesPolicy(models.Model):
    """Which changes of a license count need a second Beheerder. Changed only through an approved
    PendingChange of kind `policy` (licensing.approvals.services)."""

    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, related_name="four_eyes_policy", verbose_name=_("klant")
    )
    enabled = models.BooleanField(_("ingeschakeld"), default=False)
    lowering = models.BooleanField(_("bij verlagen"), default=False)
    # A raise to more than this many units; None: raises never need approval (unless every_change).
    raise_above = models.PositiveIntegerField(_("bij verhogen boven"), null=True, blank=True)
    # A raise to a monthly price (EUR, under the line's price list in effect) above this amount; a line
    # without a price list is never covered by it. None: no such rule.
    raise_above_amount = models.DecimalField(
        _("bij verhogen boven maandbedrag"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    every_change = models.BooleanField(_("bij elke wijziging"), default=False)
    updated_at = models.DateTimeField(_("gewijzigd"), auto_now=True)

    class Meta:
        verbose_name = _("vier-ogenbeleid")
        verbose_name_plural = _("vier-ogenbeleid")
        constraints = [
            models.CheckConstraint(
                condition=Q(enabled=False)
                | Q(lowering=True)
                | Q(every_change=True)
                | Q(raise_above__isnull=False)
                | Q(raise_above_amount__isnull=False),
                name="four_eyes_enabled_covers_something",
            ),
            models.CheckConstraint(
                condition=Q(raise_above_amount__isnull=True) | Q(raise_above_amount__gte=Decimal("0")),
                name="four_eyes_raise_above_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(raise_above__isnull=True) | Q(raise_above__lte=MAX_QUANTITY),
                name="four_eyes_raise_above_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer.number}: {'on' if self.enabled else 'off'}"

    @property
    def rules_text(self) -> str:
        fields = ("every_change", "lowering", "raise_above", "raise_above_amount")
        return policy_rules({name: getattr(self, name) for name in fields})

    def covers(self, *, line: LicenseLine, quantity: int) -> bool:
        """True when changing `line` to `quantity` needs a second Beheerder."""
        if not self.enabled or quantity == line.maximum:
            return False
        if self.every_change:
            return True
        if self.lowering and quantity < line.maximum:
            return True
        if quantity < line.maximum:
            return False
        if self.raise_above is not None and quantity > self.raise_above:
            return True
        return self.raise_above_amount is not None and self._price_above(line=line, quantity=quantity)

    def _price_above(self, *, line: LicenseLine, quantity: int) -> bool:
        """The line's monthly price after the change is above `raise_above_amount` (one query: the price
        list in effect for its edition and item); False without a price list."""
        prices = change_prices(
            edition=line.license.edition, item=line.item, old_quantity=line.maximum, new_quantity=quantity
        )
        return prices is not None and prices.after > self.raise_above_amount


class ChangeKind(models.TextChoices):
    QUANTITY = "quantity", _("Licentieaantal")
    POLICY = "policy", _("Vier-ogenbeleid")


class ChangeStatus(models.TextChoices):
    OPEN = "open", _("Wacht op goedkeuring")
    APPROVED = "approved", _("Goedgekeurd")
    REJECTED = "rejected", _("Afgewezen")
    EXPIRED = "expired", _("Verlopen")
    REPLACED = "replaced", _("Vervangen")
    WITHDRAWN = "withdrawn", _("Ingetrokken")


def default_expiry():
    return timezone.now() + timezone.timedelta(days=settings.FOUR_EYES_EXPIRY_DAYS)


class PendingChange(models.Model):
    """A change asked for under the four-eyes policy: a line's new quantity, or a new policy.

    Open until a Beheerder other than the requester approves or rejects it, a newer change of the same
    line (or policy) replaces it, or `expires_at` passes. The requester is a person (`requested_by_user`,
    the identity checked at approval), or an API key, whose maker is that person.
    """

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="pending_changes", verbose_name=_("klant")
    )
    kind = models.CharField(_("soort"), max_length=20, choices=ChangeKind.choices)
    line = models.ForeignKey(
        LicenseLine,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="pending_changes",
        verbose_name=_("licentieregel"),
    )
    quantity = models.PositiveIntegerField(_("gevraagd aantal"), null=True, blank=True)
    old_maximum = models.PositiveIntegerField(_("maximum bij aanvraag"), null=True, blank=True)
    acknowledge_deviation = models.BooleanField(_("afwijking bevestigd"), default=False)
    # The policy asked for (kind policy).
    policy = models.JSONField(_("gevraagd beleid"), default=dict, blank=True)
    requested_by = models.ForeignKey(
        Contact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("aangevraagd door"),
    )
    requested_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_by_name = models.CharField(_("aangevraagd door (naam)"), max_length=254)
    api_key_name = models.CharField(_("API-sleutel"), max_length=100, blank=True)
    requested_at = models.DateTimeField(_("aangevraagd"), default=timezone.now)
    expires_at = models.DateTimeField(_("verloopt"), default=default_expiry)
    status = models.CharField(
        _("status"), max_length=20, choices=ChangeStatus.choices, default=ChangeStatus.OPEN
    )
    decided_by = models.ForeignKey(
        Contact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("besloten door"),
    )
    decided_by_name = models.CharField(_("besloten door (naam)"), max_length=254, blank=True)
    decided_at = models.DateTimeField(_("besloten"), null=True, blank=True)
    reason = models.TextField(_("reden"), blank=True)
    mutation = models.OneToOneField(
        LicenseMutation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="approval",
        verbose_name=_("mutatie"),
    )

    class Meta:
        verbose_name = _("wijziging ter goedkeuring")
        verbose_name_plural = _("wijzigingen ter goedkeuring")
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "status", "-requested_at"], name="pending_customer_status")
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ChangeKind.values), name="pending_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=ChangeStatus.values), name="pending_status_valid"),
            models.CheckConstraint(
                condition=Q(kind=ChangeKind.POLICY) | Q(line__isnull=False, quantity__isnull=False),
                name="pending_quantity_has_line",
            ),
            models.CheckConstraint(
                condition=Q(mutation__isnull=True) | Q(status=ChangeStatus.APPROVED),
                name="pending_mutation_only_when_approved",
            ),
            # One open change per line, and one open policy change per customer: a newer one replaces it.
            models.UniqueConstraint(
                fields=["line"], condition=Q(status=ChangeStatus.OPEN), name="pending_one_open_per_line"
            ),
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(status=ChangeStatus.OPEN, kind=ChangeKind.POLICY),
                name="pending_one_open_policy",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer.number} {self.kind} {self.status}"

    @property
    def policy_text(self) -> str:
        """The policy asked for (kind policy), as the list of changes and the e-mail show it."""
        return policy_summary(self.policy)

    def is_open(self, now=None) -> bool:
        return self.status == ChangeStatus.OPEN and self.expires_at > (now or timezone.now())

    @property
    def shown_status(self) -> str:
        if self.status == ChangeStatus.OPEN and self.expires_at <= timezone.now():
            return ChangeStatus.EXPIRED.label
        return self.get_status_display()
