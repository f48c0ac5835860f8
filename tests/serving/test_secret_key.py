"""Without SECRET_KEY and with DEBUG off the portal refuses to start, naming the setting, and never signs
with the key from the repository; DEBUG (`make run`) alone gets the development key."""

import pytest

from .conftest import PRODUCTION_LIKE_KEY, ROOT, manage, settings_of

DEVELOPMENT_KEY = "django-insecure-dev-only-licentieportaal"


@pytest.mark.parametrize("key", ["", None], ids=["empty", "unset"])
def test_it_refuses_to_start_without_a_key(key):
    if key is None and (ROOT / ".env").exists():
        pytest.skip(".env may set SECRET_KEY; the empty value covers the refusal")

    done = manage("check", SECRET_KEY=key)

    assert done.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured: SECRET_KEY is not set." in done.stderr
    assert "DEBUG=true" in done.stderr
    assert "System check" not in done.stdout


def test_a_wsgi_server_gets_the_same_refusal():
    done = manage("shell", "-c", "import portal.wsgi", SECRET_KEY="")

    assert done.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set." in done.stderr


def test_debug_alone_starts_with_the_development_key():
    assert settings_of("SECRET_KEY", SECRET_KEY="", DEBUG="true") == {"SECRET_KEY": DEVELOPMENT_KEY}


def test_a_given_key_is_used_as_it_is():
    assert settings_of("SECRET_KEY", SECRET_KEY=PRODUCTION_LIKE_KEY) == {"SECRET_KEY": PRODUCTION_LIKE_KEY}
    assert settings_of("SECRET_KEY", SECRET_KEY=PRODUCTION_LIKE_KEY, DEBUG="true") == {
        "SECRET_KEY": PRODUCTION_LIKE_KEY
    }


def test_the_suite_runs_on_its_own_test_only_key(settings):
    assert settings.SECRET_KEY != DEVELOPMENT_KEY
    assert "not-a-secret" in settings.SECRET_KEY
