"""The migration that undoes the old "removed from its last customer: deactivated" rule."""

import importlib

import pytest
from django.apps import apps

from tests.factories import ContactFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("portal.migrations.0002_reactivate_removed_contacts")


def test_it_reactivates_only_contacts_without_customers_that_are_no_vendor_accounts(customer_a):
    removed = ContactFactory(user__is_active=False).user
    switched_off_member = MembershipFactory(customer=customer_a, contact__user__is_active=False).contact.user
    staff_contact = ContactFactory(user__is_active=False, user__is_staff=True).user
    superuser_contact = ContactFactory(user__is_active=False, user__is_superuser=True).user
    plain_user = UserFactory(is_active=False)
    password = removed.password

    migration.reactivate_removed_contacts(apps, None)

    for user in (removed, switched_off_member, staff_contact, superuser_contact, plain_user):
        user.refresh_from_db()
    assert removed.is_active and removed.password == password
    assert not switched_off_member.is_active
    assert not staff_contact.is_active and not superuser_contact.is_active
    assert not plain_user.is_active
