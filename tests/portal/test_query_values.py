"""Query and form values the database or the code cannot take: refused or read safely by every view."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from licensing.maintenance.models import UserBlockChange
from licensing.models import LicenseMutation
from licensing.monitoring.models import LicenseWarning, WarningKind
from portal.middleware import NulByteInRequest
from portal.models import Contact
from tests.factories import (
    EmployeeFactory,
    EnvironmentFactory,
    EnvironmentUserFactory,
    LicenseLineFactory,
    identity,
)

MAINTENANCE = reverse("licensing:maintenance")
EMPLOYEES = reverse("licensing:maintenance_employees")
CLEANUP = reverse("licensing:maintenance_cleanup")
LOG = reverse("licensing:maintenance_log")
WARNINGS = reverse("licensing:warnings")
MUTATIONS = reverse("licensing:mutations")

# Every query parameter a portal page reads, as (page, parameter).
QUERY_PARAMETERS = [
    (MAINTENANCE, "q"),
    (MAINTENANCE, "type"),
    (MAINTENANCE, "toegang"),
    (MAINTENANCE, "geblokkeerd"),
    (MAINTENANCE, "soort"),
    (MAINTENANCE, "page"),
    (EMPLOYEES, "q"),
    (EMPLOYEES, "in_dienst"),
    (EMPLOYEES, "page"),
    (CLEANUP, "reden"),
    (CLEANUP, "page"),
    (LOG, "page"),
    (WARNINGS, "soort"),
    (WARNINGS, "page"),
    (MUTATIONS, "page"),
    (reverse("licensing:request_new"), "line"),
    (reverse("portal:choose_customer"), "next"),
    (reverse("login"), "next"),
]
PAGINATED = [MAINTENANCE, EMPLOYEES, CLEANUP, LOG, WARNINGS, MUTATIONS]


@pytest.fixture
def filled(customer_a):
    """Users and employees in an environment, so a search really reaches the database."""
    environment = EnvironmentFactory(customer=customer_a)
    EnvironmentUserFactory(environment=environment, code="jansen", name="J. Jansen", kind="intern")
    EmployeeFactory(environment=environment, name="J. Jansen")
    return environment


@pytest.fixture
def many_rows(customer_a, beheerder, filled):
    """More than one page on every paginated page."""
    for n in range(60):
        EnvironmentUserFactory(environment=filled, code=f"user{n:02d}", kind="intern")
        EmployeeFactory(environment=filled)
    line = LicenseLineFactory(license=customer_a.license, maximum=10)
    LicenseMutation.objects.bulk_create(
        LicenseMutation(
            line=line,
            customer=customer_a,
            contact=beheerder,
            old_maximum=10,
            old_portal=10,
            new_quantity=10,
            in_use=0,
        )
        for _ in range(60)
    )
    jansen = identity("jansen")
    UserBlockChange.objects.bulk_create(
        UserBlockChange(
            customer=customer_a,
            contact=beheerder,
            by="beheerder@example.nl",
            identity=jansen,
            user_code="jansen",
            environments=[filled.code],
            blocked=True,
        )
        for _ in range(60)
    )
    now = timezone.now()
    LicenseWarning.objects.bulk_create(
        LicenseWarning(
            customer=customer_a,
            kind=WarningKind.OVER_USE,
            line=line,
            params={"code": f"O{n:05d}AA", "taken_at": None, "hours": 36},
            opened_at=now,
            resolved_at=now,
        )
        for n in range(120)
    )


@pytest.mark.parametrize(("url", "parameter"), QUERY_PARAMETERS)
def test_it_refuses_a_nul_byte_in_any_query_value(client, beheerder, filled, url, parameter, caplog):
    client.force_login(beheerder.user)

    response = client.get(url, {parameter: "jan\x00sen"})

    assert response.status_code == 400
    assert "Ongeldig verzoek" in response.content.decode()
    assert any(record.name == f"django.security.{NulByteInRequest.__name__}" for record in caplog.records)


@pytest.mark.parametrize("query", ["q=%00", "%00=1", "q=jansen&q=%00", "q%00=jansen"])
def test_it_refuses_a_nul_byte_in_a_query_key_or_in_any_of_its_values(client, beheerder, filled, query):
    client.force_login(beheerder.user)

    assert client.get(f"{MAINTENANCE}?{query}").status_code == 400
    assert client.get(f"{EMPLOYEES}?{query}").status_code == 400


def test_it_refuses_a_nul_byte_in_the_path(client):
    # The one path parameter that is text: the password reset link.
    response = client.get("/wachtwoord-instellen/MQ%00/set-password/")

    assert response.status_code == 400


def test_it_refuses_a_nul_byte_before_the_login_redirect(client, filled):
    response = client.get(MAINTENANCE, {"q": "\x00"})

    assert response.status_code == 400


def test_it_refuses_a_nul_byte_in_a_form_and_stores_nothing(client, beheerder):
    client.force_login(beheerder.user)
    url = reverse("portal:invite_contact")

    value = client.post(url, {"name": "Nul\x00Teken", "email": "nul@example.nl", "role": "medewerker"})
    key = client.post(url, {"name": "Nul", "email": "nul@example.nl", "role": "medewerker", "x\x00": "1"})

    assert (value.status_code, key.status_code) == (400, 400)
    assert not Contact.objects.filter(user__email="nul@example.nl").exists()


def test_it_refuses_a_nul_byte_in_the_session_cookie(client, beheerder):
    client.cookies[settings.SESSION_COOKIE_NAME] = "abcdefghijklmnop\x00qrstuvwxyz"

    response = client.get(reverse("dashboard"))

    assert response.status_code == 400


def test_the_refusal_is_in_the_chosen_language(client, beheerder, filled):
    client.force_login(beheerder.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.get(MAINTENANCE, {"q": "\x00"})

    assert response.status_code == 400
    assert "Bad request" in response.content.decode()


def test_too_many_fields_are_refused_by_django_and_not_a_server_error(client, beheerder, filled):
    # The guard reads every query and form before the view, so Django's field limit applies there.
    client.force_login(beheerder.user)
    fields = {f"f{n}": "1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}

    assert client.get(MAINTENANCE, fields).status_code == 400
    assert client.post(reverse("portal:invite_contact"), fields).status_code == 400


def test_other_control_characters_are_searched_for_as_they_are(client, beheerder, filled):
    client.force_login(beheerder.user)

    response = client.get(MAINTENANCE, {"q": "jan\x01\x1f\x7f"})

    assert response.status_code == 200
    assert response.context["filter"].search == "jan\x01\x1f\x7f"
    assert response.context["rows"] == []


@pytest.mark.parametrize("encoded", ["%ED%A0%80", "%FF%FE", "%C0%AF", "jan%E2%82"])
def test_bytes_that_are_no_utf8_arrive_as_replacement_characters(client, beheerder, filled, encoded):
    # A lone surrogate cannot arrive through a URL: Django decodes the query with replacement.
    client.force_login(beheerder.user)

    response = client.get(f"{MAINTENANCE}?q={encoded}")

    assert response.status_code == 200
    search = response.context["filter"].search
    assert "\ufffd" in search
    assert all(not 0xD800 <= ord(char) <= 0xDFFF for char in search)
    search.encode("utf-8")  # would raise on a surrogate


@pytest.mark.parametrize("url", [MAINTENANCE, EMPLOYEES])
def test_a_very_long_search_is_cut_to_its_limit(client, beheerder, filled, url):
    client.force_login(beheerder.user)

    response = client.get(url, {"q": "jansen" * 20_000})

    assert response.status_code == 200
    assert response.context["filter"].search == ("jansen" * 20_000)[:100]


# (page asked for, page shown): anything that is not a whole number is the first page, a number below
# 1 the first, a number past the end the last.
PAGE_NUMBERS = [
    ("", 1),
    ("abc", 1),
    ("1.5", 1),
    ("1e3", 1),
    ("0x2", 1),
    ("9" * 5000, 1),
    ("0", 1),
    ("-1", 1),
    ("-99999999999999999999", 1),
    ("2", 2),
    (" 2 ", 2),
    ("99999999999999999999999999", "last"),
]


@pytest.mark.parametrize("url", PAGINATED)
def test_a_page_number_is_clamped_to_the_pages_there_are(client, beheerder, many_rows, url):
    client.force_login(beheerder.user)

    for page, expected in PAGE_NUMBERS:
        response = client.get(url, {"page": page})

        assert response.status_code == 200, page
        shown = response.context["page"]
        assert shown.paginator.num_pages > 2
        assert shown.number == (shown.paginator.num_pages if expected == "last" else expected), page
