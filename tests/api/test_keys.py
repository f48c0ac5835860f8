"""The key format, its checksum and digest, and checking a key that comes in (api.keys)."""

import hashlib
import zlib
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from api import keys
from api.models import ApiKey, EnvironmentToken
from api.services import revoke_api_key
from tests.factories import EnvironmentFactory


@pytest.mark.parametrize("kind", keys.KINDS)
def test_a_new_key_has_the_prefix_its_kind_and_a_checksum(kind):
    key = keys.generate(kind)
    assert key.startswith(f"lp_{kind}_")
    assert len(key) == keys.KEY_LENGTH == 56
    assert keys.kind_of(key) == kind
    assert key[-6:] == keys.base62(zlib.crc32(key[:-6].encode()), 6)


def test_two_keys_are_never_the_same():
    assert len({keys.generate(keys.API_KEY) for _ in range(200)}) == 200


def test_base62_is_fixed_width_and_covers_the_largest_values():
    assert keys.base62(0, 6) == "000000"
    assert keys.base62(2**32 - 1, 6) == "4gfFC3"
    assert len(keys.base62(2**256 - 1, keys.BODY_LENGTH)) == keys.BODY_LENGTH


@pytest.mark.django_db
@settings(max_examples=60, derandomize=True, deadline=None)
@given(
    kind=st.sampled_from(keys.KINDS),
    position=st.integers(min_value=0, max_value=keys.KEY_LENGTH - 1),
    replacement=st.characters(codec="ascii"),
)
def test_any_key_checks_and_any_change_of_one_character_is_refused_before_a_lookup(
    kind, position, replacement
):
    key = keys.generate(kind)
    assert keys.kind_of(key) == kind
    changed = key[:position] + replacement + key[position + 1 :]
    if changed == key:
        return
    assert keys.kind_of(changed) is None
    with CaptureQueriesContext(connection) as queries:
        assert keys.verify_api_key(changed) is None
        assert keys.verify_environment_token(changed) is None
    assert len(queries) == 0


@pytest.mark.parametrize(
    "text",
    ["", "lp_key_", "Bearer lp_key_x", "lp_key_" + "0" * 49 + "0", " " * 56, "lp_foo_" + "0" * 49, None, 12],
)
def test_malformed_keys_are_refused_without_a_query(text, django_assert_num_queries, db):
    with django_assert_num_queries(0):
        assert keys.kind_of(text) is None
        assert keys.verify_api_key(text) is None


def test_only_the_digest_and_a_short_prefix_are_stored(customer_a, make_key):
    api_key, secret = make_key(customer_a)
    stored = ApiKey.objects.get(pk=api_key.pk)
    assert stored.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert stored.prefix == secret[:15] and len(stored.prefix) == 15
    row = ApiKey.objects.filter(pk=api_key.pk).values().get()
    assert not any(secret in str(value) for value in row.values())
    assert secret[15:] not in str(row)


def test_a_valid_key_is_found_and_its_use_noted(customer_a, make_key):
    api_key, secret = make_key(customer_a)
    found = keys.verify_api_key(secret)
    assert found == api_key
    assert ApiKey.objects.get(pk=api_key.pk).last_used_at is not None


def test_revoked_expired_unknown_and_other_kinds_are_all_none(customer_a, make_key, make_token):
    revoked, revoked_secret = make_key(customer_a)
    revoke_api_key(api_key=revoked, by="tests")
    expiring, expiring_secret = make_key(customer_a, expires=timezone.localdate() + timedelta(days=1))
    _token, token_secret = make_token(EnvironmentFactory(customer=customer_a))
    unknown = keys.generate(keys.API_KEY)

    assert keys.verify_api_key(revoked_secret) is None
    assert keys.verify_api_key(unknown) is None
    assert keys.verify_api_key(token_secret) is None
    assert keys.verify_environment_token(token_secret) is not None
    assert keys.verify_api_key(expiring_secret) == expiring
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        assert keys.verify_api_key(expiring_secret) is None


def test_a_key_of_an_inactive_customer_or_environment_is_none(customer_a, make_key, make_token):
    _api_key, secret = make_key(customer_a)
    environment = EnvironmentFactory(customer=customer_a)
    _token, token_secret = make_token(environment)
    environment.is_active = False
    environment.save()
    assert keys.verify_environment_token(token_secret) is None
    customer_a.is_active = False
    customer_a.save()
    assert keys.verify_api_key(secret) is None


def test_last_used_is_written_at_most_once_a_minute(customer_a, make_key, django_assert_num_queries):
    api_key, secret = make_key(customer_a)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        keys.verify_api_key(secret)
    # One SELECT, whose row says the use was noted within the minute: no UPDATE.
    with time_machine.travel(start + timedelta(seconds=59), tick=False), django_assert_num_queries(1):
        keys.verify_api_key(secret)
    assert ApiKey.objects.get(pk=api_key.pk).last_used_at == start
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        keys.verify_api_key(secret)
    assert ApiKey.objects.get(pk=api_key.pk).last_used_at == start + timedelta(seconds=61)


def test_an_environment_token_notes_its_use_too(customer_a, make_token):
    token, secret = make_token(EnvironmentFactory(customer=customer_a))
    assert keys.verify_environment_token(secret) == token
    assert EnvironmentToken.objects.get(pk=token.pk).last_used_at is not None
