"""The three personas of every view test: a Beheerder and a Medewerker of customer A, a Beheerder of B."""

import pytest
from django.utils import translation

from portal.models import Role
from tests.factories import CustomerFactory, LicenseFactory, MembershipFactory


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashing costs ~0.3 s per user created; the hasher itself is Django's business.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_language_left_behind():
    # A request activates its language for the thread; the next test starts in the default again.
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _no_cached_chart_of_another_test():
    # Charts are cached by line id, and a new test database numbers its lines from 1 again.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _celery_eager(settings):
    from portal.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True


@pytest.fixture
def customer_a(db):
    customer = CustomerFactory(number="12345", name="Bakkerij De Korenschoof BV")
    LicenseFactory(customer=customer)
    return customer


@pytest.fixture
def customer_b(db):
    customer = CustomerFactory(number="67890", name="Van Dijk Installatietechniek")
    LicenseFactory(customer=customer, edition="small_business")
    return customer


@pytest.fixture
def beheerder(customer_a):
    return MembershipFactory(
        customer=customer_a, role=Role.BEHEERDER, contact__user__email="beheerder@example.nl"
    ).contact


@pytest.fixture
def medewerker(customer_a):
    return MembershipFactory(
        customer=customer_a, role=Role.MEDEWERKER, contact__user__email="medewerker@example.nl"
    ).contact


@pytest.fixture
def other_beheerder(customer_b):
    return MembershipFactory(
        customer=customer_b, role=Role.BEHEERDER, contact__user__email="beheerder67890@example.nl"
    ).contact
