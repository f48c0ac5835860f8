"""How long a login lasts: an idle timeout and an absolute lifetime per session.

A session ends `SESSION_IDLE_TIMEOUT` seconds (default 30 minutes) after its last request and
`SESSION_ABSOLUTE_LIFETIME` seconds (default 12 hours) after its login, whatever happened in between
(portal.middleware.SessionTimeoutMiddleware logs it out). Both moments are kept in the session itself
as Unix times, so every worker and the usersessions list agree on them.
"""

import time

from allauth.usersessions.adapter import get_adapter
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.http import HttpRequest

from . import security
from .models import SecurityEventKind

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


def logged_in_within(session: SessionBase, seconds: float) -> bool:
    """Whether the session's login is at most `seconds` old."""
    started = session.get(STARTED)
    return isinstance(started, int) and time.time() - started <= seconds


def touch(session: SessionBase) -> None:
    """Note a request of a lasting session (written when the last note is a minute old)."""
    now = int(time.time())
    if now - session.get(SEEN, 0) >= TOUCH_EVERY:
        session[SEEN] = now


def sessions_of(request: HttpRequest) -> list[UserSession]:
    """The sessions of the request's account that still last, oldest first (allauth's usersessions;
    ended ones are purged). The request's own is recorded first if it is not yet (a login from before)."""
    UserSession.objects.create_from_request(request)
    return sorted(UserSession.objects.purge_and_list(request.user), key=lambda session: session.created_at)


def end_other_sessions(*, request: HttpRequest) -> int:
    """Log the account out everywhere but in this request's session; the number ended. Logged in the
    security log of the account's customers."""
    others = [session for session in sessions_of(request) if not session.is_current()]
    with transaction.atomic():
        get_adapter().end_sessions(others)
        if others:
            security.record_for_account(
                user=request.user,
                kind=SecurityEventKind.SESSIONS_ENDED,
                ip=security.client_ip(request),
                details={"count": len(others)},
            )
    return len(others)
