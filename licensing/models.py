"""A customer's license, its countable lines and the append-only record of every change."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from environments.vocabulary import ENVIRONMENT_SCOPES, ENVIRONMENT_TYPE_ITEMS, LICENSE_ITEMS, Item, Scope
from portal.models import Contact, Customer

# The edition Profit Small Business never allows more than this many environments.
SMALL_BUSINESS_MAX_ENVIRONMENTS = 10
SMALL_BUSINESS_ENVIRONMENTS = _("Profit Small Business staat nooit meer dan %(cap)s omgevingen toe.")
# Upper bound for any license quantity: far beyond any real license, well inside the column.
MAX_QUANTITY = 1_000_000


class Edition(models.TextChoices):
    SMALL_BUSINESS = "small_business", _("Profit Small Business")
    PROFIT = "profit", _("Profit")
    ENTERPRISE = "enterprise", _("Profit Enterprise")


class License(models.Model):
    customer = models.OneToOneField(Customer, on_delete=models.PROTECT, related_name="license")
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

    def clean(self) -> None:
        # The back office must not turn a license with more environments into Small Business.
        if self.is_small_business and self.pk:
            too_many = self.lines.filter(
                item=Item.ENVIRONMENTS, maximum__gt=SMALL_BUSINESS_MAX_ENVIRONMENTS
            ).exists()
            if too_many:
                raise ValidationError(
                    {"edition": SMALL_BUSINESS_ENVIRONMENTS % {"cap": SMALL_BUSINESS_MAX_ENVIRONMENTS}}
                )


class LicenseLine(models.Model):
    license = models.ForeignKey(License, on_delete=models.CASCADE, related_name="lines")
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
        if (
            self.item == Item.ENVIRONMENTS
            and self.license_id
            and self.license.is_small_business
            and self.maximum > SMALL_BUSINESS_MAX_ENVIRONMENTS
        ):
            raise ValidationError(
                {"maximum": SMALL_BUSINESS_ENVIRONMENTS % {"cap": SMALL_BUSINESS_MAX_ENVIRONMENTS}}
            )

    @property
    def available(self) -> int:
        return self.maximum - self.in_use

    @property
    def has_deviation(self) -> bool:
        return self.portal != self.maximum


class LicenseMutation(models.Model):
    """One accepted change of a license count. Append-only: never updated or deleted."""

    line = models.ForeignKey(LicenseLine, on_delete=models.PROTECT, related_name="mutations")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="license_mutations")
    contact = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
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
        _("bron"), max_length=20, default="portal", help_text=_("portal, backoffice of request.")
    )

    class Meta:
        verbose_name = _("mutatie")
        verbose_name_plural = _("mutaties")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "-created_at"], name="mutation_customer_recent")]

    def __str__(self) -> str:
        return f"{self.line}: {self.old_maximum} → {self.new_quantity}"

    def save(self, *args, **kwargs):
        # The audit trail is append-only; a correction is a new mutation.
        if self.pk is not None:
            raise ValueError("LicenseMutation is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("LicenseMutation is append-only")


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

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="license_requests")
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


# --- The nightly job: usage history, warnings, signals, run records and the e-mail outbox. ---


class UsageSnapshot(models.Model):
    """In use and maximum of one line on one day: the history behind charts and forecasts."""

    line = models.ForeignKey(LicenseLine, on_delete=models.CASCADE, related_name="snapshots")
    date = models.DateField(_("datum"))
    in_use = models.PositiveIntegerField(_("in gebruik"))
    maximum = models.PositiveIntegerField(_("maximum"))

    class Meta:
        verbose_name = _("gebruikshistorie")
        verbose_name_plural = _("gebruikshistorie")
        ordering = ["line", "date"]
        constraints = [models.UniqueConstraint(fields=["line", "date"], name="one_usage_snapshot_per_day")]

    def __str__(self) -> str:
        return f"{self.line_id} {self.date}: {self.in_use}/{self.maximum}"


class RunKind(models.TextChoices):
    SCHEDULED = "scheduled", _("Gepland")
    MANUAL = "manual", _("Handmatig")


class RefreshRun(models.Model):
    """One run of the nightly job. `run_date` is set for scheduled runs only: the once-a-day lock."""

    kind = models.CharField(_("soort"), max_length=10, choices=RunKind.choices, default=RunKind.MANUAL)
    run_date = models.DateField(_("rundatum"), null=True, blank=True, unique=True)
    started_at = models.DateTimeField(_("gestart"), auto_now_add=True)
    dispatched_at = models.DateTimeField(_("verdeeld"), null=True, blank=True)
    finished_at = models.DateTimeField(_("klaar"), null=True, blank=True)
    expected = models.PositiveIntegerField(_("klanten verwacht"), default=0)
    processed = models.PositiveIntegerField(_("klanten verwerkt"), default=0)
    failed = models.PositiveIntegerField(_("klanten mislukt"), default=0)
    failed_customers = models.JSONField(_("mislukte klanten"), default=list, blank=True)

    class Meta:
        verbose_name = _("vernieuwingsrun")
        verbose_name_plural = _("vernieuwingsruns")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d %H:%M}"


class RefreshBatch(models.Model):
    """A slice of a run's customers, processed by one task; `done_at` makes a redelivered task a no-op."""

    run = models.ForeignKey(RefreshRun, on_delete=models.CASCADE, related_name="batches")
    customer_ids = models.JSONField(_("klanten"))
    done_at = models.DateTimeField(_("klaar"), null=True, blank=True)
    failed_customers = models.JSONField(_("mislukte klanten"), default=list, blank=True)
    error = models.TextField(_("fout"), blank=True)

    class Meta:
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        ordering = ["run", "id"]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.pk}"


class WarningKind(models.TextChoices):
    DEVIATION = "deviation", _("Afwijking")
    OVER_USE = "over_use", _("Overschrijding")
    STALE_DATA = "stale_data", _("Verouderde gegevens")
    SIGNAL = "signal", _("Signaal")


class DeviationCause(models.TextChoices):
    BACKOFFICE = "backoffice", _("Wijziging door de leverancier sinds de vorige run")
    REQUEST = "request", _("Goedgekeurde licentieaanvraag")
    FAILED_RUN = "failed_run", _("Een eerdere run heeft de regel niet bijgewerkt")
    UNKNOWN = "", _("Onbekend")


class Signal(models.Model):
    """A threshold rule: fires when fewer than `threshold` are still available on a line.

    The built-in signal has no customer and applies to every customer; a Beheerder adjusts a copy.
    """

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, null=True, blank=True, related_name="signals"
    )
    name = models.CharField(_("naam"), max_length=200)
    item = models.CharField(_("onderdeel"), max_length=20, choices=Item.choices)
    scope = models.CharField(
        _("bereik"), max_length=10, choices=Scope.choices, blank=True, help_text=_("Leeg: elk bereik.")
    )
    threshold = models.PositiveIntegerField(
        _("drempel"), help_text=_("Signaal als er minder beschikbaar zijn.")
    )
    recipients = models.ManyToManyField(
        Contact, blank=True, related_name="signals", verbose_name=_("ontvangers")
    )
    is_active = models.BooleanField(_("actief"), default=True)
    is_builtin = models.BooleanField(_("standaard"), default=False)
    copied_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="copies"
    )
    created_at = models.DateTimeField(_("aangemaakt"), auto_now_add=True)

    class Meta:
        verbose_name = _("signaal")
        verbose_name_plural = _("signalen")
        ordering = ["-is_builtin", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_builtin=True, customer__isnull=True)
                | Q(is_builtin=False, customer__isnull=False),
                name="signal_builtin_has_no_customer",
            ),
            models.UniqueConstraint(
                fields=["is_builtin"], condition=Q(is_builtin=True), name="one_builtin_signal"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Warning(models.Model):
    """A warning with a lifecycle: opened, resolved, acknowledged by a Beheerder.

    A deviation (afwijking) is a warning of kind `deviation` that keeps the numbers found.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="license_warnings")
    kind = models.CharField(_("soort"), max_length=12, choices=WarningKind.choices)
    line = models.ForeignKey(
        LicenseLine, on_delete=models.CASCADE, null=True, blank=True, related_name="warnings"
    )
    environment = models.ForeignKey(
        "environments.Environment", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    signal = models.ForeignKey(
        Signal, on_delete=models.CASCADE, null=True, blank=True, related_name="warnings"
    )
    run = models.ForeignKey(RefreshRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    message = models.TextField(_("melding"))
    maximum = models.PositiveIntegerField(_("maximum"), null=True, blank=True)
    portal = models.PositiveIntegerField(_("portaalaantal"), null=True, blank=True)
    in_use = models.PositiveIntegerField(_("in gebruik"), null=True, blank=True)
    cause = models.CharField(_("oorzaak"), max_length=12, choices=DeviationCause.choices, blank=True)
    opened_at = models.DateTimeField(_("geopend"), db_index=True)
    resolved_at = models.DateTimeField(_("opgelost"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("gezien"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        Contact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gezien door"),
    )

    class Meta:
        verbose_name = _("waarschuwing")
        verbose_name_plural = _("waarschuwingen")
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(
                fields=["customer", "kind"], name="warning_open", condition=Q(resolved_at__isnull=True)
            ),
        ]
        constraints = [
            # A subject without a line, environment or signal counts as 0: NULLs would all differ
            # (and NULLS NOT DISTINCT exists on PostgreSQL only).
            models.UniqueConstraint(
                F("customer"),
                F("kind"),
                Coalesce("line", Value(0)),
                Coalesce("environment", Value(0)),
                Coalesce("signal", Value(0)),
                condition=Q(resolved_at__isnull=True),
                name="one_open_warning_per_subject",
            ),
            models.CheckConstraint(condition=Q(kind__in=WarningKind.values), name="warning_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.get_kind_display()}: {self.message[:60]}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class OutboxEmail(models.Model):
    """An e-mail written in the same transaction as what it reports, sent after commit by a task.

    `dedupe_key` is unique, so a rerun that finds nothing new cannot queue the same e-mail again.
    """

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, null=True, blank=True, related_name="outbox_emails"
    )
    to = models.EmailField(_("aan"))
    subject = models.CharField(_("onderwerp"), max_length=250)
    body = models.TextField(_("tekst"))
    dedupe_key = models.CharField(_("ontdubbelsleutel"), max_length=200, unique=True)
    created_at = models.DateTimeField(_("aangemaakt"), auto_now_add=True)
    sent_at = models.DateTimeField(_("verzonden"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("pogingen"), default=0)
    last_error = models.TextField(_("laatste fout"), blank=True)

    class Meta:
        verbose_name = _("uitgaande e-mail")
        verbose_name_plural = _("uitgaande e-mails")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The sender picks the oldest unsent e-mail: ordered by id, through this index alone.
            models.Index(fields=["id"], name="outbox_pending", condition=Q(sent_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"


class CustomerRefresh(models.Model):
    """When the nightly steps last succeeded and last failed for a customer: the "since the last run"
    behind a deviation's likely cause."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="license_refresh")
    refreshed_at = models.DateTimeField(_("laatst vernieuwd"), null=True, blank=True)
    failed_at = models.DateTimeField(_("laatst mislukt"), null=True, blank=True)
    run = models.ForeignKey(RefreshRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("vernieuwing per klant")
        verbose_name_plural = _("vernieuwingen per klant")

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.refreshed_at}"
