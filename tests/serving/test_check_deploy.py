"""`manage.py check --deploy --fail-level WARNING` is clean with the documented production settings
(deploy/licentieportaal.env.example, README "Production"), and is not without them."""

from .conftest import PRODUCTION_LIKE_KEY, ROOT, manage

DOCUMENTED = ROOT / "deploy" / "licentieportaal.env.example"


def documented_settings() -> dict[str, str]:
    lines = (line.strip() for line in DOCUMENTED.read_text().splitlines())
    pairs = (line.split("=", 1) for line in lines if line and not line.startswith("#"))
    values = dict(pairs)
    # The documented hosts need not exist for the checks; a database the check can open does.
    return {**values, "SECRET_KEY": PRODUCTION_LIKE_KEY, "DATABASE_URL": "sqlite:///:memory:"}


def test_the_documented_production_settings_pass_check_deploy():
    values = documented_settings()
    assert values["DEBUG"] == "false" and values["SECURE"] == "true"

    done = manage("check", "--deploy", "--fail-level", "WARNING", **values)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues (1 silenced)." in done.stdout  # security.W021: no preload


def test_without_secure_check_deploy_fails():
    values = {**documented_settings(), "SECURE": "false"}

    done = manage("check", "--deploy", "--fail-level", "WARNING", **values)

    assert done.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in done.stderr + done.stdout
