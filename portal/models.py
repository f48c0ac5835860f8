"""Customers, the contacts who log in for them, and each contact's role per customer."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

customer_number_validator = RegexValidator(
    r"^[0-9]{5}\Z", _("Een klantnummer bestaat uit precies vijf cijfers.")
)


class Customer(models.Model):
    number = models.CharField(
        _("klantnummer"), max_length=5, unique=True, validators=[customer_number_validator]
    )
    name = models.CharField(_("naam"), max_length=200)
    is_active = models.BooleanField(_("actief"), default=True)
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
    def is_beheerder(self) -> bool:
        return self.role == Role.BEHEERDER
