"""A customer with something to show, for the API-wide tests (the fuzz test and the key matrix)."""

from datetime import timedelta

from django.utils import timezone

from licensing.monitoring.models import LicenseWarning, WarningKind
from licensing.monitoring.texts import over_use_params
from licensing.recount import recount_customer
from tests.factories import EnvironmentFactory, EnvironmentUserFactory, LicenseLineFactory


def seed_customer(customer):
    """A production and a test environment with users, two lines and an open warning; the production
    environment is returned (its code is in every path that names an environment)."""
    number = customer.number
    production = EnvironmentFactory(customer=customer, code=f"O{number}AA")
    EnvironmentFactory(customer=customer, type="T", code=f"T{number}AA")
    EnvironmentUserFactory(environment=production, code=f"{number}.jansen", profit=True)
    EnvironmentUserFactory(environment=production, code=f"{number}.devries", profit=True)
    line = LicenseLineFactory(license=customer.license, item="profit_users", scope="O", maximum=10)
    LicenseLineFactory(license=customer.license, item="environments", scope="license", maximum=5, portal=4)
    recount_customer(customer=customer)
    LicenseWarning.objects.create(
        customer=customer,
        kind=WarningKind.OVER_USE,
        line=line,
        opened_at=timezone.now() - timedelta(hours=1),
        params=over_use_params(item="profit_users", scope="O", in_use=2, maximum=10),
    )
    return production
