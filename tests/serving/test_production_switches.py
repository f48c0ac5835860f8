"""What the environment switches on: the static storage, HTTPS (SECURE), trusting X-Forwarded-Proto, HSTS
and its preload; read from portal/settings.py in a fresh process, then seen in answers."""

import pytest
from django.test import Client, override_settings

from tests.factories import PASSWORD

from .conftest import PRODUCTION_LIKE_KEY, settings_of

MANIFEST = "whitenoise.storage.CompressedManifestStaticFilesStorage"
PLAIN = "django.contrib.staticfiles.storage.StaticFilesStorage"
HTTPS_SETTINGS = (
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
    "SILENCED_SYSTEM_CHECKS",
)


def test_the_manifest_storage_serves_whenever_debug_is_off():
    off = settings_of("STORAGES", SECRET_KEY=PRODUCTION_LIKE_KEY, DEBUG="false")
    on = settings_of("STORAGES", SECRET_KEY=PRODUCTION_LIKE_KEY, DEBUG="true")

    assert off["STORAGES"]["staticfiles"]["BACKEND"] == MANIFEST
    assert on["STORAGES"]["staticfiles"]["BACKEND"] == PLAIN


def test_the_suite_renders_pages_without_collectstatic(client, settings):
    assert settings.STORAGES["staticfiles"]["BACKEND"] == PLAIN

    html = client.get("/login/").content.decode()

    assert 'href="/static/portal.css"' in html


def test_by_default_nothing_is_https_only_and_no_header_is_trusted():
    values = settings_of(*HTTPS_SETTINGS, SECRET_KEY=PRODUCTION_LIKE_KEY, SECURE=None)

    assert values == {
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 0,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": False,
        "SECURE_PROXY_SSL_HEADER": None,
        "SILENCED_SYSTEM_CHECKS": ["security.W021"],
    }


def test_secure_switches_on_cookies_redirect_and_hsts_without_preload_or_trusting_a_header():
    values = settings_of(*HTTPS_SETTINGS, SECRET_KEY=PRODUCTION_LIKE_KEY, SECURE="true")

    assert values == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": False,
        "SECURE_PROXY_SSL_HEADER": None,
        "SILENCED_SYSTEM_CHECKS": ["security.W021"],
    }


def test_preload_and_the_proxy_header_are_each_their_own_opt_in():
    values = settings_of(
        *HTTPS_SETTINGS,
        SECRET_KEY=PRODUCTION_LIKE_KEY,
        SECURE="true",
        SECURE_HSTS_PRELOAD="true",
        TRUST_X_FORWARDED_PROTO="true",
        SECURE_HSTS_SECONDS="600",
    )

    assert values["SECURE_HSTS_PRELOAD"] is True
    assert values["SILENCED_SYSTEM_CHECKS"] == []  # check --deploy no longer needs to be told
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SECURE_HSTS_SECONDS"] == 600


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True, SECURE_PROXY_SSL_HEADER=None)
def test_an_untrusted_forwarded_proto_is_ignored(client):
    response = client.get("/login/", HTTP_X_FORWARDED_PROTO="https")

    assert response.status_code == 301
    assert response["Location"] == "https://testserver/login/"


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_a_trusted_forwarded_proto_counts_as_https(client):
    assert client.get("/login/", HTTP_X_FORWARDED_PROTO="https").status_code == 200
    assert client.get("/login/", HTTP_X_FORWARDED_PROTO="http").status_code == 301


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True)
def test_the_health_endpoints_answer_plain_http_under_the_redirect(client):
    assert client.get("/health/live/").status_code == 200
    assert client.get("/login/").status_code == 301


@pytest.mark.django_db
@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True)
def test_hsts_is_sent_over_https_with_subdomains_and_preload_only_when_asked(client, settings):
    assert client.get("/login/", secure=True)["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains"
    )
    assert "Strict-Transport-Security" not in client.get("/login/")  # never over plain HTTP

    settings.SECURE_HSTS_PRELOAD = True
    # A new client: SecurityMiddleware reads its settings when the handler is built.
    assert Client().get("/login/", secure=True)["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )


@override_settings(SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True)
def test_secure_cookies_are_marked_secure(client, beheerder):
    login = client.get("/login/", secure=True)
    assert login.cookies["csrftoken"]["secure"] is True

    # Both names of the e-mail field DESIGN.md allows, so the test does not care which form answers.
    credentials = {"username": "beheerder@example.nl", "login": "beheerder@example.nl", "password": PASSWORD}
    response = client.post("/login/", credentials, secure=True)

    assert response.status_code == 302
    assert response.cookies["sessionid"]["secure"] is True
