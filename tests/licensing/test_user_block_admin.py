"""The back office lists the blocking log of "Onderhoud gebruikers", read-only."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from environments.models import UserIdentity
from licensing.maintenance.models import UserBlockChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_superuser("staff@example.nl", "staff@example.nl", "x")


@pytest.fixture
def block_changes(customer_a, customer_b, beheerder):
    return [
        UserBlockChange.objects.create(
            customer=customer,
            contact=beheerder,
            by=beheerder.name,
            identity=UserIdentity.objects.create(code=f"{customer.number}.verbeek"),
            user_code=f"{customer.number}.verbeek",
            environments=[f"O{customer.number}AA"],
            all_environments=True,
            blocked=True,
        )
        for customer in (customer_a, customer_b)
    ]


def test_the_back_office_lists_block_changes_in_a_fixed_number_of_queries(
    client, staff, block_changes, django_assert_num_queries
):
    client.force_login(staff)

    with django_assert_num_queries(7):
        response = client.get(reverse("admin:maintenance_userblockchange_changelist"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "12345.verbeek" in page and "67890.verbeek" in page


def test_block_changes_cannot_be_added_changed_or_deleted(client, staff, block_changes):
    change = block_changes[0]
    client.force_login(staff)

    assert client.get(reverse("admin:maintenance_userblockchange_add")).status_code == 403
    detail = client.get(reverse("admin:maintenance_userblockchange_change", args=[change.id]))
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
    response = client.post(
        reverse("admin:maintenance_userblockchange_change", args=[change.id]),
        {"user_code": "x", "blocked": ""},
    )
    assert response.status_code == 403
    response = client.post(
        reverse("admin:maintenance_userblockchange_delete", args=[change.id]), {"post": "yes"}
    )
    assert response.status_code == 403
    change.refresh_from_db()
    assert change.user_code == "12345.verbeek" and change.blocked
    assert UserBlockChange.objects.count() == 2
