"""The mutation log and the block changes are append-only (portal.append_only.AppendOnlyModel)."""

import pytest
from django.contrib.auth import get_user_model

from environments.models import UserIdentity
from licensing.maintenance.models import UserBlockChange
from licensing.models import LicenseMutation
from portal.append_only import AppendOnlyViolation
from portal.services import delete_user
from tests.factories import LicenseLineFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_superuser("staff@example.nl", "staff@example.nl", "x")


@pytest.fixture
def mutation(customer_a, medewerker, staff):
    line = LicenseLineFactory(license=customer_a.license, maximum=20, in_use=5)
    return LicenseMutation.objects.create(
        line=line,
        customer=customer_a,
        contact=medewerker,
        user=staff,
        by="medewerker@example.nl",
        old_maximum=20,
        old_portal=20,
        new_quantity=25,
    )


@pytest.fixture
def block_change(customer_a, medewerker):
    return UserBlockChange.objects.create(
        customer=customer_a,
        contact=medewerker,
        by=medewerker.name,
        identity=UserIdentity.objects.create(code="12345.verbeek"),
        user_code="12345.verbeek",
        environments=["O12345AA"],
        blocked=True,
    )


@pytest.fixture(params=["mutation", "block_change"])
def record(request):
    return request.getfixturevalue(request.param)


def test_a_record_cannot_be_saved_again(record):
    record.by = "iemand anders"

    with pytest.raises(AppendOnlyViolation, match="append-only"):
        record.save()

    record.refresh_from_db()
    assert record.by != "iemand anders"


def test_a_record_cannot_be_deleted(record):
    with pytest.raises(AppendOnlyViolation):
        record.delete()

    assert type(record).objects.filter(pk=record.pk).exists()


def test_a_queryset_of_records_cannot_be_deleted(record):
    with pytest.raises(AppendOnlyViolation):
        type(record).objects.filter(pk=record.pk).delete()

    assert type(record).objects.filter(pk=record.pk).exists()


def test_a_queryset_of_records_cannot_be_updated(record):
    with pytest.raises(AppendOnlyViolation):
        type(record).objects.filter(pk=record.pk).update(by="iemand anders")
    with pytest.raises(AppendOnlyViolation):
        # Only a foreign key declared SET_NULL may be cleared, and only to NULL.
        type(record).objects.filter(pk=record.pk).update(customer=None)

    record.refresh_from_db()
    assert record.by != "iemand anders" and record.customer_id is not None


def test_a_record_outlives_the_account_of_who_made_it(record, medewerker, staff):
    by = record.by

    delete_user(user=medewerker.user, by=staff)

    record.refresh_from_db()
    assert record.contact_id is None and record.by == by


def test_a_mutation_outlives_the_staff_account_behind_it(mutation):
    mutation.user.delete()

    mutation.refresh_from_db()
    assert mutation.user_id is None and mutation.by == "medewerker@example.nl"
