"""Making and revoking API keys and environment tokens: who may, and what the database then holds."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from api import keys
from api.models import ApiKey, ApiScope, EnvironmentToken
from api.services import (
    ALREADY_REVOKED,
    ENVIRONMENT_INACTIVE,
    EXPIRY_IN_PAST,
    NAME_IN_USE,
    NAME_REQUIRED,
    NOT_ALLOWED,
    SCOPES_REQUIRED,
    CredentialError,
    CredentialNotAllowed,
    create_api_key,
    create_environment_token,
    revoke_api_key,
    revoke_environment_token,
)
from portal.errors import DomainError
from tests.factories import EnvironmentFactory, UserFactory

READ = [ApiScope.LICENTIEDATA_READ]


def create(customer, by, **overrides):
    arguments = {"name": "Power BI", "scopes": READ, "expires": None, **overrides}
    return create_api_key(customer=customer, by=by, **arguments)


def test_a_beheerder_creates_a_key_of_its_customer(customer_a, beheerder):
    api_key, secret = create(customer_a, beheerder.user, scopes=[ApiScope.WARNINGS_READ, *READ, *READ])
    assert keys.verify_api_key(secret) == api_key
    assert api_key.scopes == ["licentiedata:read", "warnings:read"]  # each once, in a fixed order
    assert api_key.created_by == beheerder.user
    assert api_key.created_by_name == "beheerder@example.nl"


def test_vendor_staff_and_the_commands_may_create_a_key(customer_a):
    staff = UserFactory(is_staff=True)
    assert create(customer_a, staff, name="a")[0].created_by == staff
    assert create(customer_a, "manage.py create_api_key", name="b")[0].created_by_name == (
        "manage.py create_api_key"
    )


@pytest.mark.parametrize("persona", ["medewerker", "other_beheerder"])
def test_it_refuses_anyone_but_a_beheerder_of_the_customer(customer_a, persona, request):
    contact = request.getfixturevalue(persona)
    with pytest.raises(CredentialNotAllowed) as refusal:
        create(customer_a, contact.user)
    assert refusal.value.message == NOT_ALLOWED
    assert isinstance(refusal.value, DomainError) and refusal.value.status == 403
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": "  "}, NAME_REQUIRED),
        ({"scopes": []}, SCOPES_REQUIRED),
        ({"expires": timezone.localdate()}, EXPIRY_IN_PAST),
    ],
)
def test_it_refuses_a_key_without_name_or_scope_or_with_a_past_expiry(
    customer_a, beheerder, overrides, message
):
    with pytest.raises(CredentialError) as refusal:
        create(customer_a, beheerder.user, **overrides)
    assert refusal.value.message == message
    assert not ApiKey.objects.exists()


def test_a_name_is_unique_among_the_keys_in_use(customer_a, customer_b, beheerder):
    first, _ = create(customer_a, beheerder.user)
    with pytest.raises(CredentialError) as refusal:
        create(customer_a, beheerder.user)
    assert refusal.value.message == NAME_IN_USE
    create(customer_b, "tests")  # another customer's key may have the same name
    revoke_api_key(api_key=first, by=beheerder.user)
    create(customer_a, beheerder.user)  # and so may a new key once the old one is revoked
    assert ApiKey.objects.filter(customer=customer_a, name="Power BI").count() == 2


def test_an_expiry_date_is_the_last_day_the_key_works(customer_a, beheerder):
    tomorrow = timezone.localdate() + timedelta(days=1)
    api_key, _ = create(customer_a, beheerder.user, expires=tomorrow)
    assert timezone.localtime(api_key.expires_at).date() == tomorrow + timedelta(days=1)
    assert timezone.localtime(api_key.expires_at).time().hour == 0


def test_revoking_records_who_and_when_and_cannot_be_done_twice(customer_a, beheerder):
    api_key, secret = create(customer_a, beheerder.user)
    revoked = revoke_api_key(api_key=api_key, by=beheerder.user)
    assert revoked.revoked_by == beheerder.user and revoked.revoked_at is not None
    assert keys.verify_api_key(secret) is None
    with pytest.raises(CredentialError) as refusal:
        revoke_api_key(api_key=api_key, by=beheerder.user)
    assert refusal.value.message == ALREADY_REVOKED


def test_only_a_beheerder_of_the_customer_revokes(customer_a, medewerker, other_beheerder):
    api_key, secret = create(customer_a, "tests")
    for contact in (medewerker, other_beheerder):
        with pytest.raises(CredentialNotAllowed):
            revoke_api_key(api_key=api_key, by=contact.user)
    assert ApiKey.objects.get(pk=api_key.pk).revoked_at is None
    assert keys.verify_api_key(secret) == api_key


def test_environment_tokens_follow_the_same_rules(customer_a, beheerder, medewerker):
    environment = EnvironmentFactory(customer=customer_a)
    token, secret = create_environment_token(environment=environment, by=beheerder.user)
    assert keys.kind_of(secret) == keys.ENVIRONMENT_TOKEN
    assert keys.verify_environment_token(secret) == token
    with pytest.raises(CredentialNotAllowed):
        create_environment_token(environment=environment, by=medewerker.user)
    with pytest.raises(CredentialNotAllowed):
        revoke_environment_token(token=token, by=medewerker.user)
    revoke_environment_token(token=token, by=beheerder.user)
    assert keys.verify_environment_token(secret) is None
    assert EnvironmentToken.objects.get().revoked_by == beheerder.user


def test_no_token_for_an_inactive_environment(customer_a, beheerder):
    environment = EnvironmentFactory(customer=customer_a, is_active=False)
    with pytest.raises(CredentialError) as refusal:
        create_environment_token(environment=environment, by=beheerder.user)
    assert refusal.value.message == ENVIRONMENT_INACTIVE
    assert not EnvironmentToken.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"scopes": []},
        {"scopes": ["licentiedata:read", "licentiedata:read"]},
        {"scopes": ["root"]},
        {"name": ""},
        {"digest": "not a digest"},
        {"revoked_by_name": "someone"},  # revoked by, without a revoked at
    ],
)
def test_the_database_refuses_what_a_key_cannot_hold(customer_a, change):
    api_key, _ = create(customer_a, "tests")
    with pytest.raises(IntegrityError), transaction.atomic():
        ApiKey.objects.filter(pk=api_key.pk).update(**change)
