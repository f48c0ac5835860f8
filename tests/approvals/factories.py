"""The four-eyes world: customer A with two Beheerders and a line of 20 Profit users, 12 of them in use."""

from licensing.approvals.models import FourEyesPolicy
from portal.models import Role
from tests.factories import EnvironmentFactory, EnvironmentUserFactory, LicenseLineFactory, MembershipFactory

IN_USE = 12


def second_beheerder(customer, email="tweede@example.nl"):
    return MembershipFactory(customer=customer, role=Role.BEHEERDER, contact__user__email=email).contact


def line_in_use(customer, *, maximum=20, in_use=IN_USE):
    line = LicenseLineFactory(
        license=customer.license, item="profit_users", scope="O", maximum=maximum, in_use=0
    )
    environment = EnvironmentFactory(customer=customer, type="O")
    EnvironmentUserFactory.create_batch(in_use, environment=environment, profit=True)
    return line


def policy_on(customer, **rules):
    rules = rules or {"every_change": True}
    return FourEyesPolicy.objects.update_or_create(customer=customer, defaults={"enabled": True, **rules})[0]
