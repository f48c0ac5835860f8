"""`manage.py bench_pages`: every portal page against an authenticated no-op view of the same server.

Builds issue 14's customer (six snapshots of 5,000 users: 8,000 unique users, 30,000 user rows) and one
`--scale` times its size, through the snapshot import; starts gunicorn (2 workers, bench_api's server)
with the no-op view added (benchmarks.pages_settings); and measures each page and the no-op with a load
generator in a second process (benchmarks.page_load): the p50 of one client, the p95 of 50 concurrent
clients, the page taking turns (a few requests each) with the no-op and with the larger customer's same
page, so that the machine's changing load weighs on a page and its yardsticks alike. One line per page
with both and their ratios to the no-op measured beside it, and the larger customer's times against the
smaller's; the last line gives the worst of each. The database is analysed after the build,
as autovacuum would soon after such imports.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.urls import reverse

from benchmarks import api_load, pages_data, server
from benchmarks.dataset import require_postgresql
from benchmarks.guard import add_allow_other_customers, refuse_other_customers
from benchmarks.pages_urls import NO_OP_PATH

SETTINGS = "benchmarks.pages_settings"
FAILED = "{count} of {total} requests to {what} failed; the first: {status} {detail}"
LOAD_TIMEOUT_MARGIN = 60
# The smaller and the larger customer take turns in this many rounds per page (one client, then many).
ROUNDS, CONCURRENT_ROUNDS = 4, 2


def portal_pages(customer: pages_data.BenchCustomer) -> list[tuple[str, str]]:
    """(name, path) of every portal page a Beheerder reads (GET), for this customer's ids."""
    line, identity = customer.line_id, customer.identity_id
    return [
        ("dashboard", reverse("dashboard")),
        ("licentiedata", reverse("licensing:overview")),
        ("line", reverse("licensing:line_detail", args=[line])),
        ("line change", reverse("licensing:line_change", args=[line])),
        ("mutations", reverse("licensing:mutations")),
        ("requests", reverse("licensing:requests")),
        ("request new", reverse("licensing:request_new")),
        ("analysis", reverse("licensing:analysis")),
        ("warnings", reverse("licensing:warnings")),
        ("signals", reverse("licensing:signals")),
        ("users", reverse("licensing:maintenance")),
        ("employees", reverse("licensing:maintenance_employees")),
        ("cleanup", reverse("licensing:maintenance_cleanup")),
        ("block log", reverse("licensing:maintenance_log")),
        ("user", reverse("licensing:maintenance_user", args=[identity])),
        ("contacts", reverse("portal:contacts")),
        ("api keys", reverse("apikeys:list")),
        ("four eyes", reverse("licensing:four_eyes")),
        ("pending", reverse("licensing:pending_changes")),
        ("security log", reverse("portal:security_log")),
    ]


def median(seconds: list[float]) -> float:
    return statistics.median(seconds)


class Command(BaseCommand):
    help = (
        "Times every portal page (gunicorn, 2 workers) against an authenticated no-op view, p50 with one "
        "client and p95 with 50, for issue 14's customer and one --scale times larger (79998, 79999)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--users-per-snapshot", type=int, default=5000)
        parser.add_argument("--unique-users", type=int, default=8000)
        parser.add_argument("--scale", type=int, default=10, help="the larger customer, times the first")
        parser.add_argument("--requests", type=int, default=40, help="per page with one client")
        parser.add_argument("--concurrent-requests", type=int, default=200, help="per page with --clients")
        parser.add_argument("--clients", type=int, default=50)
        parser.add_argument("--seconds", type=float, default=60.0, help="time bound of each measurement")
        parser.add_argument("--keep", action="store_true", help="leave the bench data in the database")
        add_allow_other_customers(parser)

    def handle(self, *args, keep, allow_other_customers, **options):
        if min(options["users_per_snapshot"], options["unique_users"], options["scale"]) < 1:
            raise CommandError("--users-per-snapshot, --unique-users and --scale must be >= 1.")
        if min(options["requests"], options["concurrent_requests"], options["clients"]) < 1:
            raise CommandError("--requests, --concurrent-requests and --clients must be >= 1.")
        try:
            require_postgresql()
        except RuntimeError as exc:
            raise CommandError(str(exc).replace("bench_refresh", "bench_pages")) from None
        refuse_other_customers(
            command="bench_pages",
            first=pages_data.PAGES_NUMBERS[0],
            last=pages_data.PAGES_NUMBERS[1],
            allowed=allow_other_customers,
        )
        try:
            pages_data.check_numbers_free()
        except RuntimeError as exc:
            raise CommandError(str(exc)) from None
        pages_data.delete_all()
        try:
            self._run(options)
        finally:
            if not keep:
                self.stderr.write("removing the bench data")
                pages_data.delete_all()

    def _run(self, options) -> None:
        customers = []
        for number, scale in zip(pages_data.PAGES_NUMBERS, (1, options["scale"]), strict=True):
            started = time.monotonic()
            self.stderr.write(f"building customer {number} ({scale}x)")
            customer = pages_data.create(
                number=number,
                users_per_snapshot=options["users_per_snapshot"] * scale,
                unique_users=options["unique_users"] * scale,
            )
            self.stdout.write(
                f"customer {number}: {customer.unique_users:,} unique users, "
                f"{customer.user_rows:,} user rows in 6 environments "
                f"(built in {time.monotonic() - started:.1f}s)"
            )
            customers.append(customer)
        # The statistics autovacuum would gather minutes after such imports: the pages are measured with
        # the plans of a settled database, not of tables PostgreSQL has not seen filled yet.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.stderr.write(f"starting gunicorn ({server.WORKERS} workers, {server.WORKER_CLASS})")
        self.clients = options["clients"]
        self.stdout.write(
            f"server: gunicorn {server.WORKERS} workers ({server.WORKER_CLASS}, {server.THREADS} threads); "
            f"cores: {os.cpu_count()}; per page: {options['requests']} requests by one client, "
            f"{options['concurrent_requests']} by {options['clients']}"
        )
        # The pages' stylesheets as production serves them: collected with hashed names (whitenoise).
        with tempfile.TemporaryDirectory(prefix="bench-pages-static-") as static_root:
            env = {"DJANGO_SETTINGS_MODULE": SETTINGS, "STATIC_ROOT": static_root}
            subprocess.run(
                [
                    sys.executable,
                    str(settings.BASE_DIR / "manage.py"),
                    "collectstatic",
                    "--noinput",
                    "-v",
                    "0",
                ],
                env={**os.environ, **env},
                check=True,
            )
            try:
                with server.gunicorn(env=env) as port:
                    self._measure_all(port, customers, options)
            except RuntimeError as exc:
                raise CommandError(str(exc)) from None

    def _load(self, port: int, customer, path: str, *, requests: int, clients: int, seconds: float):
        """One measurement by the load generator process: each request's seconds."""
        command = [
            sys.executable,
            "-m",
            "benchmarks.page_load",
            "--port",
            str(port),
            "--path",
            path,
            "--cookie",
            f"sessionid={customer.session}",
            "--requests",
            str(requests),
            "--clients",
            str(clients),
            "--seconds",
            str(seconds),
        ]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=seconds + LOAD_TIMEOUT_MARGIN, check=False
        )
        if done.returncode != 0:
            raise CommandError(f"the load generator failed on {path}: {done.stderr[-2000:]}")
        answer = json.loads(done.stdout)
        if answer["failures"] or not answer["seconds"]:
            what, status, detail = (answer["failures"] or [[path, None, "no request finished"]])[0]
            raise CommandError(
                FAILED.format(
                    count=len(answer["failures"]), total=requests, what=what, status=status, detail=detail
                )
            )
        return answer["seconds"]

    def _measure(self, port: int, customers: list, name: str, paths: list[str], options) -> list[tuple]:
        """[(p50 with one client, p95 with the clients)] of one page for each customer, after a warm-up.

        The customers take turns, a few requests each (ROUNDS), so that a change in the machine's load
        during the measurement weighs on both alike: their ratio is what the growth figure compares."""
        clients = options["clients"]
        single = [[] for _ in customers]
        many = [[] for _ in customers]
        for customer, path in zip(customers, paths, strict=True):
            self.stderr.write(f"{customer.number} {name}: {path}")
            self._load(
                port,
                customer,
                path,
                requests=max(2, clients // 5),
                clients=clients,
                seconds=options["seconds"],
            )
        for times, requests, clients_now, rounds in (
            (single, options["requests"], 1, ROUNDS),
            (many, options["concurrent_requests"], clients, CONCURRENT_ROUNDS),
        ):
            for turn in range(rounds):
                # Each round's share of the requests (the first rounds take the remainder).
                share = requests // rounds + (1 if turn < requests % rounds else 0)
                if not share:
                    continue
                for n, (customer, path) in enumerate(zip(customers, paths, strict=True)):
                    times[n] += self._load(
                        port,
                        customer,
                        path,
                        requests=share,
                        clients=min(clients_now, share),
                        seconds=options["seconds"] / rounds,
                    )
        return [(median(one), api_load.p95(all_)) for one, all_ in zip(single, many, strict=True)]

    def _measure_all(self, port: int, customers: list, options) -> None:
        """The no-op and then each page, a line per page as it is done. Each page is measured taking
        turns with the no-op and with the larger customer's same page, and its ratios are to that no-op:
        the machine's load at that moment weighs on the page and its yardstick alike."""
        small, large = customers
        scale = options["scale"]
        no_op_path = "/" + NO_OP_PATH
        pages = [("no-op", no_op_path), *portal_pages(small)]
        large_paths = dict([("no-op", no_op_path), *portal_pages(large)])
        worst, worst_growth = (0.0, ""), (0.0, "")
        for name, path in pages:
            if name == "no-op":
                (p50, p95), (large_p50, large_p95) = self._measure(
                    port, [small, large], name, [path, no_op_path], options
                )
                no_op = (p50, p95)
            else:
                no_op, (p50, p95), (large_p50, large_p95) = self._measure(
                    port, [small, small, large], name, [no_op_path, path, large_paths[name]], options
                )
            ratio_p50, ratio_p95, growth = p50 / no_op[0], p95 / no_op[1], large_p50 / p50
            self.stdout.write(
                f"page {name:<12} {path:<36} p50 {p50 * 1000:7.1f}ms ratio {ratio_p50:5.2f}; "
                f"p95 ({self.clients} clients) {p95 * 1000:7.1f}ms ratio {ratio_p95:5.2f}; "
                f"{scale}x p50 {large_p50 * 1000:7.1f}ms ({growth:.2f} of 1x), p95 {large_p95 * 1000:.1f}ms"
            )
            if name != "no-op":
                worst = max(worst, (ratio_p50, f"{name} p50"), (ratio_p95, f"{name} p95"))
                worst_growth = max(worst_growth, (growth, name))
        self.stdout.write(
            f"pages: worst ratio {worst[0]:.2f} ({worst[1]}), worst {scale}x growth {worst_growth[0]:.2f} "
            f"({worst_growth[1]})"
        )
