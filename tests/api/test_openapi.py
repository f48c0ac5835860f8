"""The schema at /api/v1/openapi.json, its committed copy docs/openapi.json, and the docs page."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.views import serve
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from api.v1 import openapi_text

COMMITTED = Path(settings.BASE_DIR) / "docs" / "openapi.json"


def test_the_committed_schema_is_the_codes_schema():
    # Fails when an operation or schema changed without `make openapi` (manage.py export_openapi).
    assert COMMITTED.read_text(encoding="utf-8") == openapi_text()


def test_export_openapi_check_fails_on_a_stale_copy(tmp_path):
    stale = tmp_path / "openapi.json"
    stale.write_text("{}\n")
    with pytest.raises(CommandError, match="differs"):
        call_command("export_openapi", "--check", "--output", str(stale))
    call_command("export_openapi", "--output", str(stale))
    call_command("export_openapi", "--check", "--output", str(stale))
    assert json.loads(stale.read_text())["openapi"] == "3.1.0"


def test_the_schema_is_served_openapi_3_1_without_a_login(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema == json.loads(openapi_text())
    assert schema["openapi"] == "3.1.0"
    operation = schema["paths"]["/api/v1/licentiedata/"]["get"]
    assert operation["security"] == [{"ApiKeyAuth": []}]
    assert schema["components"]["securitySchemes"]["ApiKeyAuth"] == {"type": "http", "scheme": "bearer"}
    assert set(operation["responses"]) == {"200", "400", "401", "403", "429"}
    problem = operation["responses"]["401"]["content"]["application/problem+json"]["schema"]
    assert problem == {"$ref": "#/components/schemas/Problem"}
    assert "Problem" in schema["components"]["schemas"]


def test_the_schema_is_the_same_in_every_language(client, db):
    dutch = client.get("/api/v1/openapi.json").json()
    assert client.get("/api/v1/openapi.json", HTTP_ACCEPT_LANGUAGE="en").json() == dutch


def test_the_docs_page_loads_nothing_from_another_site(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200  # no login redirect
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, "the page references its scripts and styles"
    assert [asset for asset in assets if re.match(r"(https?:)?//", asset)] == []
    assert "cdn" not in html.lower()
    assert '"validatorUrl": null' in html  # Swagger UI would otherwise call validator.swagger.io
    for asset in assets:
        assert asset.startswith(settings.STATIC_URL) or asset.startswith("/" + settings.STATIC_URL)
        # ...and the static files are there to be served (by runserver without collectstatic too).
        assert finders.find(asset.split(settings.STATIC_URL, 1)[1]) is not None


def test_the_docs_static_files_are_served_by_the_development_server(client, db, settings):
    settings.DEBUG = True
    response = serve(RequestFactory().get("/static/ninja/swagger-ui-bundle.js"), "ninja/swagger-ui-bundle.js")
    assert response.status_code == 200


def test_every_operation_documents_the_400_any_request_can_get(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert "400" in operation["responses"], f"{method.upper()} {path}"
    # ...which the NUL guard answers before any operation, whatever the path.
    response = client.get("/api/v1/licentiedata/", {"q": "\x00"})
    assert response.status_code == 400
    assert response.json()["status"] == 400
