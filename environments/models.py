"""Environments (installations of the product) and the data each one reports.

Identities are stored normalised (lower-cased codes, UUID GUIDs) so that counting can use
plain indexed columns; the original spelling is kept for display.
"""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Left, Lower
from django.utils.translation import gettext_lazy as _

from portal.models import Customer

from .vocabulary import COUNTABLE_USER, EnvironmentType, UserKind

ENVIRONMENT_CODE_RE = r"^[OTAD][0-9]{5}[A-Z]{2}$"


class Environment(models.Model):
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="environments", verbose_name=_("klant")
    )
    code = models.CharField(
        _("omgevingscode"),
        max_length=8,
        unique=True,
        validators=[RegexValidator(ENVIRONMENT_CODE_RE, _("Een omgevingscode ziet eruit als O12345AA."))],
    )
    type = models.CharField(_("type"), max_length=1, choices=EnvironmentType.choices)
    name = models.CharField(_("omschrijving"), max_length=200, blank=True)
    is_active = models.BooleanField(_("actief"), default=True)
    decommissioned_at = models.DateTimeField(_("uit gebruik sinds"), null=True, blank=True)
    # taken_at of the newest imported snapshot: the basis of the stale-data warning.
    data_taken_at = models.DateTimeField(_("gegevens van"), null=True, blank=True)
    data_imported_at = models.DateTimeField(_("gegevens ingelezen"), null=True, blank=True)
    # The content digest of the last imported snapshot (everything but taken_at); blank when the data
    # no longer is that snapshot's (a block in the portal). A snapshot with the same digest writes only
    # data_taken_at and data_imported_at.
    data_digest = models.CharField(_("inhoudsdigest"), max_length=64, blank=True, db_default="")
    created_at = models.DateTimeField(_("aangemaakt"), auto_now_add=True)

    class Meta:
        verbose_name = _("omgeving")
        verbose_name_plural = _("omgevingen")
        ordering = ["code"]
        indexes = [
            models.Index(fields=["customer", "type"], name="environment_customer_type"),
            # The active environments whose data may be stale: what the nightly check reads for everyone.
            models.Index(
                fields=["data_taken_at", "customer"], name="environment_taken", condition=Q(is_active=True)
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=ENVIRONMENT_CODE_RE), name="environment_code_format"
            ),
            models.CheckConstraint(condition=Q(type=Left("code", 1)), name="environment_type_matches_code"),
            models.CheckConstraint(
                condition=Q(type__in=EnvironmentType.values), name="environment_type_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def customer_digits(self) -> str:
        return self.code[1:6]

    def clean(self) -> None:
        errors = {}
        if self.code and self.type and self.code[:1] != self.type:
            errors["type"] = _("De eerste letter van de code (%(letter)s) past niet bij het type.") % {
                "letter": self.code[:1]
            }
        if self.code and self.customer_id and self.code[1:6] != self.customer.number:
            errors["code"] = _("De cijfers van de code moeten het klantnummer %(number)s zijn.") % {
                "number": self.customer.number
            }
        if errors:
            raise ValidationError(errors)


class UserIdentity(models.Model):
    """One normalised user code, shared by all environments: counting works on its integer id."""

    code = models.CharField(max_length=150, unique=True, verbose_name=_("code"))

    class Meta:
        verbose_name = _("gebruikerscode")
        verbose_name_plural = _("gebruikerscodes")
        constraints = [
            models.CheckConstraint(condition=Q(code=Lower("code")), name="identity_code_normalised"),
        ]

    def __str__(self) -> str:
        return self.code


class EnvironmentUser(models.Model):
    environment = models.ForeignKey(
        Environment, on_delete=models.CASCADE, related_name="users", verbose_name=_("omgeving")
    )
    identity = models.ForeignKey(
        UserIdentity, on_delete=models.PROTECT, related_name="+", verbose_name=_("gebruikersidentiteit")
    )
    code = models.CharField(_("gebruikerscode"), max_length=150, help_text=_("Zoals aangeleverd."))
    name = models.CharField(_("naam"), max_length=200, blank=True)
    email = models.EmailField(_("e-mailadres"), blank=True)
    profit = models.BooleanField(_("Profit"), default=False)
    insite = models.BooleanField(_("InSite"), default=False)
    outsite = models.BooleanField(_("OutSite"), default=False)
    blocked = models.BooleanField(_("geblokkeerd"), default=False)
    kind = models.CharField(_("soort"), max_length=10, choices=UserKind.choices, default=UserKind.PERSON)
    last_login = models.DateTimeField(_("laatste login"), null=True, blank=True)
    employee_guid = models.UUIDField(_("medewerker"), null=True, blank=True)

    class Meta:
        verbose_name = _("gebruiker")
        verbose_name_plural = _("gebruikers")
        constraints = [
            models.UniqueConstraint(fields=["environment", "identity"], name="one_user_per_identity"),
            models.CheckConstraint(condition=Q(kind__in=UserKind.values), name="user_kind_valid"),
        ]
        indexes = [
            # Only these rows can count, so the recount scans this partial index alone.
            models.Index(
                fields=["environment", "identity", "profit", "insite", "outsite"],
                name="user_countable",
                condition=COUNTABLE_USER,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.environment_id})"


class Employee(models.Model):
    environment = models.ForeignKey(
        Environment, on_delete=models.CASCADE, related_name="employees", verbose_name=_("omgeving")
    )
    guid = models.UUIDField(_("GUID"))
    name = models.CharField(_("naam"), max_length=200, blank=True)
    in_service = models.BooleanField(_("in dienst"), default=True)
    kind = models.CharField(_("soort"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("medewerker")
        verbose_name_plural = _("medewerkers")
        constraints = [
            models.UniqueConstraint(fields=["environment", "guid"], name="one_employee_per_guid"),
        ]

    def __str__(self) -> str:
        return str(self.guid)


class Declaration(models.Model):
    environment = models.ForeignKey(
        Environment, on_delete=models.CASCADE, related_name="declarations", verbose_name=_("omgeving")
    )
    number = models.CharField(
        _("aangiftenummer"), max_length=100, help_text=_("Genormaliseerd (kleine letters).")
    )
    display_number = models.CharField(_("aangiftenummer zoals aangeleverd"), max_length=100)

    class Meta:
        verbose_name = _("aangifte")
        verbose_name_plural = _("aangiften")
        constraints = [
            models.UniqueConstraint(fields=["environment", "number"], name="one_declaration_per_number"),
            models.CheckConstraint(condition=Q(number=Lower("number")), name="declaration_number_normalised"),
        ]

    def __str__(self) -> str:
        return self.display_number


class Client(models.Model):
    environment = models.ForeignKey(
        Environment, on_delete=models.CASCADE, related_name="clients", verbose_name=_("omgeving")
    )
    code = models.CharField(_("cliëntcode"), max_length=100, help_text=_("Genormaliseerd (kleine letters)."))
    display_code = models.CharField(_("cliëntcode zoals aangeleverd"), max_length=100)
    name = models.CharField(_("naam"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("cliënt")
        verbose_name_plural = _("cliënten")
        constraints = [
            models.UniqueConstraint(fields=["environment", "code"], name="one_client_per_code"),
            models.CheckConstraint(condition=Q(code=Lower("code")), name="client_code_normalised"),
        ]

    def __str__(self) -> str:
        return self.display_code


class CustomerInputs(models.Model):
    """How often what a customer's count reads has changed, and how far the nightly job counted it.

    `version` goes up with every change of the count's inputs (`environments.inputs` is the one
    writer); the nightly job sets `counted_version` to the version it read before counting. They
    differ (or there is no row) when the customer must be counted again.
    """

    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, primary_key=True, related_name="count_inputs"
    )
    version = models.PositiveBigIntegerField(_("versie"), default=0)
    counted_version = models.PositiveBigIntegerField(_("getelde versie"), default=0)
    changed_at = models.DateTimeField(_("invoer gewijzigd"), null=True, blank=True)

    class Meta:
        verbose_name = _("telinvoer")
        verbose_name_plural = _("telinvoer")

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.version}/{self.counted_version}"


class UserSummary(models.Model):
    """One unique user (identity) of a customer across its active environments, kept by
    `environments.summary` wherever the data changes (import, block, environment changes, the
    nightly job), so that user maintenance reads one indexed slice instead of grouping every row.

    `presence` maps environment id to the user's bit mask there (environments.summary's bits);
    `seats` has a bit per (user item, environment type) the user counts on; `facts` holds the
    cleanup rules that hold, as of `UserSummaryTotals.advised_at` for the login rule.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    identity = models.ForeignKey(UserIdentity, on_delete=models.CASCADE, related_name="+")
    identity_code = models.CharField(max_length=150)
    code = models.CharField(max_length=150)
    name = models.CharField(max_length=200, blank=True)
    email = models.CharField(max_length=254, blank=True)
    min_kind = models.CharField(max_length=10)
    max_kind = models.CharField(max_length=10)
    presence = models.JSONField(default=dict)
    last_login = models.DateTimeField(null=True, blank=True)
    # When the no-login rule starts to hold (last login + 90 days) while it does not yet: the
    # nightly job sets the fact for the rows whose moment has passed, through an index on this.
    login_ages_at = models.DateTimeField(null=True, blank=True, db_index=True)
    seats = models.PositiveIntegerField(default=0)
    seat_count = models.PositiveSmallIntegerField(default=0)
    facts = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("unieke gebruiker")
        verbose_name_plural = _("unieke gebruikers")
        constraints = [
            models.UniqueConstraint(fields=["customer", "identity"], name="one_summary_per_identity"),
        ]
        indexes = [
            models.Index(fields=["customer", "identity_code"], name="summary_by_code"),
            # The cleanup advice: candidates only, most seats first.
            models.Index(
                "customer",
                models.F("seat_count").desc(),
                "code",
                name="summary_candidates",
                condition=models.Q(facts__gt=0, seat_count__gt=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.identity_code}"


class UserSummaryTotals(models.Model):
    """A customer's totals over its UserSummary rows: the number of unique users, the unique users
    per (item, scope) (exactly the recount's user counts), and per cleanup rule how many candidates
    and what blocking them frees."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, primary_key=True, related_name="+")
    users = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict)
    advice = models.JSONField(default=dict)
    advised_at = models.DateTimeField()

    class Meta:
        verbose_name = _("totalen unieke gebruikers")
        verbose_name_plural = _("totalen unieke gebruikers")

    def __str__(self) -> str:
        return str(self.customer_id)


class EmployeeSummary(models.Model):
    """One employee (GUID) of a customer across its active environments, kept by
    `environments.employee_summary` where the data changes (the import, environment changes), so that
    the Medewerkers tab reads one indexed slice instead of grouping every employee row.

    `presence` maps environment id to 1 (out of service there) or 3 (in service); `users` lists the
    codes of the user accounts of this employee, once per identity, in identity order.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    guid = models.UUIDField()
    name = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=30, blank=True)
    serving = models.BooleanField(default=False)
    presence = models.JSONField(default=dict)
    users = models.JSONField(default=list)

    class Meta:
        verbose_name = _("medewerkeroverzicht")
        verbose_name_plural = _("medewerkeroverzichten")
        constraints = [
            models.UniqueConstraint(fields=["customer", "guid"], name="one_employee_summary_per_guid"),
        ]
        indexes = [
            models.Index(fields=["customer", "name", "guid"], name="employee_summary_by_name"),
            models.Index(fields=["customer", "serving", "name", "guid"], name="employee_summary_serving"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.guid}"


class EmployeeSummaryTotals(models.Model):
    """A customer's number of employees (GUIDs) in its active environments, and of those in service."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, primary_key=True, related_name="+")
    employees = models.PositiveIntegerField(default=0)
    serving = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("totalen medewerkers")
        verbose_name_plural = _("totalen medewerkers")

    def __str__(self) -> str:
        return str(self.customer_id)
