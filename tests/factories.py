"""factory_boy factories for every model; tests build their data with these."""

import datetime
import itertools
import string
import uuid

import factory
from django.contrib.auth import get_user_model

from environments.employee_summary import employee_summaries_refresh
from environments.models import (
    Client,
    Declaration,
    Employee,
    Environment,
    EnvironmentType,
    EnvironmentUser,
    UserIdentity,
)
from environments.summary import user_summaries_refresh
from licensing.models import Edition, License, LicenseLine
from licensing.monitoring.models import OutboxEmail, RefreshRun, RunKind
from portal.models import Contact, Customer, Membership, Role

PASSWORD = "correct-horse-battery"
# AA..ZZ over and over: the whole session makes more environments than 676, a test far fewer.
_SUFFIXES = itertools.cycle(["".join(pair) for pair in itertools.product(string.ascii_uppercase, repeat=2)])


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer
        django_get_or_create = ("number",)

    number = factory.Sequence(lambda n: f"{10000 + n:05d}")
    name = factory.Faker("company", locale="nl_NL")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    email = factory.Sequence(lambda n: f"contact{n}@example.nl")
    username = factory.SelfAttribute("email")
    password = factory.django.Password(PASSWORD)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    user = factory.SubFactory(UserFactory)
    name = factory.Faker("name", locale="nl_NL")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    contact = factory.SubFactory(ContactFactory)
    customer = factory.SubFactory(CustomerFactory)
    role = Role.MEDEWERKER


class LicenseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = License
        django_get_or_create = ("customer",)

    customer = factory.SubFactory(CustomerFactory)
    edition = Edition.PROFIT


class LicenseLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LicenseLine
        django_get_or_create = ("license", "item", "scope")

    license = factory.SubFactory(LicenseFactory)
    item = "profit_users"
    scope = "O"
    maximum = 10
    portal = factory.SelfAttribute("maximum")


class EnvironmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Environment

    customer = factory.SubFactory(CustomerFactory)
    type = EnvironmentType.PRODUCTION
    code = factory.LazyAttribute(lambda o: f"{o.type}{o.customer.number}{next(_SUFFIXES)}")
    is_active = True


def identity(code: str) -> UserIdentity:
    return UserIdentity.objects.get_or_create(code=code.lower())[0]


class SummarisedFactory(factory.django.DjangoModelFactory):
    """Environment data made directly, not through an import: the unique-user and employee summaries
    are kept as an import keeps them (environments.summary, environments.employee_summary), so the pages
    see the rows."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        row = super()._create(model_class, *args, **kwargs)
        customer_id = row.environment.customer_id
        user_summaries_refresh(customer_ids=[customer_id], identity_ids=cls._touched(row, customer_id))
        employee_summaries_refresh(customer_ids=[customer_id])
        return row


class EnvironmentUserFactory(SummarisedFactory):
    class Meta:
        model = EnvironmentUser

    @staticmethod
    def _touched(row, customer_id):
        return [row.identity_id]

    environment = factory.SubFactory(EnvironmentFactory)
    code = factory.Sequence(lambda n: f"user{n}")
    identity = factory.LazyAttribute(lambda o: identity(o.code))
    name = factory.Faker("name", locale="nl_NL")
    profit = True
    insite = False
    outsite = False
    blocked = False
    kind = "person"


class EmployeeFactory(SummarisedFactory):
    class Meta:
        model = Employee

    @staticmethod
    def _touched(row, customer_id):
        # The users whose employee this is: whether it is in service (or a temp) is a fact of theirs.
        return EnvironmentUser.objects.filter(
            environment__customer_id=customer_id, employee_guid=row.guid
        ).values_list("identity_id", flat=True)

    environment = factory.SubFactory(EnvironmentFactory)
    guid = factory.LazyFunction(uuid.uuid4)
    name = factory.Faker("name", locale="nl_NL")
    in_service = True
    kind = "staff"


class DeclarationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Declaration

    environment = factory.SubFactory(EnvironmentFactory)
    display_number = factory.Sequence(lambda n: f"{100000000 + n}L01")
    number = factory.LazyAttribute(lambda o: o.display_number.lower())


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    environment = factory.SubFactory(EnvironmentFactory)
    display_code = factory.Sequence(lambda n: f"C{n:04d}")
    code = factory.LazyAttribute(lambda o: o.display_code.lower())
    name = factory.Faker("company", locale="nl_NL")


def with_totp(user) -> str:
    """Give `user` an authenticator app (TOTP) and recovery codes, as allauth's setup does; returns the
    app's secret (pyotp.TOTP(secret).now() is the code the app shows)."""
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return secret


def recovery_codes_of(user) -> list[str]:
    from allauth.mfa.models import Authenticator

    codes = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    return codes.wrap().get_unused_codes()


class RefreshRunFactory(factory.django.DjangoModelFactory):
    """A scheduled run of the nightly job (each on its own day, the once-a-day lock), not yet finished."""

    class Meta:
        model = RefreshRun

    kind = RunKind.SCHEDULED
    run_date = factory.Sequence(lambda n: datetime.date(2026, 1, 1) + datetime.timedelta(days=n))


class OutboxEmailFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutboxEmail

    to = factory.Sequence(lambda n: f"beheerder{n}@example.nl")
    subject = "Nieuwe afwijkingen"
    body = "Er zijn nieuwe afwijkingen."
    dedupe_key = factory.Sequence(lambda n: f"test-{n}")
