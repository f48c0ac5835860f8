import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_it_shows_the_dutch_login_form(client):
    response = client.get("/login/")

    assert response.status_code == 200
    assert 'name="login"' in response.content.decode()
    assert 'name="password"' in response.content.decode()
    assert "E-mailadres" in response.content.decode()
    assert "Wachtwoord vergeten?" in response.content.decode()


def test_it_logs_a_contact_in_with_its_email_address(client, beheerder):
    response = client.post("/login/", {"login": "beheerder@example.nl", "password": PASSWORD})

    assert response.status_code == 302
    assert response.url == "/"
    assert int(client.session[SESSION_KEY]) == beheerder.user.pk


def test_it_ignores_the_case_of_the_email_address(client, beheerder):
    response = client.post("/login/", {"login": " Beheerder@Example.NL", "password": PASSWORD})

    assert response.status_code == 302
    assert int(client.session[SESSION_KEY]) == beheerder.user.pk


def test_it_refuses_a_wrong_password(client, beheerder):
    response = client.post("/login/", {"login": "beheerder@example.nl", "password": "wrong"})

    assert response.status_code == 200
    assert "horen niet bij elkaar" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_it_refuses_something_that_is_no_email_address(client, beheerder):
    response = client.post("/login/", {"login": "beheerder", "password": PASSWORD})

    assert response.status_code == 200
    assert SESSION_KEY not in client.session


def test_it_refuses_a_login_without_csrf_token(beheerder):
    client = Client(enforce_csrf_checks=True)

    response = client.post("/login/", {"login": "beheerder@example.nl", "password": PASSWORD})

    assert response.status_code == 403
    assert SESSION_KEY not in client.session


def test_it_sends_anonymous_visitors_to_the_login_page(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response.url == "/login/?next=/"


def test_it_returns_to_the_page_asked_for_after_login(client, beheerder):
    response = client.post(
        "/login/?next=/contactpersonen/",
        {"login": "beheerder@example.nl", "password": PASSWORD, "next": "/contactpersonen/"},
    )

    assert response.status_code == 302
    assert response.url == "/contactpersonen/"


def test_it_logs_out_on_post(client, beheerder):
    client.force_login(beheerder.user)

    response = client.post("/logout/")

    assert response.status_code == 302
    assert response.url == "/login/"
    assert SESSION_KEY not in client.session


def test_it_asks_before_logging_out_on_get(client, beheerder):
    client.force_login(beheerder.user)

    response = client.get("/logout/")

    assert response.status_code == 200
    assert "Wilt u uitloggen?" in response.content.decode()
    assert '<form method="post" action="/logout/"' in response.content.decode()
    assert int(client.session[SESSION_KEY]) == beheerder.user.pk


def test_the_language_menu_works_before_logging_in(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})

    assert response.status_code == 302
    assert response.url == "/login/"
    page = client.get("/login/").content.decode()
    assert "Log in" in page or "Forgot" in page


@pytest.mark.parametrize("page", ["/", "/licentiedata/", "/organisatie/", "/contactpersonen/"])
def test_vendor_staff_without_a_contact_are_sent_to_the_back_office(client, page):
    staff = UserFactory(email="support@leverancier.example", is_staff=True)
    client.force_login(staff)

    response = client.get(page)

    assert response.status_code == 302
    assert response.url == "/admin/"


def test_a_user_without_a_contact_who_is_not_staff_gets_404(client):
    client.force_login(UserFactory(email="los@example.nl"))

    assert client.get("/").status_code == 404
