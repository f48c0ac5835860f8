"""Writes of API credentials: making and revoking keys and environment tokens.

Only a Beheerder of the customer, or vendor staff, may do either; `by` is that user, or the name of
the command a vendor operator ran (`manage.py create_api_key`). A new key is returned with its
secret, which is shown once and stored nowhere.
"""

import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from environments.models import Environment
from portal import security
from portal.errors import DomainError
from portal.models import Customer, Membership, Role, SecurityEventKind

from . import keys
from .models import ApiKey, ApiScope, Credential, EnvironmentToken, canonical_scopes

NOT_ALLOWED = _("Alleen een Beheerder van deze klant mag API-sleutels aanmaken en intrekken.")
NAME_REQUIRED = _("Geef de sleutel een naam.")
NAME_TOO_LONG = _("Een naam is hoogstens %(max)s tekens lang.")
NAME_IN_USE = _("Er is al een sleutel met deze naam in gebruik.")
SCOPES_REQUIRED = _("Kies ten minste één recht.")
SCOPE_UNKNOWN = _("Onbekend recht: %(scope)s.")
EXPIRY_IN_PAST = _("De vervaldatum moet na vandaag liggen.")
ALREADY_REVOKED = _("Deze sleutel is al ingetrokken.")
ENVIRONMENT_INACTIVE = _("Deze omgeving is niet actief; maak een token voor een actieve omgeving.")

NAME_MAX_LENGTH = ApiKey._meta.get_field("name").max_length


class CredentialError(DomainError):
    """A refused change of an API key or environment token."""


class CredentialNotAllowed(CredentialError):
    status = 403


def _check_allowed(*, customer: Customer, by: AbstractBaseUser | str) -> None:
    if isinstance(by, str):
        return  # a command run by the vendor's operations
    if by.is_active and by.is_staff:
        return
    if not Membership.objects.filter(
        contact__user=by, customer=customer, customer__is_active=True, role=Role.BEHEERDER
    ).exists():
        raise CredentialNotAllowed(NOT_ALLOWED)


def _made_by(by: AbstractBaseUser | str) -> dict:
    if isinstance(by, str):
        return {"user": None, "name": by}
    return {"user": by, "name": by.get_username()}


def _expires_at(expires: datetime.date | None) -> datetime.datetime | None:
    """A key valid through `expires` stops at the first moment of the next day (TIME_ZONE)."""
    if expires is None:
        return None
    if expires <= timezone.localdate():
        raise CredentialError(EXPIRY_IN_PAST)
    next_day = datetime.datetime.combine(expires + datetime.timedelta(days=1), datetime.time())
    return timezone.make_aware(next_day)


def _check_scopes(scopes) -> list[str]:
    for scope in scopes:
        if scope not in ApiScope.values:
            raise CredentialError(SCOPE_UNKNOWN % {"scope": scope})
    chosen = canonical_scopes(scopes)
    if not chosen:
        raise CredentialError(SCOPES_REQUIRED)
    return chosen


def create_api_key(
    *,
    customer: Customer,
    name: str,
    scopes: list[str],
    expires: datetime.date | None,
    by: AbstractBaseUser | str,
    ip: str | None = None,
) -> tuple[ApiKey, str]:
    """A new API key of `customer`: (the key, its secret). The secret is not stored and not shown again."""
    name = name.strip()
    if not name:
        raise CredentialError(NAME_REQUIRED)
    if len(name) > NAME_MAX_LENGTH:
        raise CredentialError(NAME_TOO_LONG % {"max": NAME_MAX_LENGTH})
    chosen = _check_scopes(scopes)
    expires_at = _expires_at(expires)
    made_by = _made_by(by)
    with transaction.atomic():
        # The customer row serialises makers of its keys, so the name check below stays true.
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        _check_allowed(customer=customer, by=by)
        if ApiKey.objects.filter(customer=customer, name=name, revoked_at__isnull=True).exists():
            raise CredentialError(NAME_IN_USE)
        secret = keys.generate(keys.API_KEY)
        api_key = ApiKey.objects.create(
            customer=customer,
            name=name,
            scopes=chosen,
            digest=keys.digest(secret),
            prefix=keys.display_prefix(secret),
            expires_at=expires_at,
            created_by=made_by["user"],
            created_by_name=made_by["name"],
        )
        security.record(
            customers=[customer],
            kind=SecurityEventKind.API_KEY_CREATED,
            actor=by,
            ip=ip,
            subject=name,
            details={"prefix": api_key.prefix, "scopes": chosen},
        )
    return api_key, secret


def create_environment_token(
    *,
    environment: Environment,
    by: AbstractBaseUser | str,
    expires: datetime.date | None = None,
    ip: str | None = None,
) -> tuple[EnvironmentToken, str]:
    """A new token for pushing `environment`'s snapshot: (the token, its secret), the secret shown once."""
    expires_at = _expires_at(expires)
    made_by = _made_by(by)
    with transaction.atomic():
        environment = Environment.objects.select_related("customer").get(pk=environment.pk)
        _check_allowed(customer=environment.customer, by=by)
        if not environment.is_active:
            raise CredentialError(ENVIRONMENT_INACTIVE)
        secret = keys.generate(keys.ENVIRONMENT_TOKEN)
        token = EnvironmentToken.objects.create(
            environment=environment,
            digest=keys.digest(secret),
            prefix=keys.display_prefix(secret),
            expires_at=expires_at,
            created_by=made_by["user"],
            created_by_name=made_by["name"],
        )
        security.record(
            customers=[environment.customer_id],
            kind=SecurityEventKind.TOKEN_CREATED,
            actor=by,
            ip=ip,
            subject=environment.code,
            details={"prefix": token.prefix},
        )
    return token, secret


def _revoke(
    credential: Credential,
    *,
    customer_id: int,
    by: AbstractBaseUser | str,
    ip: str | None,
    kind: SecurityEventKind,
    subject: str,
) -> Credential:
    model = type(credential)
    made_by = _made_by(by)
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=credential.pk)
        _check_allowed(customer=Customer.objects.get(pk=customer_id), by=by)
        if locked.revoked_at is not None:
            raise CredentialError(ALREADY_REVOKED)
        locked.revoked_at = timezone.now()
        locked.revoked_by = made_by["user"]
        locked.revoked_by_name = made_by["name"]
        locked.save(update_fields=["revoked_at", "revoked_by", "revoked_by_name"])
        security.record(
            customers=[customer_id],
            kind=kind,
            actor=by,
            ip=ip,
            subject=subject,
            details={"prefix": locked.prefix},
        )
    return locked


def revoke_api_key(*, api_key: ApiKey, by: AbstractBaseUser | str, ip: str | None = None) -> ApiKey:
    """Revoke a key: from now on it gets the same 401 as a key that never existed."""
    return _revoke(
        api_key,
        customer_id=api_key.customer_id,
        by=by,
        ip=ip,
        kind=SecurityEventKind.API_KEY_REVOKED,
        subject=api_key.name,
    )


def revoke_environment_token(
    *, token: EnvironmentToken, by: AbstractBaseUser | str, ip: str | None = None
) -> EnvironmentToken:
    return _revoke(
        token,
        customer_id=token.environment.customer_id,
        by=by,
        ip=ip,
        kind=SecurityEventKind.TOKEN_REVOKED,
        subject=token.environment.code,
    )
