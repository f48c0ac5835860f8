"""`manage.py check_services`: do the configured database and Redis answer, before tests or bench."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from portal.management.commands import check_services

pytestmark = pytest.mark.django_db


def run() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("check_services", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_reports_the_database_and_redis(settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"

    out, err = run()

    assert out.strip() == "database (postgresql) ok, redis ok"
    assert err in ("", check_services.AUTOVACUUM_OFF + "\n")  # as this server is configured


def test_it_fails_clearly_when_redis_does_not_answer(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    with pytest.raises(CommandError, match=r"Redis does not answer at redis://127.0.0.1:1/0 .*Start Redis"):
        run()


def test_it_warns_when_autovacuum_is_off(monkeypatch):
    monkeypatch.setattr(check_services, "autovacuum_is_on", lambda: False)

    out, err = run()

    assert out.startswith("database (postgresql) ok")
    assert err.strip() == check_services.AUTOVACUUM_OFF
