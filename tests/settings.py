"""The suite's settings: portal/settings.py as production reads it, plus what only a test run may have.

- A test-only SECRET_KEY when none is set. It goes into the environment, so the processes the tests start
  (gunicorn, a Celery worker, manage.py) get it too; a key is never a default in portal/settings.py.
- The plain static storage: pytest-django runs with DEBUG off, which would pick the manifest storage, and
  tests render pages without a collectstatic first (tests/serving/test_gunicorn.py runs the real one).
"""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret-" + "x" * 40)

from portal.settings import *  # noqa: E402, F403
from portal.settings import STORAGES  # noqa: E402

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
# whitenoise looks files up in static/ (as under DEBUG) instead of a STATIC_ROOT the tests never fill.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
