"""The portal as production runs it: collectstatic into a scratch STATIC_ROOT, then gunicorn with the
repository's config (deploy/gunicorn.conf.py) and DEBUG off on a free port, against the test database.
A page, its stylesheet (hashed name, compressed variant, cached for good) and the health endpoints."""

import re
import subprocess
import sys
import time
from http.client import HTTPConnection

import pytest
from django.utils import timezone

from benchmarks.server import database_url, free_port
from tests.factories import RefreshRunFactory

from .conftest import PRODUCTION_LIKE_KEY, ROOT, manage, production_env

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
START_TIMEOUT = 60


def get(port: int, path: str, **headers: str):
    connection = HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers={"Host": "127.0.0.1", **headers})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


@pytest.fixture
def served(tmp_path):
    """gunicorn serving the portal; yields (port, access log path)."""
    port, access_log = free_port(), tmp_path / "access.log"
    env = {
        "SECRET_KEY": PRODUCTION_LIKE_KEY,
        "DATABASE_URL": database_url(),
        "STATIC_ROOT": str(tmp_path / "static"),
        "ALLOWED_HOSTS": "127.0.0.1",
        # Tasks in-process, so readiness asks for no Celery worker; Redis is still checked.
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "2",
        "GUNICORN_ACCESS_LOG": str(access_log),
        "GUNICORN_GRACEFUL_TIMEOUT": "5",
    }
    collected = manage("collectstatic", "--noinput", "-v", "0", **env)
    assert collected.returncode == 0, collected.stderr
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(CONFIG), "portal.wsgi:application"],
        cwd=ROOT,
        env=production_env(**env),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                get(port, "/health/live/")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    pytest.fail(f"gunicorn did not start: {process.communicate()[1][-3000:]}")
                time.sleep(0.3)
        yield port, access_log
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_a_page_its_hashed_compressed_stylesheet_and_the_health_endpoints(served):
    RefreshRunFactory(finished_at=timezone.now())
    port, access_log = served

    page, html = get(port, "/login/")
    assert page.status == 200
    assert page.getheader("Content-Security-Policy")
    [stylesheet] = re.findall(r'href="(/static/portal\.[0-9a-f]{12}\.css)"', html.decode())

    css, body = get(port, stylesheet, **{"Accept-Encoding": "gzip"})
    assert css.status == 200
    assert css.getheader("Content-Type").startswith("text/css")
    assert css.getheader("Content-Encoding") == "gzip"
    assert "immutable" in css.getheader("Cache-Control")
    plain, text = get(port, stylesheet)
    assert plain.getheader("Content-Encoding") is None
    assert b"--brand" in text and len(body) < len(text)

    live, _ = get(port, "/health/live/", Accept="application/json")
    assert live.status == 200
    ready, checks = get(port, "/health/ready/?format=json")
    assert ready.status == 200, checks
    assert b'"NightlyRun()": "OK"' in checks and b"Redis(" in checks

    assert f'"GET {stylesheet} HTTP/1.1" 200' in access_log.read_text()


def test_the_config_reads_its_environment():
    env = production_env(
        SECRET_KEY=PRODUCTION_LIKE_KEY,
        GUNICORN_WORKERS="3",
        GUNICORN_THREADS="8",
        GUNICORN_TIMEOUT="90",
        GUNICORN_GRACEFUL_TIMEOUT="20",
        GUNICORN_MAX_REQUESTS="500",
        GUNICORN_MAX_REQUESTS_JITTER="50",
        GUNICORN_BIND="0.0.0.0:9000",
    )
    done = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--print-config", "-c", str(CONFIG), "portal.wsgi:application"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    config = dict(re.findall(r"^(\w+)\s+= (.*)$", done.stdout, re.M))

    assert done.returncode == 0, done.stderr
    assert config["workers"] == "3" and config["threads"] == "8" and config["worker_class"] == "gthread"
    assert config["timeout"] == "90" and config["graceful_timeout"] == "20"
    assert config["max_requests"] == "500" and config["max_requests_jitter"] == "50"
    assert config["bind"] == "['0.0.0.0:9000']"
    assert config["accesslog"] == "-"
    # Only Django decides what counts as HTTPS (TRUST_X_FORWARDED_PROTO).
    assert config["secure_scheme_headers"] == "{}"
