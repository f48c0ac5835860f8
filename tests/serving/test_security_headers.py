"""The Content-Security-Policy and Permissions-Policy headers on every kind of answer: portal pages,
error pages, the back office, the API docs, the API's JSON and its problem documents, static files and
the health endpoints."""

import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db

EXPECTED_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def directives(header: str) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return dict(parts)


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_superuser("staff@example.nl", "staff@example.nl", "pw-staff-1")


PAGES = {
    "login page": ("anonymous", "/login/", 200),
    "portal page": ("beheerder", "/licentiedata/", 200),
    "dashboard": ("beheerder", "/", 200),
    "404 page": ("beheerder", "/licentiedata/regel/999999999/", 404),
    "403 page": ("medewerker", "/licentieaanvragen/nieuw/", 403),
    # The back office logs in through the portal's /login/ (allauth's secure_admin_login): a redirect.
    "back office login": ("anonymous", "/admin/login/", 302),
    "back office": ("staff", "/admin/", 200),
    "API docs": ("anonymous", "/api/v1/docs", 200),
    "API JSON": ("anonymous", "/api/v1/openapi.json", 200),
    "API problem": ("anonymous", "/api/v1/licentiedata/", 401),
    "API unknown URL": ("anonymous", "/api/v1/nothing-here/", 404),
    "static file": ("anonymous", "/static/portal.css", 200),
    "health": ("anonymous", "/health/live/", 200),
}


@pytest.mark.parametrize("kind", PAGES)
def test_every_kind_of_answer_carries_both_policies(kind, client, beheerder, medewerker, staff):
    who, path, status = PAGES[kind]
    users = {"beheerder": beheerder.user, "medewerker": medewerker.user, "staff": staff}
    if who in users:
        client.force_login(users[who])

    response = client.get(path)

    assert response.status_code == status, kind
    csp = response["Content-Security-Policy"]
    assert directives(csp) == EXPECTED_CSP
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    policy = response["Permissions-Policy"]
    assert "camera=()" in policy and "geolocation=()" in policy and "microphone=()" in policy
    assert "publickey-credentials-get=(self)" in policy


@pytest.mark.urls("tests.serving.failing_urls")
def test_the_500_page_carries_both_policies_too(client):
    client.raise_request_exception = False

    response = client.get("/kapot/")

    assert response.status_code == 500
    assert "Er ging iets mis" in response.content.decode()
    assert directives(response["Content-Security-Policy"]) == EXPECTED_CSP
    assert "camera=()" in response["Permissions-Policy"]
