"""Customers, the contacts who log in for them, and each contact's role per customer."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .append_only import AppendOnlyModel

customer_number_validator = RegexValidator(
    r"^[0-9]{5}\Z", _("Een klantnummer bestaat uit precies vijf cijfers.")
)


class Customer(models.Model):
    number = models.CharField(
        _("klantnummer"), max_length=5, unique=True, validators=[customer_number_validator]
    )
    name = models.CharField(_("naam"), max_length=200)
    is_active = models.BooleanField(_("actief"), default=True)
    # Set by the customer's Beheerder (portal.services.set_mfa_required); every contact of the customer
    # then sets up two-step verification before any other page.
    mfa_required = models.BooleanField(
        _("tweestapsverificatie verplicht"),
        default=False,
        # Also in the database: rows written by SQL of their own (the benchmark data set) leave it out.
        db_default=False,
        help_text=_("Elke contactpersoon van deze klant moet bij het inloggen een tweede stap gebruiken."),
    )
    created_at = models.DateTimeField(_("aangemaakt"), auto_now_add=True)

    class Meta:
        verbose_name = _("klant")
        verbose_name_plural = _("klanten")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(number__regex=r"^[0-9]{5}$"), name="customer_number_five_digits"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class Contact(models.Model):
    """A person who logs into the portal; the Django user's username is the e-mail address."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contact", verbose_name=_("account")
    )
    name = models.CharField(_("naam"), max_length=200)
    customers = models.ManyToManyField(
        Customer, through="Membership", related_name="contacts", verbose_name=_("klanten")
    )
    # The language the contact last chose in the menu: its e-mails are written in it (blank: the default).
    language = models.CharField(
        _("taal"), max_length=10, choices=settings.LANGUAGES, blank=True, default="", db_default=""
    )

    class Meta:
        verbose_name = _("contactpersoon")
        verbose_name_plural = _("contactpersonen")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    @property
    def email(self) -> str:
        return self.user.email


class Role(models.TextChoices):
    NONE = "", _("Geen rol")
    # "rol": in English the role is "Staff member", not the item "Employees" (Medewerkers).
    MEDEWERKER = "medewerker", pgettext_lazy("rol", "Medewerker")
    BEHEERDER = "beheerder", _("Beheerder")
    INCIDENTENBEHEER = "incidentenbeheer", _("Incidentenbeheer")


class Membership(models.Model):
    """A contact's role for one customer; only a Beheerder may change license counts."""

    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("contactpersoon")
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("klant")
    )
    role = models.CharField(_("rol"), max_length=20, choices=Role.choices, blank=True)
    created_at = models.DateTimeField(_("aangemaakt"), auto_now_add=True)

    class Meta:
        verbose_name = _("rol per klant")
        verbose_name_plural = _("rollen per klant")
        constraints = [
            models.UniqueConstraint(fields=["contact", "customer"], name="one_membership_per_customer"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.contact} — {self.customer.number}: {self.get_role_display()}"

    @property
    def invitation_pending(self) -> bool:
        """Invited but never in: the account has no password of its own yet and has not logged in
        (an address that already had an account logs in as before and is never pending)."""
        user = self.contact.user
        return user.last_login is None and not user.has_usable_password()

    @property
    def is_beheerder(self) -> bool:
        return self.role == Role.BEHEERDER


class SecurityEventKind(models.TextChoices):
    LOGIN = "login", _("Ingelogd")
    LOGIN_FAILED = "login_failed", _("Inloggen mislukt")
    LOCKED_OUT = "locked_out", _("Inloggen tijdelijk geblokkeerd")
    MFA_ADDED = "mfa_added", _("Tweestapsverificatie ingesteld")
    MFA_REMOVED = "mfa_removed", _("Tweestapsverificatie verwijderd")
    API_KEY_CREATED = "api_key_created", _("API-sleutel aangemaakt")
    API_KEY_REVOKED = "api_key_revoked", _("API-sleutel ingetrokken")
    TOKEN_CREATED = "token_created", _("Omgevingstoken aangemaakt")
    TOKEN_REVOKED = "token_revoked", _("Omgevingstoken ingetrokken")
    CONTACT_ADDED = "contact_added", _("Contactpersoon toegevoegd")
    ROLE_CHANGED = "role_changed", _("Rol gewijzigd")
    CONTACT_REMOVED = "contact_removed", _("Contactpersoon verwijderd")
    POLICY_CHANGED = "policy_changed", _("Beleid gewijzigd")
    SESSIONS_ENDED = "sessions_ended", _("Overal elders uitgelogd")
    # The four-eyes principle (licensing.approvals): a second Beheerder decided on a change.
    CHANGE_APPROVED = "change_approved", _("Wijziging goedgekeurd")
    CHANGE_REJECTED = "change_rejected", _("Wijziging afgewezen")


class SecurityEvent(AppendOnlyModel):
    """One entry of a customer's security log: what happened, who did it, when and from where.

    Append-only (portal.append_only): never changed, and deleted only with its customer. `actor` goes
    to NULL when the account goes; `actor_name` keeps who it was. `subject` names what it was done to (a
    contact's address, a key's name), `details` holds the rest (old and new role, a policy's value).
    """

    # The log goes only with its customer (the vendor removing the customer altogether).
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="security_events")
    kind = models.CharField(_("soort"), max_length=30, choices=SecurityEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(
        _("door"), max_length=254, help_text=_("E-mailadres of systeemnaam van wie het deed.")
    )
    subject = models.CharField(_("betreft"), max_length=254, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP-adres"), null=True, blank=True)
    created_at = models.DateTimeField(_("tijdstip"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("beveiligingsgebeurtenis")
        verbose_name_plural = _("beveiligingslog")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "-created_at", "-id"], name="security_customer_recent")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=SecurityEventKind.values), name="security_event_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer.number} {self.get_kind_display()}: {self.actor_name}"
