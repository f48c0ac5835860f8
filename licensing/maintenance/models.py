"""The record of every block and unblock done from the portal or the back office."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.append_only import AppendOnlyModel
from portal.models import Contact, Customer


class UserBlockChange(AppendOnlyModel):
    """A Beheerder blocked or unblocked a user from the portal ("Onderhoud gebruikers").

    Append-only audit record. The next snapshot of an environment replaces its users again, so
    this records what was done in the portal, not the state the environment reports later.
    """

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="user_block_changes", verbose_name=_("klant")
    )
    contact = models.ForeignKey(
        Contact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contactpersoon"),
    )
    by = models.CharField(_("door"), max_length=254)
    created_at = models.DateTimeField(_("tijdstip"), auto_now_add=True, db_index=True)
    identity = models.ForeignKey(
        "environments.UserIdentity",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("gebruikersidentiteit"),
    )
    user_code = models.CharField(_("gebruikerscode"), max_length=150)
    environments = models.JSONField(_("omgevingen"), default=list)
    all_environments = models.BooleanField(_("in alle omgevingen"), default=False)
    blocked = models.BooleanField(_("geblokkeerd"))

    class Meta:
        # Moved here from the licensing app; the table (and its rows) kept its name.
        db_table = "licensing_userblockchange"
        verbose_name = _("blokkering van een gebruiker")
        verbose_name_plural = _("blokkeringen van gebruikers")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "-created_at"], name="userblock_customer_recent")]

    def __str__(self) -> str:
        action = _("geblokkeerd") if self.blocked else _("gedeblokkeerd")
        return f"{self.user_code} {action}: {', '.join(self.environments)}"
