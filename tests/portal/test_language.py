"""Dutch by default, English from the language menu (needs the compiled catalogues: `make messages`)."""

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def _choose_english(client, next_url="/"):
    return client.post("/i18n/setlang/", {"language": "en", "next": next_url})


def test_the_login_page_is_dutch_by_default(client):
    page = client.get("/login/").content.decode()

    assert '<html lang="nl">' in page
    assert "Inloggen" in page
    assert "Wachtwoord vergeten?" in page


def test_the_login_page_switches_to_english(client):
    response = _choose_english(client, "/login/")

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get("/login/").content.decode()
    assert '<html lang="en">' in page
    assert "Log in" in page
    assert "Forgot your password?" in page
    assert "Wachtwoord vergeten?" not in page


def test_the_dashboard_switches_to_english(client, beheerder):
    client.force_login(beheerder.user)
    assert "Overzicht" in client.get("/").content.decode()

    _choose_english(client)
    page = client.get("/").content.decode()

    assert "Overview" in page
    assert "Production" in page
    assert "Contacts" in page
    assert "Productie" not in page


def test_the_language_menu_offers_both_languages(client):
    page = client.get("/login/").content.decode()

    assert '<option value="nl" selected>Nederlands</option>' in page
    assert '<option value="en">English</option>' in page


def test_it_stays_dutch_for_a_browser_that_prefers_english(client):
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()

    assert '<html lang="nl">' in page
    assert "Wachtwoord vergeten?" in page
