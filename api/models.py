"""The credentials of the HTTP API: a customer's API keys and an environment's tokens.

Only the SHA-256 digest of a key is stored (api.keys makes and checks them); the key itself is shown
once, when it is made. A credential is never deleted: revoking it keeps who made it, who revoked it
and when it was last used.
"""

from itertools import combinations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from environments.models import Environment
from portal.models import Customer


class ApiScope(models.TextChoices):
    LICENTIEDATA_READ = "licentiedata:read", _("Licentiedata lezen")
    LICENSES_WRITE = "licenses:write", _("Licentieaantallen wijzigen")
    WARNINGS_READ = "warnings:read", _("Afwijkingen lezen")
    # The four-eyes principle: approve or reject another Beheerder's change, as the key's maker.
    CHANGES_APPROVE = "changes:approve", _("Wijzigingen goedkeuren")


def canonical_scopes(scopes) -> list[str]:
    """The scopes as stored: each once, in the order of ApiScope."""
    chosen = set(scopes)
    return [scope for scope in ApiScope.values if scope in chosen]


# Every list of scopes a key can hold, in canonical order: the database holds nothing else (no empty
# list, no unknown scope, no scope twice), on SQLite as on PostgreSQL.
SCOPE_SETS = [
    list(chosen) for n in range(1, len(ApiScope.values) + 1) for chosen in combinations(ApiScope.values, n)
]

DIGEST_RE = r"^[0-9a-f]{64}$"


class Credential(models.Model):
    """What a key and a token share: the digest, a prefix to recognise it by, and its lifecycle."""

    digest = models.CharField(_("SHA-256 van de sleutel"), max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("begin van de sleutel"), max_length=20, editable=False)
    created_at = models.DateTimeField(_("aangemaakt"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("aangemaakt door"),
    )
    # The e-mail address of who made it, or the command; kept should the account be deleted.
    created_by_name = models.CharField(_("aangemaakt door (naam)"), max_length=254)
    expires_at = models.DateTimeField(_("verloopt"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("laatst gebruikt"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("ingetrokken"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ingetrokken door"),
    )
    revoked_by_name = models.CharField(_("ingetrokken door (naam)"), max_length=254, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(digest__regex=DIGEST_RE), name="%(class)s_digest_sha256_hex"),
            models.CheckConstraint(condition=~Q(created_by_name=""), name="%(class)s_created_by_named"),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=False) | Q(revoked_by__isnull=True, revoked_by_name=""),
                name="%(class)s_revoked_by_only_when_revoked",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revoked_by_name=""),
                name="%(class)s_revoked_by_named",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_at__gte=F("created_at")),
                name="%(class)s_revoked_after_created",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=F("created_at")),
                name="%(class)s_expires_after_created",
            ),
        ]

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    def is_usable(self, now=None) -> bool:
        return not self.is_revoked and not self.is_expired(now)

    @property
    def display(self) -> str:
        return f"{self.prefix}…"


class ApiKey(Credential):
    """A key a customer's own systems use: it acts for that customer only, within its scopes."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="api_keys", verbose_name=_("klant")
    )
    name = models.CharField(_("naam"), max_length=100)
    scopes = models.JSONField(_("rechten"), default=list)

    class Meta(Credential.Meta):
        verbose_name = _("API-sleutel")
        verbose_name_plural = _("API-sleutels")
        constraints = [
            *Credential.Meta.constraints,
            models.CheckConstraint(
                condition=Q(prefix__regex=r"^lp_key_[0-9A-Za-z]{8}$"), name="apikey_prefix"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="apikey_named"),
            models.CheckConstraint(condition=Q(scopes__in=SCOPE_SETS), name="apikey_scopes_valid"),
            # A name tells the keys in use apart; a revoked key's name may be used again.
            models.UniqueConstraint(
                fields=["customer", "name"],
                condition=Q(revoked_at__isnull=True),
                name="apikey_name_unique_while_in_use",
            ),
        ]
        indexes = [models.Index(fields=["customer", "-created_at"], name="apikey_customer_recent")]

    def __str__(self) -> str:
        return f"{self.name} ({self.display})"

    def get_scopes_display(self) -> list[str]:
        labels = dict(ApiScope.choices)
        return [labels.get(scope, scope) for scope in self.scopes]


class EnvironmentToken(Credential):
    """A token that pushes one environment's snapshot, and nothing else."""

    environment = models.ForeignKey(
        Environment, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("omgeving")
    )

    class Meta(Credential.Meta):
        verbose_name = _("omgevingstoken")
        verbose_name_plural = _("omgevingstokens")
        constraints = [
            *Credential.Meta.constraints,
            models.CheckConstraint(
                condition=Q(prefix__regex=r"^lp_env_[0-9A-Za-z]{8}$"), name="environmenttoken_prefix"
            ),
        ]
        indexes = [models.Index(fields=["environment", "-created_at"], name="envtoken_environment_recent")]

    def __str__(self) -> str:
        return f"{self.environment.code} ({self.display})"


# An Idempotency-Key: 1 to 200 printable ASCII characters (space included).
IDEMPOTENCY_KEY_RE = r"^[ -~]{1,200}$"


class IdempotencyRecord(models.Model):
    """The first answer to an API request that carried an Idempotency-Key, stored in the transaction of
    what the request did: a repeat with the same key and request gets this answer again and changes
    nothing. Kept 24 hours (`manage.py purge_idempotency_records`)."""

    api_key = models.ForeignKey(
        ApiKey, on_delete=models.CASCADE, related_name="idempotency_records", verbose_name=_("API-sleutel")
    )
    key = models.CharField(_("Idempotency-Key"), max_length=200)
    # SHA-256 of the method, the path and the request's body (its JSON, whitespace and key order aside).
    fingerprint = models.CharField(_("SHA-256 van het verzoek"), max_length=64)
    status = models.PositiveSmallIntegerField(_("status"))
    body = models.JSONField(_("antwoord"))
    created_at = models.DateTimeField(_("aangemaakt"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("idempotentierecord")
        verbose_name_plural = _("idempotentierecords")
        constraints = [
            models.UniqueConstraint(fields=["api_key", "key"], name="idempotency_key_once_per_api_key"),
            models.CheckConstraint(
                condition=Q(key__regex=IDEMPOTENCY_KEY_RE), name="idempotency_key_printable"
            ),
            models.CheckConstraint(
                condition=Q(fingerprint__regex=DIGEST_RE), name="idempotency_fingerprint_sha256"
            ),
            models.CheckConstraint(
                condition=Q(status__gte=100, status__lte=599), name="idempotency_status_http"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.api_key_id}: {self.key} ({self.status})"
