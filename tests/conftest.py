"""The three personas of every view test: a Beheerder and a Medewerker of customer A, a Beheerder of B."""

import pytest
import redis
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


@pytest.fixture(autouse=True)
def _fresh_limits(settings):
    # The limits count in Redis across tests and runs: every test starts with the full budget of
    # invitations, failed logins and reset e-mails, and a limiter made for a test's settings is forgotten.
    from portal.ratelimit import reset_limiters
    from portal.services import invitation_limiter

    invitation_limiter().reset()
    _forget_cached_counts(settings)
    yield
    reset_limiters()


def _forget_cached_counts(settings):
    """allauth's rate-limit counts and the lockout markers in the cache (not the whole Redis database:
    Celery's broker may share it)."""
    from django.core.cache import cache

    if not settings.REDIS_URL:
        cache.clear()
        return
    client = redis.Redis.from_url(settings.REDIS_URL)
    for pattern in ("*allauth:rl:*", "*portal:lockout-logged:*"):
        keys = list(client.scan_iter(match=pattern, count=1000))
        if keys:
            client.delete(*keys)
    client.close()
