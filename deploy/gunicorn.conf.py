"""gunicorn's settings for the portal: `make serve` and deploy/licentieportaal-web.service run
`gunicorn -c deploy/gunicorn.conf.py portal.wsgi:application`. Every value has an environment override
(README "Production"); a command-line flag still wins over both."""

import os


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


# Behind a proxy on the same host by default; GUNICORN_BIND=0.0.0.0:8000 for a proxy on another host.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
# Threads: a request mostly waits on PostgreSQL, so threads serve more than processes for the memory.
# Each thread holds its own database connection once CONN_MAX_AGE > 0: workers x threads per host.
worker_class = "gthread"
workers = _env_int("GUNICORN_WORKERS", 2 * (os.cpu_count() or 1) + 1)
threads = _env_int("GUNICORN_THREADS", 4)
# A worker silent this long is killed. A 50 MB snapshot PUT is read and imported within one request.
timeout = _env_int("GUNICORN_TIMEOUT", 60)
# On SIGHUP (reload) or SIGTERM (stop) a worker finishes what it is serving within this many seconds.
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Above a proxy's idle timeout would let the proxy reuse a connection gunicorn just closed.
keepalive = _env_int("GUNICORN_KEEPALIVE", 5)
# Each worker is replaced after about this many requests (a slow leak never grows without end); the
# jitter keeps the workers from restarting all at once. 0 turns it off.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _env_int("GUNICORN_MAX_REQUESTS_JITTER", 100)

# "-" is standard output (journald under systemd); a path writes a file; an empty value turns it off.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The client as the proxy saw it, and the time taken in milliseconds.
access_log_format = '%(h)s %({x-forwarded-for}i)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'

# Whether a request came over HTTPS is Django's decision alone (TRUST_X_FORWARDED_PROTO, read into
# SECURE_PROXY_SSL_HEADER): gunicorn would otherwise believe X-Forwarded-Proto from 127.0.0.1 itself.
secure_scheme_headers = {}
forwarded_allow_ips = ""
