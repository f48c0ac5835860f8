"""`manage.py bench_api`: the HTTP API under gunicorn against the command line and against itself.

1. Ingest: one snapshot file per environment, imported (a) by `import_snapshot` of all the files in
   this process (the command itself, through call_command) and (b) pushed with
   `PUT /api/v1/environments/{code}/snapshot/` by concurrent clients. Between the two the environments
   are cleared (data, identities, taken_at) and the tables vacuumed, so both do the same work.
2. Latency: p95 of `GET /api/v1/licentiedata/` against the authenticated no-op `GET /api/v1/ping`,
   the same number of requests each after a warm-up, by concurrent keep-alive clients.

Progress goes to stderr, figures to stdout; the last line sums both ratios up.
"""

import os
import tempfile
import time
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from benchmarks import api_data, api_load, server
from benchmarks.dataset import require_postgresql
from benchmarks.guard import add_allow_other_customers, refuse_other_customers

# bench_refresh's default: the default run (2,000 environments, ~80,000 user rows, 23 MiB of snapshots)
# takes about 80 s on 2 cores, so nothing had to be scaled down.
DEFAULT_USERS_PER_ENVIRONMENT = 40.0
# The rate limit of the bench's server: high enough that the limiter counts but never refuses.
RATE_LIMIT = 10**9
# The server runs as README's "Production" has it: each worker thread keeps its database connection
# (checked before reuse) instead of opening one per request.
SERVER_SETTINGS = {"CONN_MAX_AGE": "60", "CONN_HEALTH_CHECKS": "true"}
FAILED = "{count} of {total} requests to {what} failed; the first: {status} {detail}"
ROWS_DIFFER = "the API imported {api} but the command {command}"


class Command(BaseCommand):
    help = (
        "Times snapshots pushed to the HTTP API (gunicorn, 2 workers) by concurrent clients against "
        "import_snapshot of the same files in one process, and the p95 latency of GET licentiedata/ "
        "against an authenticated no-op, on bench customers of its own (80000-88999)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--environments", type=int, default=2000)
        parser.add_argument("--users-per-environment", type=float, default=DEFAULT_USERS_PER_ENVIRONMENT)
        parser.add_argument("--push-clients", type=int, default=16, help="concurrent snapshot pushers")
        parser.add_argument("--read-clients", type=int, default=50, help="concurrent readers")
        parser.add_argument(
            "--requests", type=int, default=2000, help="measured requests per endpoint (after a warm-up)"
        )
        parser.add_argument("--keep", action="store_true", help="leave the bench data in the database")
        add_allow_other_customers(parser)

    def handle(
        self,
        *args,
        environments,
        users_per_environment,
        push_clients,
        read_clients,
        requests,
        keep,
        allow_other_customers,
        **options,
    ):
        if environments < 1 or users_per_environment < 1 or min(push_clients, read_clients, requests) < 1:
            raise CommandError(
                "--environments, --users-per-environment, --push-clients, --read-clients and "
                "--requests must be >= 1."
            )
        try:
            require_postgresql()
        except RuntimeError as exc:
            raise CommandError(str(exc).replace("bench_refresh", "bench_api")) from None
        refuse_other_customers(
            command="bench_api",
            first=api_data.API_NUMBERS[0],
            last=api_data.API_NUMBERS[1],
            allowed=allow_other_customers,
        )
        shapes = api_data.plan(environments=environments, users_per_environment=users_per_environment)
        try:
            api_data.check_numbers_free(shapes)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from None
        api_data.delete_all()
        try:
            with tempfile.TemporaryDirectory(prefix="bench_api-") as directory:
                summary = self._measure(shapes, Path(directory), push_clients, read_clients, requests)
        finally:
            if not keep:
                self._progress("removing the bench data")
                api_data.delete_all()
        self.stdout.write(summary)

    def _progress(self, text: str) -> None:
        self.stderr.write(text)

    def _measure(self, shapes, directory: Path, push_clients: int, read_clients: int, requests: int) -> str:
        started = time.monotonic()
        customers = len({shape.number for shape in shapes})
        self._progress(f"creating {customers:,} customers, {len(shapes):,} environments and their tokens")
        tokens = api_data.create(shapes=shapes)
        paths, size = api_data.write_files(shapes=shapes, directory=directory)
        users = sum(shape.users for shape in shapes)
        self.stdout.write(
            f"cores: {os.cpu_count()}; data: {customers:,} customers, {len(shapes):,} environments, "
            f"{users:,} users, {sum(s.employees for s in shapes):,} employees; "
            f"{len(paths):,} snapshot files, {size / 2**20:.1f} MiB "
            f"(made in {time.monotonic() - started:.1f}s)"
        )

        api_data.vacuum()
        self._progress(f"(a) import_snapshot of {len(paths):,} files in this process")
        command_started = time.perf_counter()
        call_command("import_snapshot", *(str(path) for path in paths), stdout=StringIO())
        command_seconds = time.perf_counter() - command_started
        command_rows = api_data.imported_rows()
        self.stdout.write(f"ingest, import_snapshot in one process: {command_seconds:.2f}s, {command_rows}")
        secret = api_data.create_key(shapes=shapes)

        api_data.clear_imported()
        api_data.vacuum()
        pushes = [
            api_load.Push(code=path.stem, body=path.read_bytes(), token=tokens[path.stem])
            for path in sorted(paths, key=lambda p: p.stem)
        ]
        env = {"API_RATE_LIMIT": str(RATE_LIMIT), **SERVER_SETTINGS}
        self._progress(f"starting gunicorn ({server.WORKERS} workers, {server.WORKER_CLASS})")
        try:
            with server.gunicorn(env=env) as port:
                self._progress(
                    f"(b) PUT of {len(pushes):,} snapshots by {push_clients} clients on port {port}"
                )
                api_seconds, failures = api_load.push_snapshots(
                    port=port, pushes=pushes, clients=push_clients
                )
                self._check(failures, len(pushes), "PUT environments/{code}/snapshot/")
                api_rows = api_data.imported_rows()
                if api_rows != command_rows:
                    raise CommandError(ROWS_DIFFER.format(api=api_rows, command=command_rows))
                self.stdout.write(
                    f"ingest, PUT snapshot by {push_clients} clients: {api_seconds:.2f}s, "
                    f"{len(pushes) / api_seconds:.0f} snapshots/s"
                )
                timings = self._latencies(port, secret, read_clients, requests)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from None
        (data_p95, data_median), (ping_p95, ping_median) = timings
        self.stdout.write(
            f"server: gunicorn {server.WORKERS} workers ({server.WORKER_CLASS}, {server.THREADS} threads "
            f"each), CONN_MAX_AGE {SERVER_SETTINGS['CONN_MAX_AGE']}"
        )
        return (
            f"api: ingest api {api_seconds:.2f}s, command {command_seconds:.2f}s, "
            f"ratio {api_seconds / command_seconds:.2f}; licentiedata p95 {data_p95 * 1000:.1f}ms, "
            f"no-op p95 {ping_p95 * 1000:.1f}ms, ratio {data_p95 / ping_p95:.2f}"
        )

    def _latencies(self, port: int, secret: str, clients: int, requests: int):
        paths = {"licentiedata": "/api/v1/licentiedata/", "no-op": "/api/v1/ping"}
        warm_up = max(clients, requests // 10)
        self._progress(f"warming up: {warm_up} requests to each endpoint")
        for path in paths.values():
            _seconds, failures = api_load.latencies(
                port=port, path=path, secret=secret, requests=warm_up, clients=clients
            )
            self._check(failures, warm_up, path)
        timings = []
        for name, path in paths.items():
            self._progress(f"GET {path}: {requests} requests by {clients} clients")
            seconds, failures = api_load.latencies(
                port=port, path=path, secret=secret, requests=requests, clients=clients
            )
            self._check(failures, requests, path)
            p95, median = api_load.p95(seconds), sorted(seconds)[len(seconds) // 2]
            self.stdout.write(
                f"latency, GET {path} by {clients} clients: p95 {p95 * 1000:.1f}ms, "
                f"median {median * 1000:.1f}ms ({name}, {requests} requests)"
            )
            timings.append((p95, median))
        return timings

    def _check(self, failures: list[api_load.Failure], total: int, what: str) -> None:
        if failures:
            first = failures[0]
            raise CommandError(
                FAILED.format(
                    count=len(failures), total=total, what=what, status=first.status, detail=first.detail
                )
            )
