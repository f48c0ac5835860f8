"""`create_api_key` and `create_environment_token`: the key alone on the last line, and it works."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from api import keys
from api.models import ApiKey, EnvironmentToken
from tests.api.conftest import bearer
from tests.factories import EnvironmentFactory


def run(*args) -> str:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue()


def test_create_api_key_prints_the_key_alone_on_the_last_line_and_it_works(client, customer_a):
    output = run("create_api_key", "12345", "--name", "Power BI", "--scope", "licentiedata:read")
    secret = output.splitlines()[-1]
    assert keys.kind_of(secret) == keys.API_KEY
    api_key = ApiKey.objects.get()
    assert (api_key.customer, api_key.name, api_key.scopes) == (customer_a, "Power BI", ["licentiedata:read"])
    assert api_key.created_by_name == "manage.py create_api_key"
    response = client.get("/api/v1/licentiedata/", **bearer(secret))
    assert response.status_code == 200
    assert response.json()["customer"] == "12345"


def test_create_api_key_takes_several_scopes_and_an_expiry(customer_a):
    day = (timezone.localdate() + timedelta(days=30)).isoformat()
    run("create_api_key", "12345", "--name", "n", "--scope", "warnings:read", "--scope", "licenses:write",
        "--expires", day)  # fmt: skip
    api_key = ApiKey.objects.get()
    assert api_key.scopes == ["licenses:write", "warnings:read"]
    assert timezone.localtime(api_key.expires_at).date().isoformat() > day


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["99999", "--name", "n", "--scope", "licentiedata:read"], "Customer 99999 does not exist."),
        (["12345", "--name", "n", "--scope", "admin"], "Unknown scope 'admin'"),
        (["12345", "--name", "n", "--scope", "warnings:read", "--expires", "31-12-2030"], "YYYY-MM-DD"),
        (["12345", "--name", "n", "--scope", "warnings:read", "--expires", "2001-01-01"], "after today"),
    ],
)
def test_create_api_key_refuses_clearly_and_makes_nothing(customer_a, args, message):
    with pytest.raises(CommandError, match=message):
        run("create_api_key", *args)
    assert not ApiKey.objects.exists()


def test_create_environment_token_prints_the_token_on_the_last_line(customer_a):
    environment = EnvironmentFactory(customer=customer_a)
    secret = run("create_environment_token", environment.code.lower()).splitlines()[-1]
    assert keys.verify_environment_token(secret) == EnvironmentToken.objects.get(environment=environment)


def test_create_environment_token_refuses_an_unknown_environment(db):
    with pytest.raises(CommandError, match="Environment O99999AA does not exist."):
        run("create_environment_token", "O99999AA")
    assert not EnvironmentToken.objects.exists()
