"""Processes a benchmark starts against the configured database: the URL they are given, and a gunicorn
serving the portal on a free local port for as long as a `with` block runs."""

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from http.client import HTTPConnection
from urllib.parse import quote

from django.db import connection

WORKERS = 2
# gthread workers keep connections alive (the sync worker closes each one after its answer), so the
# load generator's clients each hold one connection, as an integration's HTTP client would.
WORKER_CLASS = "gthread"
THREADS = 4
START_TIMEOUT = 60
STOP_TIMEOUT = 30
NOT_STARTED = "gunicorn did not answer on {address} within {seconds}s (exit status {status})"


def database_url() -> str:
    """The database this command uses (under pytest, the test database), for the processes it starts."""
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{quote(db['USER'])}{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(port: int) -> bool:
    try:
        conn = HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/api/v1/openapi.json")
        conn.getresponse().read()
        conn.close()
        return True
    except OSError:
        return False


@contextmanager
def gunicorn(*, env: dict[str, str]):
    """The portal under gunicorn (WORKERS workers) on 127.0.0.1 and a free port, with the settings of
    this process plus `env`; yields the port once it answers, stops it when the block ends however."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi:application",
            "--workers",
            str(WORKERS),
            "--worker-class",
            WORKER_CLASS,
            "--threads",
            str(THREADS),
            "--keep-alive",
            "30",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        env={**os.environ, "DATABASE_URL": database_url(), "DEBUG": "false", **env},
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _answers(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    NOT_STARTED.format(
                        address=f"127.0.0.1:{port}", seconds=START_TIMEOUT, status=process.poll()
                    )
                )
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
