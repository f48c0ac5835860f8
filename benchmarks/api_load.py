"""The API benchmark's load generator: threads of the standard library's HTTP client, each holding one
keep-alive connection to the server, taking work from a shared queue until it is empty."""

import queue
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.client import HTTPConnection, HTTPException

TIMEOUT = 120


@dataclass(frozen=True)
class Push:
    """One snapshot to push: its environment's code, the file's bytes (read before the clock starts,
    as an integration holds what it sends) and the environment's token."""

    code: str
    body: bytes
    token: str


@dataclass(frozen=True)
class Failure:
    what: str
    status: int | None
    detail: str


def _run(*, port: int, clients: int, work: queue.Queue, one: Callable, failures: list[Failure]) -> float:
    """Seconds until `clients` threads have done all of `work`, each calling one(connection, item)."""

    def client() -> None:
        connection = HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        try:
            while True:
                try:
                    item = work.get_nowait()
                except queue.Empty:
                    return
                try:
                    one(connection, item)
                except (OSError, HTTPException) as exc:
                    failures.append(Failure(str(item), None, repr(exc)))
                    connection.close()  # the next request opens a new connection
        finally:
            connection.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def push_snapshots(*, port: int, pushes: list[Push], clients: int) -> tuple[float, list[Failure]]:
    """Every snapshot PUT to its environment's address with its token; wall seconds and the failures."""
    work: queue.Queue = queue.Queue()
    for push in pushes:
        work.put(push)
    failures: list[Failure] = []

    def one(connection: HTTPConnection, push: Push) -> None:
        connection.request(
            "PUT",
            f"/api/v1/environments/{push.code}/snapshot/",
            body=push.body,
            headers={"Authorization": f"Bearer {push.token}", "Content-Type": "application/json"},
        )
        response = connection.getresponse()
        answer = response.read()
        if response.status != 200:
            failures.append(Failure(push.code, response.status, answer[:500].decode(errors="replace")))

    return _run(port=port, clients=clients, work=work, one=one, failures=failures), failures


def latencies(
    *,
    port: int,
    path: str,
    secret: str = "",
    requests: int,
    clients: int,
    headers: dict[str, str] | None = None,
    deadline: float | None = None,
) -> tuple[list[float], list[Failure]]:
    """`requests` GETs of `path` with the key (or with `headers`), by `clients` threads; each one's
    seconds, and failures. With `deadline` (time.monotonic()) no request starts after it."""
    work: queue.Queue = queue.Queue()
    for number in range(requests):
        work.put(number)
    seconds: list[float] = []
    failures: list[Failure] = []
    headers = headers or {"Authorization": f"Bearer {secret}"}

    def one(connection: HTTPConnection, _number: int) -> None:
        if deadline is not None and time.monotonic() > deadline:
            return
        started = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        answer = response.read()
        seconds.append(time.perf_counter() - started)
        if response.status != 200:
            failures.append(Failure(path, response.status, answer[:500].decode(errors="replace")))

    _run(port=port, clients=clients, work=work, one=one, failures=failures)
    return seconds, failures


def p95(seconds: list[float]) -> float:
    """The 95th percentile (statistics.quantiles, exclusive method); the one value if there is one."""
    if len(seconds) < 2:
        return seconds[0]
    return statistics.quantiles(seconds, n=20)[-1]
