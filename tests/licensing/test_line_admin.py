"""Every back-office write of a maximum goes through the entitlement service: a LicenseMutation with
source "backoffice" and the staff user, every rule of the service, the portal number left to the night."""

import pytest
from django.urls import reverse

from licensing.models import (
    MAX_QUANTITY,
    SMALL_BUSINESS_CAP,
    LicenseLine,
    LicenseMutation,
    LicenseRequest,
    MutationSource,
)
from licensing.monitoring import nightly
from licensing.monitoring.models import LicenseWarning, WarningKind
from licensing.services import (
    QUANTITY_OUT_OF_RANGE,
    line_set_maximum,
    request_approve,
)
from tests.admin_forms import admin_form
from tests.factories import LicenseLineFactory

pytestmark = pytest.mark.django_db

CAP = str(SMALL_BUSINESS_CAP % {"cap": 10})


@pytest.fixture
def line(customer_a):
    return LicenseLineFactory(license=customer_a.license, item="profit_users", scope="O", maximum=10)


@pytest.fixture
def environments_line(customer_b):
    return LicenseLineFactory(license=customer_b.license, item="environments", scope="license", maximum=5)


def _change_url(line):
    return reverse("admin:licensing_licenseline_change", args=[line.pk])


def _license_url(license):
    return reverse("admin:licensing_license_change", args=[license.pk])


def _inline_row(data, line) -> str:
    total = int(data["lines-INITIAL_FORMS"][0])
    return next(f"lines-{i}" for i in range(total) if data[f"lines-{i}-id"] == [str(line.pk)])


def _assert_backoffice_mutation(line, admin_user, *, old_maximum, old_portal, new_quantity):
    mutation = LicenseMutation.objects.get(line=line)
    assert mutation.source == MutationSource.BACKOFFICE
    assert mutation.user == admin_user
    assert mutation.by == admin_user.get_username()
    assert mutation.contact is None
    assert (mutation.old_maximum, mutation.old_portal, mutation.new_quantity) == (
        old_maximum,
        old_portal,
        new_quantity,
    )


def test_changing_a_maximum_writes_a_backoffice_mutation_with_the_staff_user(admin_client, admin_user, line):
    url = _change_url(line)

    response = admin_client.post(url, admin_form(admin_client, url, "licenseline_form", maximum="15"))

    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.maximum, line.portal) == (15, 10)  # the portal number follows at the nightly run
    _assert_backoffice_mutation(line, admin_user, old_maximum=10, old_portal=10, new_quantity=15)


def test_the_nightly_run_then_names_the_back_office_as_the_cause(admin_client, line, customer_a):
    nightly.refresh_customers(customer_ids=[customer_a.id])
    url = _change_url(line)
    admin_client.post(url, admin_form(admin_client, url, "licenseline_form", maximum="15"))

    nightly.refresh_customers(customer_ids=[customer_a.id])

    assert LicenseWarning.objects.get(kind=WarningKind.DEVIATION, line=line).cause == "backoffice"
    line.refresh_from_db()
    assert line.portal == 15


def test_the_portal_number_item_scope_and_license_are_not_editable(admin_client, line, customer_b):
    url = _change_url(line)
    page = admin_client.get(url).content.decode()
    assert 'name="portal"' not in page

    data = admin_form(admin_client, url, "licenseline_form", maximum="12")
    data.update(portal="99", scope="T", item="insite_users", license=str(customer_b.license.pk))
    response = admin_client.post(url, data)

    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.license_id, line.item, line.scope, line.maximum, line.portal) == (
        line.license_id,
        "profit_users",
        "O",
        12,
        10,
    )
    assert line.license.customer.number == "12345"


def test_saving_an_unchanged_maximum_writes_no_mutation(admin_client, line):
    url = _change_url(line)

    response = admin_client.post(url, admin_form(admin_client, url, "licenseline_form"))

    assert response.status_code == 302
    assert not LicenseMutation.objects.exists()


def test_the_change_form_refuses_above_the_small_business_cap_and_changes_nothing(
    admin_client, environments_line
):
    url = _change_url(environments_line)

    response = admin_client.post(url, admin_form(admin_client, url, "licenseline_form", maximum="11"))

    assert response.status_code == 200
    assert CAP in response.content.decode()
    environments_line.refresh_from_db()
    assert environments_line.maximum == 5
    assert not LicenseMutation.objects.exists()


def test_the_change_form_refuses_an_absurd_maximum(admin_client, line):
    url = _change_url(line)

    response = admin_client.post(
        url, admin_form(admin_client, url, "licenseline_form", maximum=str(MAX_QUANTITY + 1))
    )

    assert response.status_code == 200
    assert str(QUANTITY_OUT_OF_RANGE % {"max": MAX_QUANTITY}) in response.content.decode()
    line.refresh_from_db()
    assert line.maximum == 10
    assert not LicenseMutation.objects.exists()


def test_changing_a_maximum_in_the_license_inline_writes_a_backoffice_mutation(
    admin_client, admin_user, line, customer_a
):
    url = _license_url(customer_a.license)
    data = admin_form(admin_client, url, "license_form")
    data[f"{_inline_row(data, line)}-maximum"] = "20"

    response = admin_client.post(url, data)

    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.maximum, line.portal) == (20, 10)
    _assert_backoffice_mutation(line, admin_user, old_maximum=10, old_portal=10, new_quantity=20)


def test_adding_a_line_in_the_license_inline_writes_a_backoffice_mutation(
    admin_client, admin_user, line, customer_a
):
    url = _license_url(customer_a.license)
    data = admin_form(admin_client, url, "license_form")
    new = f"lines-{data['lines-TOTAL_FORMS'][0]}"
    data["lines-TOTAL_FORMS"] = str(int(data["lines-TOTAL_FORMS"][0]) + 1)
    data.update({f"{new}-item": "insite_users", f"{new}-scope": "T", f"{new}-maximum": "7"})
    data[f"{new}-license"] = str(customer_a.license.pk)

    response = admin_client.post(url, data)

    assert response.status_code == 302
    added = LicenseLine.objects.get(license=customer_a.license, item="insite_users", scope="T")
    assert (added.maximum, added.portal) == (7, 0)
    _assert_backoffice_mutation(added, admin_user, old_maximum=0, old_portal=0, new_quantity=7)


def test_the_license_inline_refuses_above_the_small_business_cap_and_changes_nothing(
    admin_client, environments_line, customer_b
):
    url = _license_url(customer_b.license)
    data = admin_form(admin_client, url, "license_form")
    data[f"{_inline_row(data, environments_line)}-maximum"] = "11"

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert CAP in response.content.decode()
    environments_line.refresh_from_db()
    assert environments_line.maximum == 5
    assert not LicenseMutation.objects.exists()


def test_adding_a_line_writes_a_backoffice_mutation(admin_client, admin_user, customer_a):
    response = admin_client.post(
        reverse("admin:licensing_licenseline_add"),
        {"license": customer_a.license.pk, "item": "outsite_users", "scope": "A", "maximum": "3"},
    )

    assert response.status_code == 302
    added = LicenseLine.objects.get(license=customer_a.license, item="outsite_users", scope="A")
    assert (added.maximum, added.portal) == (3, 0)
    _assert_backoffice_mutation(added, admin_user, old_maximum=0, old_portal=0, new_quantity=3)


def test_adding_a_line_above_the_small_business_cap_is_refused(admin_client, customer_b):
    response = admin_client.post(
        reverse("admin:licensing_licenseline_add"),
        {"license": customer_b.license.pk, "item": "environments", "scope": "license", "maximum": "11"},
    )

    assert response.status_code == 200
    assert CAP in response.content.decode()
    assert not LicenseLine.objects.filter(license=customer_b.license).exists()
    assert not LicenseMutation.objects.exists()


def test_a_line_cannot_be_deleted_in_the_admin(admin_client, line):
    response = admin_client.post(
        reverse("admin:licensing_licenseline_delete", args=[line.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert LicenseLine.objects.filter(pk=line.pk).exists()


def test_the_entitlement_service_records_a_staff_user_and_a_system_name(admin_user, line, customer_a):
    by_staff = line_set_maximum(
        customer=customer_a, item="profit_users", scope="O", quantity=11, by=admin_user
    )
    by_billing = line_set_maximum(
        customer=customer_a, item="profit_users", scope="O", quantity=12, by="billing"
    )

    assert (by_staff.user, by_staff.by) == (admin_user, admin_user.get_username())
    assert (by_billing.user, by_billing.by) == (None, "billing")


def test_an_approved_request_records_the_staff_user(admin_user, line, customer_a, beheerder):
    license_request = LicenseRequest.objects.create(
        customer=customer_a, line=line, desired_quantity=14, motivation="Groei", requested_by=beheerder
    )

    request_approve(license_request=license_request, by=admin_user)

    mutation = LicenseMutation.objects.get(line=line)
    assert (mutation.source, mutation.user, mutation.new_quantity) == (MutationSource.REQUEST, admin_user, 14)
