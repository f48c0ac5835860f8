"""bench_pages' load generator, run as a process of its own (`python -m benchmarks.page_load`) so that
the clients never share an interpreter with the bench or the server: api_load's keep-alive clients on
127.0.0.1, bounded in count (--requests) and time (--seconds), with a session cookie. It prints one
JSON object: each request's seconds and the failures."""

import argparse
import json
import sys
import time

from benchmarks.api_load import latencies


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.page_load")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--cookie", required=True, help="the Cookie header to send")
    parser.add_argument("--requests", type=int, required=True)
    parser.add_argument("--clients", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True, help="no request starts after this")
    args = parser.parse_args(argv)
    seconds, failures = latencies(
        port=args.port,
        path=args.path,
        requests=args.requests,
        clients=args.clients,
        headers={"Cookie": args.cookie},
        deadline=time.monotonic() + args.seconds,
    )
    json.dump({"seconds": seconds, "failures": [[f.what, f.status, f.detail] for f in failures]}, sys.stdout)


if __name__ == "__main__":
    main()
