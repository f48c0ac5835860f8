"""The nightly job's records: usage history, warnings, signals, runs and the e-mail outbox.

The models moved here from `licensing`; their tables keep the names they had there (`db_table`).
"""

from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from environments.vocabulary import Item, Scope
from licensing.models import LicenseLine
from portal.models import Contact, Customer

from .texts import signal_name, warning_text


class UsageSnapshot(models.Model):
    """In use and maximum of one line on one day: the history behind charts and forecasts."""

    line = models.ForeignKey(
        LicenseLine, on_delete=models.CASCADE, related_name="snapshots", verbose_name=_("licentieregel")
    )
    date = models.DateField(_("datum"))
    in_use = models.PositiveIntegerField(_("in gebruik"))
    maximum = models.PositiveIntegerField(_("maximum"))

    class Meta:
        db_table = "licensing_usagesnapshot"
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
        db_table = "licensing_refreshrun"
        verbose_name = _("vernieuwingsrun")
        verbose_name_plural = _("vernieuwingsruns")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d %H:%M}"


class RefreshBatch(models.Model):
    """A slice of a run's customers, processed by one task; `done_at` makes a redelivered task a no-op."""

    run = models.ForeignKey(
        RefreshRun, on_delete=models.CASCADE, related_name="batches", verbose_name=_("run")
    )
    customer_ids = models.JSONField(_("klanten"))
    # False: the customers' inputs did not change since their last count; the batch checks staleness
    # only (see nightly.refresh_customers).
    recount = models.BooleanField(_("hertellen"), default=True)
    done_at = models.DateTimeField(_("klaar"), null=True, blank=True)
    failed_customers = models.JSONField(_("mislukte klanten"), default=list, blank=True)
    error = models.TextField(_("fout"), blank=True)

    class Meta:
        db_table = "licensing_refreshbatch"
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
        Customer,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="signals",
        verbose_name=_("klant"),
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
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="copies",
        verbose_name=_("gekopieerd van"),
    )
    created_at = models.DateTimeField(_("aangemaakt"), auto_now_add=True)

    class Meta:
        db_table = "licensing_signal"
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
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the reader's language (the built-in signal's name is a message id)."""
        return signal_name(self.name, builtin=self.is_builtin)


class LicenseWarning(models.Model):
    """A warning with a lifecycle: opened, resolved, acknowledged by a Beheerder.

    A deviation (afwijking) is a warning of kind `deviation` that keeps the numbers found.
    """

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="license_warnings", verbose_name=_("klant")
    )
    kind = models.CharField(_("soort"), max_length=12, choices=WarningKind.choices)
    line = models.ForeignKey(
        LicenseLine,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="warnings",
        verbose_name=_("licentieregel"),
    )
    environment = models.ForeignKey(
        "environments.Environment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("omgeving"),
    )
    signal = models.ForeignKey(
        Signal,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="warnings",
        verbose_name=_("signaal"),
    )
    run = models.ForeignKey(
        RefreshRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("run")
    )
    # What the warning says, as parameters of its kind: `text` renders them in the reader's language.
    params = models.JSONField(_("gegevens"), default=dict, blank=True)
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
        db_table = "licensing_warning"
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
        return f"{self.customer_id} {self.get_kind_display()}: {self.text[:60]}"

    @property
    def text(self) -> str:
        """What the warning says, in the active language."""
        return warning_text(self.kind, self.params)

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


# After this many failed attempts the sender gives an e-mail up (it stays in the outbox, unsent).
OUTBOX_MAX_ATTEMPTS = 5


class OutboxEmail(models.Model):
    """An e-mail written in the same transaction as what it reports, sent after commit by a task.

    `dedupe_key` is unique, so a rerun that finds nothing new cannot queue the same e-mail again.
    """

    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbox_emails",
        verbose_name=_("klant"),
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
        db_table = "licensing_outboxemail"
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

    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, related_name="license_refresh", verbose_name=_("klant")
    )
    refreshed_at = models.DateTimeField(_("laatst vernieuwd"), null=True, blank=True)
    failed_at = models.DateTimeField(_("laatst mislukt"), null=True, blank=True)
    run = models.ForeignKey(
        RefreshRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("run")
    )

    class Meta:
        db_table = "licensing_customerrefresh"
        verbose_name = _("vernieuwing per klant")
        verbose_name_plural = _("vernieuwingen per klant")

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.refreshed_at}"
