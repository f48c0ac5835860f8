"""The back-office pages nobody edits share one read-only mixin (portal.admin.ReadOnlyAdmin)."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse

from environments.models import Client, Declaration, Employee, EnvironmentUser
from licensing.maintenance.models import UserBlockChange
from licensing.models import LicenseMutation
from licensing.monitoring.admin import RefreshBatchInline
from licensing.monitoring.models import LicenseWarning, OutboxEmail, RefreshRun
from portal.admin import ReadOnlyAdmin

READ_ONLY = [
    LicenseMutation,
    UserBlockChange,
    RefreshRun,
    LicenseWarning,
    OutboxEmail,
    EnvironmentUser,
    Employee,
    Declaration,
    Client,
]


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_superuser("staff@example.nl", "staff@example.nl", "x")


@pytest.mark.parametrize("model", READ_ONLY, ids=lambda model: model.__name__)
def test_each_read_only_page_uses_the_one_mixin_and_nothing_else(model):
    model_admin = admin.site._registry[model]

    assert isinstance(model_admin, ReadOnlyAdmin)
    for permission in ("has_add_permission", "has_change_permission", "has_delete_permission"):
        defined_in = next(cls for cls in type(model_admin).__mro__ if permission in vars(cls))
        assert defined_in is ReadOnlyAdmin


def test_the_batches_of_a_run_are_read_only_too():
    assert issubclass(RefreshBatchInline, ReadOnlyAdmin)


@pytest.mark.parametrize("model", READ_ONLY, ids=lambda model: model.__name__)
def test_a_superuser_can_look_but_not_add(client, staff, model):
    client.force_login(staff)
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}"

    assert client.get(reverse(f"{name}_changelist")).status_code == 200
    assert client.get(reverse(f"{name}_add")).status_code == 403
