"""`next`: every view that reads it follows it only to a local path of the portal, else falls back."""

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from environments.models import EnvironmentUser
from licensing.maintenance.models import UserBlockChange
from portal.models import Role
from portal.selectors import SESSION_CUSTOMER_KEY
from tests.confirming import post_confirmed
from tests.factories import PASSWORD, EnvironmentFactory, EnvironmentUserFactory, MembershipFactory, identity

# Values that are not a local path of this site: relative (reversed as a URL name before: 500),
# protocol-relative, absolute, a script, a backslash that browsers read as a slash, a tab that
# urlsplit drops, a control character first, and empty.
UNSAFE = [
    "foo",
    "contactpersonen",
    "./contactpersonen/",
    "//evil.example",
    "///evil.example",
    "https://evil.example/",
    "http://testserver/contactpersonen/",
    "javascript:alert(1)",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "\x01/contactpersonen/",
    "",
]
LOCAL = "/onderhoud-gebruikers/?q=jansen&type=O"


@pytest.fixture
def two_customers(beheerder, customer_b):
    """The Beheerder of A is also a Medewerker of B, so it chooses one."""
    MembershipFactory(contact=beheerder, customer=customer_b, role=Role.MEDEWERKER)
    return beheerder


@pytest.mark.parametrize("value", UNSAFE)
def test_choosing_a_customer_falls_back_to_the_dashboard(client, two_customers, customer_b, value):
    client.force_login(two_customers.user)

    response = client.post(reverse("portal:choose_customer"), {"customer": customer_b.pk, "next": value})

    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    assert client.session[SESSION_CUSTOMER_KEY] == customer_b.pk


def test_choosing_a_customer_returns_to_a_local_path_with_its_query(client, two_customers, customer_b):
    client.force_login(two_customers.user)

    response = client.post(reverse("portal:choose_customer"), {"customer": customer_b.pk, "next": LOCAL})

    assert response.url == LOCAL
    assert client.session[SESSION_CUSTOMER_KEY] == customer_b.pk


def test_the_chooser_never_returns_to_itself(client, two_customers, customer_b):
    client.force_login(two_customers.user)
    chooser = reverse("portal:choose_customer")

    response = client.post(chooser, {"customer": customer_b.pk, "next": chooser + "?x=1"})

    assert response.url == reverse("dashboard")


@pytest.mark.parametrize("value", ["foo", "https://evil.example/", 'javascript:alert("x")'])
def test_the_chooser_page_carries_only_a_safe_next(client, two_customers, value):
    client.force_login(two_customers.user)

    response = client.get(reverse("portal:choose_customer"), {"next": value})

    assert response.status_code == 200
    assert response.context["next"] == reverse("dashboard")
    page = response.content.decode()
    assert '<input type="hidden" name="next" value="/">' in page
    assert f'name="next" value="{value}"' not in page


@pytest.mark.parametrize("value", UNSAFE)
def test_logging_in_falls_back_to_the_dashboard(client, beheerder, value):
    response = client.post(
        reverse("login"), {"login": "beheerder@example.nl", "password": PASSWORD, "next": value}
    )

    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    assert int(client.session[SESSION_KEY]) == beheerder.user.pk


def test_logging_in_returns_to_a_local_path_with_its_query(client, beheerder):
    response = client.post(
        reverse("login"), {"login": "beheerder@example.nl", "password": PASSWORD, "next": LOCAL}
    )

    assert response.url == LOCAL


@pytest.mark.parametrize("value", ["/login/", "/login/?next=/login/", "foo"])
def test_the_login_page_sends_a_logged_in_contact_on_instead_of_looping(client, beheerder, value):
    # Django's LoginView raised "Redirection loop" (500) for next=/login/ of a logged-in user.
    client.force_login(beheerder.user)

    response = client.get(reverse("login"), {"next": value})

    assert response.status_code == 302
    assert response.url == reverse("dashboard")


def test_the_login_page_carries_only_a_safe_next(client):
    response = client.get(reverse("login"), {"next": "https://evil.example/"})

    assert response.status_code == 200
    assert response.context["next"] == ""
    assert 'value="https://evil.example/"' not in response.content.decode()


@pytest.mark.parametrize("value", UNSAFE)
def test_logging_out_falls_back_to_the_login_page(client, beheerder, value):
    client.force_login(beheerder.user)

    response = client.post(reverse("logout"), {"next": value})

    assert response.status_code == 302
    assert response.url == reverse(settings.LOGOUT_REDIRECT_URL)
    assert SESSION_KEY not in client.session


def test_logging_out_follows_a_local_path(client, beheerder):
    client.force_login(beheerder.user)

    response = client.post(reverse("logout"), {"next": LOCAL})

    assert response.url == LOCAL
    assert SESSION_KEY not in client.session


@pytest.mark.parametrize("value", UNSAFE)
def test_choosing_a_language_falls_back_to_the_dashboard(client, value):
    response = client.post(reverse("set_language"), {"language": "en", "next": value})

    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_choosing_a_language_returns_to_a_local_path(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": LOCAL})

    assert response.url == LOCAL
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


@pytest.fixture
def kok(customer_a):
    EnvironmentUserFactory(environment=EnvironmentFactory(customer=customer_a), code="12345.kok")
    return identity("12345.kok")


@pytest.mark.parametrize("value", UNSAFE)
def test_blocking_a_user_falls_back_to_the_user_page(client, beheerder, kok, value):
    client.force_login(beheerder.user)
    block = reverse("licensing:user_block", args=[kok.id])

    response = post_confirmed(client, block, {"next": value})

    assert response.status_code == 302
    assert response.url == reverse("licensing:maintenance_user", args=[kok.id])
    assert EnvironmentUser.objects.get(identity=kok).blocked
    assert UserBlockChange.objects.filter(identity=kok, blocked=True).count() == 1


def test_blocking_a_user_returns_to_a_local_path(client, beheerder, kok):
    client.force_login(beheerder.user)

    response = post_confirmed(client, reverse("licensing:user_block", args=[kok.id]), {"next": LOCAL})

    assert response.url == LOCAL
    assert EnvironmentUser.objects.get(identity=kok).blocked


def test_a_secure_request_follows_a_local_path_too(client, two_customers, customer_b):
    client.force_login(two_customers.user)

    response = client.post(
        reverse("portal:choose_customer"), {"customer": customer_b.pk, "next": LOCAL}, secure=True
    )

    assert response.url == LOCAL
