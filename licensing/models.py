"""A customer's license, its countable lines with their usage level, and the append-only record of
every change."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import BigIntegerField, Case, OuterRef, Q, Subquery, Value, When
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast
from django.db.models.lookups import Exact, GreaterThan, GreaterThanOrEqual, LessThan
from django.utils.translation import gettext_lazy as _

from environments.vocabulary import ENVIRONMENT_SCOPES, ENVIRONMENT_TYPE_ITEMS, LICENSE_ITEMS, Item, Scope
from portal.append_only import AppendOnlyModel
from portal.models import Contact, Customer

# The edition Profit Small Business never allows more than this many environments.
SMALL_BUSINESS_MAX_ENVIRONMENTS = 10
# The one message of that cap: the back office (model clean, admin) and the portal (services) say it.
SMALL_BUSINESS_CAP = _(
    "Profit Small Business staat nooit meer dan %(cap)s omgevingen toe. Voor meer omgevingen is een "
    "andere editie nodig: dien een licentieaanvraag in."
)
# Upper bound for any license quantity: far beyond any real license, well inside the column.
MAX_QUANTITY = 1_000_000


class Edition(models.TextChoices):
    SMALL_BUSINESS = "small_business", _("Profit Small Business")
    PROFIT = "profit", _("Profit")
    ENTERPRISE = "enterprise", _("Profit Enterprise")


class License(models.Model):
    customer = models.OneToOneField(
        Customer, on_delete=models.PROTECT, related_name="license", verbose_name=_("klant")
    )
    edition = models.CharField(_("editie"), max_length=20, choices=Edition.choices, default=Edition.PROFIT)
    flex = models.BooleanField(_("Flex"), default=False, help_text=_("Flexibele licentie voor medewerkers."))
    counted_at = models.DateTimeField(_("laatst geteld"), null=True, blank=True)

    class Meta:
        verbose_name = _("licentie")
        verbose_name_plural = _("licenties")
        constraints = [
            models.CheckConstraint(condition=Q(edition__in=Edition.values), name="license_edition_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.customer.number} {self.get_edition_display()}"

    @property
    def is_small_business(self) -> bool:
        return self.edition == Edition.SMALL_BUSINESS

    def exceeds_cap(self, *, item: str, quantity: int) -> bool:
        """True if the edition does not allow `quantity` of `item` (Small Business: environments)."""
        return (
            self.is_small_business
            and item == Item.ENVIRONMENTS
            and quantity > SMALL_BUSINESS_MAX_ENVIRONMENTS
        )

    def clean(self) -> None:
        # The back office must not turn a license with more environments into Small Business.
        if self.is_small_business and self.pk:
            too_many = self.lines.filter(
                item=Item.ENVIRONMENTS, maximum__gt=SMALL_BUSINESS_MAX_ENVIRONMENTS
            ).exists()
            if too_many:
                raise ValidationError(
                    {"edition": SMALL_BUSINESS_CAP % {"cap": SMALL_BUSINESS_MAX_ENVIRONMENTS}}
                )


# A line is almost full when at least ALMOST_FULL_IN_USE_PERCENT of its maximum is in use and fewer
# than ALMOST_FULL_AVAILABLE, or fewer than ALMOST_FULL_PERCENT of the maximum, are left. The share in
# use keeps small lines (0 of 2 in use) from being flagged just because their maximum is small.
ALMOST_FULL_AVAILABLE = 5
ALMOST_FULL_PERCENT = 10
ALMOST_FULL_IN_USE_PERCENT = 80


class UsageLevel(models.TextChoices):
    """How full a line is: the one rule of the dashboard, Licentiedata, the line page and the workbook."""

    OK = "ok", _("In orde")
    ALMOST_FULL = "almost_full", _("Bijna vol")
    FULL = "full", _("Vol")
    OVER = "over", _("Overschreden")


def usage_level(*, maximum: int, in_use: int) -> UsageLevel:
    """Over when more is in use than allowed; full at the maximum (of a line that allows any); almost
    full by the constants above; ok otherwise (a maximum of 0 with nothing in use is ok)."""
    available = maximum - in_use
    if in_use > maximum:
        return UsageLevel.OVER
    if in_use == maximum and maximum > 0:
        return UsageLevel.FULL
    if (
        in_use > 0
        and in_use * 100 >= maximum * ALMOST_FULL_IN_USE_PERCENT
        and (available < ALMOST_FULL_AVAILABLE or available * 100 < maximum * ALMOST_FULL_PERCENT)
    ):
        return UsageLevel.ALMOST_FULL
    return UsageLevel.OK


def usage_level_expression(
    maximum: Combinable | str = "maximum", in_use: Combinable | str = "in_use"
) -> Case:
    """`usage_level` as a database expression over two columns (or expressions), for filtering and
    annotating. In bigint: an in-use count near the top of its integer column times 100 overflows."""
    maximum = Cast(maximum, BigIntegerField())
    in_use = Cast(in_use, BigIntegerField())
    available = maximum - in_use
    almost_full = (
        GreaterThan(in_use, 0)
        & GreaterThanOrEqual(in_use * 100, maximum * ALMOST_FULL_IN_USE_PERCENT)
        & (
            LessThan(available, ALMOST_FULL_AVAILABLE)
            | LessThan(available * 100, maximum * ALMOST_FULL_PERCENT)
        )
    )
    return Case(
        When(GreaterThan(in_use, maximum), then=Value(UsageLevel.OVER.value)),
        When(Exact(in_use, maximum) & GreaterThan(maximum, 0), then=Value(UsageLevel.FULL.value)),
        When(almost_full, then=Value(UsageLevel.ALMOST_FULL.value)),
        default=Value(UsageLevel.OK.value),
        output_field=models.CharField(),
    )


class LicenseLine(models.Model):
    license = models.ForeignKey(
        License, on_delete=models.CASCADE, related_name="lines", verbose_name=_("licentie")
    )
    item = models.CharField(_("onderdeel"), max_length=20, choices=Item.choices)
    scope = models.CharField(_("bereik"), max_length=10, choices=Scope.choices)
    maximum = models.PositiveIntegerField(
        _("maximum"), default=0, help_text=_("Waar de klant feitelijk recht op heeft.")
    )
    portal = models.PositiveIntegerField(
        _("portaalaantal"), default=0, help_text=_("Wat het portaal als licentie toont.")
    )
    # As of the last count; the time of that count is License.counted_at.
    in_use = models.PositiveIntegerField(_("in gebruik"), default=0)

    class Meta:
        verbose_name = _("licentieregel")
        verbose_name_plural = _("licentieregels")
        ordering = ["license", "item", "scope"]
        constraints = [
            models.UniqueConstraint(fields=["license", "item", "scope"], name="one_line_per_item_scope"),
            models.CheckConstraint(
                condition=Q(maximum__gte=0, portal__gte=0, in_use__gte=0), name="line_quantities_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(maximum__lte=MAX_QUANTITY, portal__lte=MAX_QUANTITY),
                name="line_quantities_bounded",
            ),
            models.CheckConstraint(
                condition=Q(item__in=[i.value for i in LICENSE_ITEMS], scope=Scope.LICENSE)
                | Q(
                    item__in=[i.value for i in ENVIRONMENT_TYPE_ITEMS],
                    scope__in=[s.value for s in ENVIRONMENT_SCOPES],
                ),
                name="line_item_fits_scope",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.license.customer.number} {self.get_item_display()} ({self.get_scope_display()})"

    def clean(self) -> None:
        if self.license_id and self.license.exceeds_cap(item=self.item, quantity=self.maximum):
            raise ValidationError({"maximum": SMALL_BUSINESS_CAP % {"cap": SMALL_BUSINESS_MAX_ENVIRONMENTS}})

    @property
    def available(self) -> int:
        return self.maximum - self.in_use

    @property
    def has_deviation(self) -> bool:
        return self.portal != self.maximum

    @property
    def granted_pending(self) -> bool:
        """A deviation whose cause is the customer's own granted license request (the line's newest
        change is that grant): no problem, the nightly run shows it. Needs `last_source` annotated
        (`last_change_source()`); a line read without it is never taken for one."""
        return self.has_deviation and getattr(self, "last_source", None) == MutationSource.REQUEST

    @property
    def level(self) -> UsageLevel:
        return usage_level(maximum=self.maximum, in_use=self.in_use)


class MutationSource(models.TextChoices):
    """Where a LicenseMutation came from (its `source` column)."""

    PORTAL = "portal", _("Portaal")
    BACKOFFICE = "backoffice", _("Back office")
    REQUEST = "request", _("Licentieaanvraag")
    API = "api", _("API")


class LicenseMutation(AppendOnlyModel):
    """One accepted change of a license count. Append-only: never updated or deleted."""

    line = models.ForeignKey(
        LicenseLine, on_delete=models.PROTECT, related_name="mutations", verbose_name=_("licentieregel")
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="license_mutations", verbose_name=_("klant")
    )
    contact = models.ForeignKey(
        Contact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contactpersoon"),
    )
    # The vendor staff user of a back-office change (the admin, an approved request); `by` keeps the
    # name should the account be deleted.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("medewerker leverancier"),
    )
    by = models.CharField(
        _("door"), max_length=254, help_text=_("E-mailadres of systeemnaam van wie het deed.")
    )
    created_at = models.DateTimeField(_("tijdstip"), auto_now_add=True, db_index=True)
    old_maximum = models.PositiveIntegerField(_("oud maximum"))
    old_portal = models.PositiveIntegerField(_("oud portaalaantal"))
    new_quantity = models.PositiveIntegerField(_("nieuw aantal"))
    in_use = models.PositiveIntegerField(_("in gebruik bij wijziging"), null=True, blank=True)
    acknowledged_deviation = models.BooleanField(_("afwijking bevestigd"), default=False)
    source = models.CharField(
        _("bron"), max_length=20, choices=MutationSource.choices, default=MutationSource.PORTAL
    )
    # The monthly price (EUR) of the old maximum and of the new number under the price list in effect
    # at the change; null when the item had no price list (no price is not €0).
    old_price = models.DecimalField(
        _("oude prijs per maand"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    new_price = models.DecimalField(
        _("nieuwe prijs per maand"), max_digits=12, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("mutatie")
        verbose_name_plural = _("mutaties")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "-created_at"], name="mutation_customer_recent")]

    def __str__(self) -> str:
        return f"{self.line}: {self.old_maximum} → {self.new_quantity}"

    @classmethod
    def last_change_source(cls, line: Combinable | str = "pk") -> Subquery:
        """Per line: where its newest change came from, as a subquery of the line's own query."""
        newest = cls.objects.filter(line=OuterRef(line)).order_by("-created_at", "-id")
        return Subquery(newest.values("source")[:1])

    @property
    def price_difference(self):
        if self.old_price is None or self.new_price is None:
            return None
        return self.new_price - self.old_price

    @property
    def actor(self) -> str:
        """Who made the change as the customer reads it: a person, an API key or the vendor, never a
        command name or a staff account (`by` keeps those for the audit)."""
        if self.contact_id is not None:
            return self.contact.name
        if self.source == MutationSource.API:
            return _("API-sleutel “%(name)s”") % {"name": self.by}
        if self.source == MutationSource.REQUEST:
            return _("Leverancier (goedgekeurde licentieaanvraag)")
        if self.source == MutationSource.BACKOFFICE:
            if self.user_id is None:  # set_entitlement: a contract change arriving from billing
                return _("Leverancier (contractwijziging)")
            return _("Leverancier (back office)")
        return self.by


class RequestStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Ingediend")
    APPROVED = "approved", _("Goedgekeurd")
    REJECTED = "rejected", _("Afgewezen")


def default_language() -> str:
    """The portal's default language (LANGUAGE_CODE, set per deployment)."""
    return settings.LANGUAGE_CODE


class LicenseRequest(models.Model):
    """A Licentieaanvraag: a free request to the vendor when self-service is stuck.

    About one line (approval sets its maximum) or about a free subject (approval only records
    the decision; vendor staff arrange the rest).
    """

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="license_requests", verbose_name=_("klant")
    )
    line = models.ForeignKey(
        LicenseLine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("licentieregel"),
    )
    subject = models.CharField(_("onderwerp"), max_length=200, blank=True)
    desired_quantity = models.PositiveIntegerField(_("gewenst aantal"), null=True, blank=True)
    motivation = models.TextField(_("motivatie"), max_length=4000)
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.SUBMITTED
    )
    requested_by = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, related_name="license_requests", verbose_name=_("door")
    )
    created_at = models.DateTimeField(_("ingediend op"), auto_now_add=True, db_index=True)
    language = models.CharField(
        _("taal"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=default_language,
        help_text=_("De taal waarin de aanvraag is ingediend; het besluit wordt in die taal gemaild."),
    )
    decided_at = models.DateTimeField(_("besloten op"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("besloten door"),
    )
    rejection_reason = models.TextField(_("reden van afwijzing"), blank=True)

    class Meta:
        verbose_name = _("licentieaanvraag")
        verbose_name_plural = _("licentieaanvragen")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "-created_at"], name="request_customer_recent")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=RequestStatus.values), name="request_status_valid"),
            models.CheckConstraint(
                condition=Q(line__isnull=False) | ~Q(subject=""), name="request_line_or_subject"
            ),
            models.CheckConstraint(
                condition=Q(line__isnull=True) | Q(desired_quantity__isnull=False),
                name="request_line_has_quantity",
            ),
            models.CheckConstraint(
                condition=Q(desired_quantity__isnull=True) | Q(desired_quantity__lte=MAX_QUANTITY),
                name="request_quantity_bounded",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""), name="request_rejection_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer.number}: {self.line or self.subject} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status == RequestStatus.SUBMITTED
