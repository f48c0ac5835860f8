"""The API's docs page renders in a real browser with no network but the portal itself: Swagger UI from
ninja's own static files, no CDN."""

from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_docs_page_renders_every_operation_offline(page, live_server):
    own = urlsplit(live_server.url).netloc
    elsewhere = []

    def only_the_portal(route):
        if urlsplit(route.request.url).netloc == own:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_portal)
    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector(".swagger-ui .opblock")
    operations = page.locator(".swagger-ui .opblock").count()
    assert operations >= 6  # licentiedata, usage, quantity, mutations, warnings, snapshot
    assert "Licentieportaal" in page.locator(".swagger-ui .info").inner_text()
    assert elsewhere == []
