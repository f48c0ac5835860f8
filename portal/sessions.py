"""How long a login lasts: an idle timeout and an absolute lifetime per session.

A session ends `SESSION_IDLE_TIMEOUT` seconds (default 30 minutes) after its last request and
`SESSION_ABSOLUTE_LIFETIME` seconds (default 12 hours) after its login, whatever happened in between
(portal.middleware.SessionTimeoutMiddleware logs it out). Both moments are kept in the session itself
as Unix times, so every worker and the usersessions list agree on them.
"""

import time

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase

STARTED = "portal_session_started"
SEEN = "portal_session_seen"
# The last request's time is written at most once a minute: a page's every request writing the session
# would cost a database write each. The idle timeout is exact to within this.
TOUCH_EVERY = 60

IDLE = "idle"
ABSOLUTE = "absolute"


def start(session: SessionBase) -> None:
    """Stamp a session at login (portal.receivers): its lifetime starts now."""
    now = int(time.time())
    session[STARTED] = now
    session[SEEN] = now


def expiry(session: SessionBase) -> str | None:
    """Why the session has ended (IDLE or ABSOLUTE), or None while it lasts.

    A session without the stamps (one logged in before they existed) starts its lifetime now.
    """
    started, seen = session.get(STARTED), session.get(SEEN)
    if not isinstance(started, int) or not isinstance(seen, int):
        start(session)
        return None
    now = time.time()
    if now - started >= settings.SESSION_ABSOLUTE_LIFETIME:
        return ABSOLUTE
    if now - seen >= settings.SESSION_IDLE_TIMEOUT:
        return IDLE
    return None


def touch(session: SessionBase) -> None:
    """Note a request of a lasting session (written when the last note is a minute old)."""
    now = int(time.time())
    if now - session.get(SEEN, 0) >= TOUCH_EVERY:
        session[SEEN] = now
