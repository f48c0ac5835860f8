"""Pages the other browser tests do not open, under the Content-Security-Policy in a real browser: the
back office, an error page, the health page. The conftest fails any browser test whose pages report a
violation; the first test shows that it would."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_inline_script_is_refused_and_the_violation_is_caught(browser, page, live_server):
    page.goto(f"{live_server.url}/login/")

    ran = page.evaluate(
        """() => { window.ran = false; const s = document.createElement("script");
                   s.textContent = "window.ran = true"; document.body.append(s); return window.ran; }"""
    )
    page.wait_for_timeout(200)

    assert ran is False
    caught, browser.violations = browser.violations, []
    assert len(caught) == 1 and "script-src 'self'" in caught[0]


def log_in(page, live_server, user) -> None:
    """A session made by Django's test client and handed to the browser (whatever the login form is)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


@pytest.mark.parametrize(
    "path",
    ["/admin/", "/admin/portal/customer/", "/admin/portal/customer/add/", "/admin/monitoring/refreshrun/"],
)
def test_the_back_office_works_under_the_policy(page, live_server, path):
    log_in(
        page, live_server, get_user_model().objects.create_superuser("staff@example.nl", "staff@example.nl")
    )

    response = page.goto(f"{live_server.url}{path}")

    assert response.status == 200
    assert page.locator("#site-name").is_visible()


def test_the_error_and_health_pages_work_under_the_policy(page, live_server, beheerder):
    assert page.goto(f"{live_server.url}/admin/login/").status == 200
    assert page.goto(f"{live_server.url}/health/ready/").status in (200, 500)  # no nightly run: 500
    assert page.locator("table").is_visible()

    log_in(page, live_server, beheerder.user)
    assert page.goto(f"{live_server.url}/licentiedata/regel/999999999/").status == 404
    assert page.locator(".site-header").is_visible()
