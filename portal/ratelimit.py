"""Rate limits of the tenancy core: at most `limit` hits per `window` seconds and key, in fixed windows.

A window opens at a key's first hit and lasts `window` seconds; within it the first `limit` hits are
allowed and the rest refused with the seconds until it closes (for `Retry-After` or a message).
Used by the HTTP API (per API key, api/ratelimit.py) and the portal (invitations per customer, the
login and password-reset limits), each under a prefix of its own.

With Redis one Lua script per hit does the count: INCR, set the expiry when the key is new, read
the remaining time. A script runs atomically in Redis, so 16 workers hitting one key at once never
admit more than `limit` between them; Django's cache-based throttles read and then write, and do.
Redis keeps the clock (the key's expiry), so the workers' clocks need not agree.

Without Redis (the embedded default: one process) an in-process limiter with the same interface:
a dict under a lock, the windows kept in the order they opened, so the expired ones are dropped from
the front on every call and memory stays bounded by the keys active within one window.
"""

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import redis

# The in-process limiter forgets the oldest windows beyond this many keys (a flood of distinct keys
# cannot grow the process without bound; the keys it forgets only get a fresh budget).
MAX_LOCAL_KEYS = 100_000


@dataclass(frozen=True)
class Decision:
    """The answer for one request. `retry_after`: whole seconds until the key's window closes, at
    least 1 (for the `Retry-After` header of a 429). `remaining`: requests left in this window."""

    allowed: bool
    limit: int
    remaining: int
    retry_after: int


class RateLimiter(Protocol):
    limit: int
    window: float

    def hit(self, key: str) -> Decision:
        """Count one hit of `key` (a stable id, never a secret)."""
        ...

    def reset(self) -> None:
        """Forget every window (for tests: no budget used in one test carries over to the next)."""
        ...


def _check(limit: int, window: float) -> None:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"limit must be a positive integer, not {limit!r}")
    if not window > 0:
        raise ValueError(f"window must be a positive number of seconds, not {window!r}")


def _decision(*, count: int, limit: int, seconds_left: float) -> Decision:
    return Decision(
        allowed=count <= limit,
        limit=limit,
        remaining=max(0, limit - count),
        retry_after=max(1, math.ceil(seconds_left)),
    )


# KEYS[1] the counter, ARGV[1] the window in milliseconds. Returns {count, milliseconds left}.
# The second PEXPIRE covers a counter that lost its expiry (a manual SET, say): it would refuse forever.
_HIT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
return {count, left}
"""


class RedisRateLimiter:
    """The limiter for several processes: one atomic script call per request. A Redis error is raised
    to the caller (Redis is also the broker and the cache: without it the deployment is down anyway)."""

    def __init__(self, client: redis.Redis, *, limit: int, window: float, prefix: str):
        _check(limit, window)
        self.limit = limit
        self.window = window
        self.prefix = prefix
        self._window_ms = max(1, round(window * 1000))
        self._client = client
        self._script = client.register_script(_HIT)

    def hit(self, key: str) -> Decision:
        count, left_ms = self._script(keys=[self.prefix + key], args=[self._window_ms])
        return _decision(count=int(count), limit=self.limit, seconds_left=int(left_ms) / 1000)

    def reset(self) -> None:
        keys = list(self._client.scan_iter(match=self.prefix + "*", count=1000))
        if keys:
            self._client.delete(*keys)


class LocalRateLimiter:
    """The limiter for one process (the embedded default); thread-safe. `clock` is injectable for tests."""

    def __init__(
        self,
        *,
        limit: int,
        window: float,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = MAX_LOCAL_KEYS,
    ):
        _check(limit, window)
        self.limit = limit
        self.window = window
        self._clock = clock
        self._max_keys = max_keys
        self._lock = threading.Lock()
        # key -> [window end, count], in the order the windows opened, which (one window length for
        # all) is the order they close.
        self._windows: OrderedDict[str, list[float | int]] = OrderedDict()

    def hit(self, key: str) -> Decision:
        with self._lock:
            now = self._clock()
            self._drop_expired(now)
            entry = self._windows.get(key)
            if entry is None:
                entry = self._windows[key] = [now + self.window, 0]
                while len(self._windows) > self._max_keys:
                    self._windows.popitem(last=False)
            entry[1] += 1
            return _decision(count=int(entry[1]), limit=self.limit, seconds_left=entry[0] - now)

    def _drop_expired(self, now: float) -> None:
        while self._windows:
            end, _count = next(iter(self._windows.values()))
            if end > now:
                return
            self._windows.popitem(last=False)

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()

    def __len__(self) -> int:
        """The windows held (for the memory bound's tests)."""
        with self._lock:
            return len(self._windows)


def limiter_for(*, redis_url: str, limit: int, window: float, prefix: str) -> RateLimiter:
    """A new limiter: Redis at `redis_url` when it is set, else in-process."""
    if redis_url:
        client = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
        return RedisRateLimiter(client, limit=limit, window=window, prefix=prefix)
    return LocalRateLimiter(limit=limit, window=window)


_limiters: dict[tuple, RateLimiter] = {}
_limiters_lock = threading.Lock()


def shared_limiter(*, limit: int, window: float, prefix: str) -> RateLimiter:
    """The process's limiter for `prefix` under the current settings (one per configuration: the
    in-process one must be shared by every request to count at all; a changed setting in a test gets
    its own)."""
    from django.conf import settings

    config = (getattr(settings, "REDIS_URL", ""), prefix, limit, window)
    with _limiters_lock:
        limiter = _limiters.get(config)
        if limiter is None:
            limiter = _limiters[config] = limiter_for(
                redis_url=config[0], limit=limit, window=window, prefix=prefix
            )
        return limiter


def reset_limiters() -> None:
    """Reset and forget the process's limiters (for tests; a Redis limiter's counters are deleted)."""
    with _limiters_lock:
        limiters = list(_limiters.values())
        _limiters.clear()
    for limiter in limiters:
        limiter.reset()
