"""Rate limits per API key: at most `API_RATE_LIMIT` requests per `API_RATE_WINDOW` seconds.

The limiters themselves are the tenancy core's (portal/ratelimit.py: one atomic Lua script per
request in Redis, an in-process limiter without it); this module holds the API's configuration and
its prefix in Redis.
"""

from typing import Any

from portal import ratelimit as core
from portal.ratelimit import Decision, LocalRateLimiter, RateLimiter, RedisRateLimiter

__all__ = [
    "DEFAULT_LIMIT",
    "DEFAULT_PREFIX",
    "DEFAULT_WINDOW",
    "Decision",
    "LocalRateLimiter",
    "RateLimiter",
    "RedisRateLimiter",
    "get_limiter",
    "limiter_for",
    "reset_limiters",
]

DEFAULT_LIMIT = 120
DEFAULT_WINDOW = 60
DEFAULT_PREFIX = "licentieportaal:ratelimit:"


def limiter_for(settings: Any) -> RateLimiter:
    """A new limiter from the settings: Redis at `REDIS_URL` when it is set, else in-process;
    `API_RATE_LIMIT` requests (default 120) per `API_RATE_WINDOW` seconds (default 60)."""
    return core.limiter_for(
        redis_url=getattr(settings, "REDIS_URL", ""),
        limit=getattr(settings, "API_RATE_LIMIT", DEFAULT_LIMIT),
        window=getattr(settings, "API_RATE_WINDOW", DEFAULT_WINDOW),
        prefix=DEFAULT_PREFIX,
    )


def get_limiter() -> RateLimiter:
    """The process's API limiter for the current settings."""
    from django.conf import settings

    return core.shared_limiter(
        limit=getattr(settings, "API_RATE_LIMIT", DEFAULT_LIMIT),
        window=getattr(settings, "API_RATE_WINDOW", DEFAULT_WINDOW),
        prefix=DEFAULT_PREFIX,
    )


def reset_limiters() -> None:
    """Reset and forget the process's limiters, the API's and the portal's (for tests)."""
    core.reset_limiters()
