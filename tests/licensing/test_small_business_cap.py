"""Profit Small Business never has more than 10 environments, whichever way the number is changed."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from licensing.models import SMALL_BUSINESS_CAP, License, LicenseLine
from licensing.services import LicenseError, check_entitlement
from tests.factories import LicenseFactory, LicenseLineFactory

pytestmark = pytest.mark.django_db

CAP = str(SMALL_BUSINESS_CAP % {"cap": 10})


@pytest.fixture
def small_business(customer_b):
    return License.objects.get(customer=customer_b)


def test_the_back_office_cannot_raise_environments_above_ten(admin_client, small_business):
    line = LicenseLineFactory(license=small_business, item="environments", scope="license", maximum=5)
    url = reverse("admin:licensing_licenseline_change", args=[line.id])

    response = admin_client.post(
        url,
        {
            "license": small_business.id,
            "item": "environments",
            "scope": "license",
            "maximum": 11,
            "portal": 5,
        },
    )

    assert response.status_code == 200
    assert "nooit meer dan 10 omgevingen" in response.content.decode()
    line.refresh_from_db()
    assert line.maximum == 5


def test_the_back_office_may_set_exactly_ten(admin_client, small_business):
    line = LicenseLineFactory(license=small_business, item="environments", scope="license", maximum=5)
    url = reverse("admin:licensing_licenseline_change", args=[line.id])

    response = admin_client.post(
        url,
        {
            "license": small_business.id,
            "item": "environments",
            "scope": "license",
            "maximum": 10,
            "portal": 5,
        },
    )

    assert response.status_code == 302
    line.refresh_from_db()
    assert line.maximum == 10


def test_a_license_with_more_environments_cannot_become_small_business(customer_a):
    license = License.objects.get(customer=customer_a)
    LicenseLineFactory(license=license, item="environments", scope="license", maximum=12)
    license.edition = "small_business"

    with pytest.raises(ValidationError, match="nooit meer dan 10 omgevingen"):
        license.full_clean()


def test_set_entitlement_refuses_eleven_environments(small_business):
    with pytest.raises(CommandError, match="10 omgevingen"):
        call_command("set_entitlement", small_business.customer.number, "environments", "license", "11")

    assert not LicenseLine.objects.filter(license=small_business, maximum__gt=10).exists()


def test_other_editions_are_not_capped(customer_a):
    line = LicenseLineFactory(
        license=LicenseFactory(customer=customer_a), item="environments", scope="license"
    )
    line.maximum = 40

    line.full_clean()


def test_the_model_the_admin_and_the_services_say_the_one_message(admin_client, small_business, customer_a):
    line = LicenseLineFactory(license=small_business, item="environments", scope="license", maximum=5)
    line.maximum = 11
    with pytest.raises(ValidationError) as line_refusal:
        line.full_clean()
    other = License.objects.get(customer=customer_a)
    LicenseLineFactory(license=other, item="environments", scope="license", maximum=12)
    other.edition = "small_business"
    with pytest.raises(ValidationError) as edition_refusal:
        other.full_clean()
    with pytest.raises(LicenseError) as service_refusal:
        check_entitlement(license=small_business, item="environments", quantity=11)
    admin_page = admin_client.post(
        reverse("admin:licensing_licenseline_change", args=[line.id]),
        {
            "license": small_business.id,
            "item": "environments",
            "scope": "license",
            "maximum": 11,
            "portal": 5,
        },
    )

    assert line_refusal.value.message_dict == {"maximum": [CAP]}
    assert edition_refusal.value.message_dict == {"edition": [CAP]}
    assert str(service_refusal.value.message) == CAP
    assert CAP in admin_page.content.decode()
