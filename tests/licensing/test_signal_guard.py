"""The built-in signal is read-only: nobody edits or deletes it, in the service, the access function, the
portal or the back office. A Beheerder copies it and adjusts the copy."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from licensing.monitoring import nightly, services
from licensing.monitoring.models import LicenseWarning, Signal, WarningKind
from licensing.monitoring.selectors import signal_for
from licensing.monitoring.services import BUILTIN_IS_READ_ONLY, MonitoringError, signal_update
from portal.models import Membership
from tests.factories import LicenseLineFactory, UserFactory


@pytest.fixture
def builtin(db):
    return services.ensure_builtin_signal()


@pytest.fixture
def fired(customer_a, builtin):
    """The built-in signal fired on customer A's test line (3 available, threshold 5)."""
    LicenseLineFactory(license=customer_a.license, item="profit_users", scope="T", maximum=3)
    nightly.refresh_customers(customer_ids=[customer_a.id])
    return LicenseWarning.objects.get(kind=WarningKind.SIGNAL, signal=builtin)


@pytest.fixture
def copy(customer_a):
    return Signal.objects.create(customer=customer_a, name="Kopie", item="profit_users", threshold=5)


@pytest.fixture
def staff(db):
    return UserFactory(email="backoffice@vendor.example", is_staff=True, is_superuser=True)


def builtin_as_stored(signal: Signal) -> tuple:
    signal.refresh_from_db()
    return (
        signal.name,
        signal.item,
        signal.scope,
        signal.threshold,
        signal.is_active,
        list(signal.recipients.all()),
    )


def membership(contact, customer) -> Membership:
    return Membership.objects.select_related("customer").get(contact=contact, customer=customer)


class TestTheService:
    def test_it_refuses_to_change_the_builtin(self, builtin, fired, beheerder):
        before = builtin_as_stored(builtin)

        with pytest.raises(MonitoringError) as refused:
            signal_update(
                signal=builtin,
                name="Gewijzigd",
                item="insite_users",
                scope="O",
                threshold=50,
                recipients=[beheerder],
                is_active=False,
            )

        assert refused.value.message == BUILTIN_IS_READ_ONLY
        assert builtin_as_stored(builtin) == before
        fired.refresh_from_db()
        assert fired.resolved_at is None  # a change of the condition would have re-armed it

    def test_it_changes_a_customers_copy(self, copy, beheerder):
        signal_update(
            signal=copy, name="Ruim", item="profit_users", scope="T", threshold=9, recipients=[beheerder]
        )

        copy.refresh_from_db()
        assert (copy.name, copy.scope, copy.threshold, list(copy.recipients.all())) == (
            "Ruim",
            "T",
            9,
            [beheerder],
        )


class TestTheAccessFunction:
    def test_a_beheerder_may_copy_the_builtin_but_not_edit_it(self, builtin, beheerder, customer_a):
        member = membership(beheerder, customer_a)

        assert signal_for(member, builtin.id, change=True) == builtin
        with pytest.raises(PermissionDenied):
            signal_for(member, builtin.id, edit=True)

    def test_a_beheerder_may_edit_its_own_copy(self, copy, beheerder, customer_a):
        assert signal_for(membership(beheerder, customer_a), copy.id, edit=True) == copy


class TestThePortal:
    def test_the_builtin_has_no_edit_page(self, client, builtin, beheerder):
        client.force_login(beheerder.user)

        assert client.get(reverse("licensing:signal_edit", args=[builtin.id])).status_code == 403
        response = client.post(
            reverse("licensing:signal_edit", args=[builtin.id]),
            {"name": "Gewijzigd", "item": "profit_users", "scope": "T", "threshold": "50"},
        )

        assert response.status_code == 403
        assert builtin_as_stored(builtin)[:4] == (services.BUILTIN_SIGNAL_NAME, "profit_users", "", 5)

    def test_the_list_offers_a_copy_of_the_builtin_and_no_edit(self, client, builtin, copy, beheerder):
        client.force_login(beheerder.user)

        html = client.get(reverse("licensing:signals")).content.decode()

        def row(signal):
            start = html.index(f'id="signal-{signal.id}"')
            return html[start : html.index("</tr>", start)]

        assert reverse("licensing:signal_copy", args=[builtin.id]) in row(builtin)
        assert reverse("licensing:signal_edit", args=[builtin.id]) not in html
        assert reverse("licensing:signal_edit", args=[copy.id]) in row(copy)


class TestTheBackOffice:
    def test_the_builtin_cannot_be_deleted(self, client, staff, builtin):
        client.force_login(staff)

        response = client.post(reverse("admin:monitoring_signal_delete", args=[builtin.id]), {"post": "yes"})

        assert response.status_code == 403
        assert Signal.objects.filter(id=builtin.id).exists()

    def test_the_builtin_cannot_be_deleted_with_the_bulk_action(self, client, staff, builtin, copy):
        client.force_login(staff)

        client.post(
            reverse("admin:monitoring_signal_changelist"),
            {"action": "delete_selected", ACTION_CHECKBOX_NAME: [builtin.id, copy.id], "post": "yes"},
        )

        assert Signal.objects.filter(id=builtin.id).exists()

    def test_a_customers_copy_can_be_deleted(self, client, staff, copy):
        client.force_login(staff)

        response = client.post(reverse("admin:monitoring_signal_delete", args=[copy.id]), {"post": "yes"})

        assert response.status_code == 302
        assert not Signal.objects.filter(id=copy.id).exists()
