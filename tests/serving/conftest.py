"""Helpers for the serving tests that start processes on portal/settings.py itself (not tests/settings.py),
so they see exactly what production reads from its environment."""

import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
# Long and varied enough for check --deploy (security.W009), and plainly not a real one.
PRODUCTION_LIKE_KEY = "serving-tests-only-" + "k3y-0f-f1fty-ch4rs-" * 3


def production_env(**overrides: str | None) -> dict[str, str]:
    """This process's environment with portal/settings.py as the settings, DEBUG off, and `overrides`
    (None removes a variable)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", "DEBUG": "false"}
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def manage(*args: str, **env: str | None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=production_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def settings_of(*names: str, **env: str | None) -> dict:
    """The named settings as portal/settings.py makes them from `env`: the file run afresh (not Django's
    configured settings), with this environment only while it runs; JSON-shaped (tuples as lists)."""
    saved = dict(os.environ)
    try:
        os.environ.clear()
        os.environ.update(production_env(**env))
        values = runpy.run_path(str(ROOT / "portal" / "settings.py"))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return json.loads(json.dumps({name: values[name] for name in names}))
