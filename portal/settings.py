"""Settings for Licentieportaal, read from environment variables (see .env.example)."""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# Sessions, password-reset links and CSRF tokens are signed with it. Without one only DEBUG (`make run`)
# gets the development key; anything else refuses to start rather than sign with a key in the repository.
# The suite brings its own test-only key (tests/settings.py), `make lint` and `make bench` theirs (Makefile).
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it to a long random value, for example the output of "
            "`python -c 'from django.core.management.utils import get_random_secret_key as k; print(k())'`, "
            "or set DEBUG=true for local development. The portal does not start with a default key."
        )
    SECRET_KEY = "django-insecure-dev-only-licentieportaal"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "portal",
    # Accounts: login, logout, password reset and two-step verification (README "Accounts").
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # The contact's own sessions, "log out everywhere else" (README "Security").
    "allauth.usersessions",
    "environments",
    "licensing",
    "licensing.monitoring",
    "licensing.maintenance",
    "licensing.analysis",
    "licensing.pricing",
    "licensing.approvals",  # the four-eyes principle (README "Vier-ogenprincipe")
    "api",  # the HTTP API and the API-sleutels page; a top layer, imported by no product app
    "ninja",  # only for its templates and static files: the API docs load nothing from a CDN
    "csp",  # its system check refuses the pre-4.0 CSP_* settings
    "health_check",  # the `health_check` command; the endpoints are portal.health
    "benchmarks",  # the bench commands; no models, imported by no product app
]

MIDDLEWARE = [
    # The two policy headers go on every answer, the problem documents below included.
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    # Outermost but for the policy headers, so that every error under /api/ (a 404 of no URL, a 405, the
    # NUL guard's 400, a 500) leaves as a problem document.
    "api.problems.ProblemMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files before sessions and the login requirement: a stylesheet needs neither.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.ChosenLanguageMiddleware",
    # Before anything reads the session, a query or a form (the session and user are still lazy here).
    "portal.middleware.RefuseNulBytesMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the messages (it leaves one), before every view: a session past its time is logged out.
    "portal.middleware.SessionTimeoutMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # After the login: an account that must use two-step verification sets it up before anything else.
    "portal.middleware.RequireMfaMiddleware",
    "portal.middleware.ChooseCustomerMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "portal.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
        },
    },
]

WSGI_APPLICATION = "portal.wsgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections (production: CONN_MAX_AGE=60 with CONN_HEALTH_CHECKS=true, see README
# "Production"); 0 opens one per request, which the embedded default and the tests want.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", env.bool("CONN_HEALTH_CHECKS", default=False))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="licentieportaal"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Accounts (django-allauth): the e-mail address is the login; contacts come by invitation, never by signup.
# The username stays the normalised address (portal.accounts.username_for), so Django's ModelBackend
# finds the account by it first; allauth's backend reads the EmailAddress rows. Both load the logged-in
# user with its two-step verification policy (portal.backends).
AUTHENTICATION_BACKENDS = ["portal.backends.ModelBackend", "portal.backends.AllauthBackend"]
ACCOUNT_ADAPTER = "portal.adapters.AccountAdapter"
ACCOUNT_FORMS = {"login": "portal.forms.LoginForm", "reset_password": "portal.forms.PasswordResetForm"}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# An invitation (or a reset link) reaches the address before its first login: that is the verification.
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
# No "remember me" box: a session lives as long as SESSION_COOKIE_AGE says, as before.
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_LOGOUT_REDIRECT_URL = LOGOUT_REDIRECT_URL

# Two-step verification: an authenticator app (TOTP), recovery codes, and security keys or passkeys
# (WebAuthn) as the second step. WebAuthn needs a secure context: HTTPS, or http://localhost and
# http://127.0.0.1, which the browser trusts; fido2 accepts an http origin only with this switch on.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", default="Licentieportaal")
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = env.bool("MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN", default=DEBUG)
# Vendor-wide: every contact and vendor staff account must use two-step verification (off by default so
# that the demo logins work at once); a customer's Beheerder can require it for its own contacts.
MFA_REQUIRED = env.bool("MFA_REQUIRED", default=False)

LANGUAGE_CODE = env("LANGUAGE_CODE", default="nl")
LANGUAGES = [("nl", _("Nederlands")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Per membership in the page header: the menu's count of open warnings and live deviations.
PORTAL_HEADER_ANNOTATIONS = {"open_items": "licensing.monitoring.selectors.open_items_count"}
# Per-language date formats (Dutch months in lower case); templates use DATE_FORMAT / DATETIME_FORMAT.
FORMAT_MODULE_PATH = ["portal.formats"]
TIME_ZONE = env("TIME_ZONE", default="Europe/Amsterdam")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
# With DEBUG off, whitenoise serves what `collectstatic` wrote to STATIC_ROOT under hashed names (cached
# for good) with gzip variants (brotli too with the Brotli package); a page naming a file collectstatic
# did not see is an error.
# DEBUG (`make run`) serves static/ as it is, no collectstatic needed. The suite's settings keep the plain
# storage too; a test runs the manifest one under gunicorn.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Licentieportaal <licenties@example.nl>")

# Production safety, switched on by environment rather than a second settings file (README "Production").
SECURE = env.bool("SECURE", default=False)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=SECURE)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=SECURE)
# Preloading puts the domain in the browsers' built-in HTTPS-only list, hard to undo: its own opt-in.
# While it is off, check --deploy's reminder of it (security.W021) is silenced.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# A load balancer probes the health endpoints over plain HTTP on the web host's own address.
SECURE_REDIRECT_EXEMPT = [r"^health/"]
# Only a proxy in front that sets X-Forwarded-Proto itself (overwriting what a client sent) makes the
# header worth believing; without this setting a client could claim HTTPS.
TRUST_X_FORWARDED_PROTO = env.bool("TRUST_X_FORWARDED_PROTO", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUST_X_FORWARDED_PROTO else None

# Content-Security-Policy (django-csp): scripts, styles, images and fonts only from the portal itself, no
# inline code (templates hold none; tests/serving/test_no_inline_code.py), no framing, forms only to the
# portal. data: images are the icons inside Swagger UI's stylesheet (/api/v1/docs).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Permissions-Policy: no page uses a device or sensor; passkeys (WebAuthn) only on the portal's own pages.
PERMISSIONS_POLICY = {
    "accelerometer": [],
    "autoplay": [],
    "camera": [],
    "display-capture": [],
    "geolocation": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "usb": [],
    "publickey-credentials-create": ["self"],
    "publickey-credentials-get": ["self"],
}

# Celery: without a broker, tasks run eagerly in-process (the embedded default).
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
# The queue tasks go to; a worker consumes it with `--queues`. The benchmark uses one of its own.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="celery")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25 * 60)
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A message a lost worker took is delivered again after this many seconds (Redis broker).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}

# The largest environment snapshot import_snapshot (and the snapshot API) reads, in bytes.
SNAPSHOT_MAX_BYTES = env.int("SNAPSHOT_MAX_BYTES", default=50 * 1024 * 1024)

# The HTTP API's rate limit: requests per API key or environment token per window of seconds (in Redis
# when REDIS_URL is set, else in-process); above it a 429 with Retry-After.
API_RATE_LIMIT = env.int("API_RATE_LIMIT", default=120)
API_RATE_WINDOW = env.int("API_RATE_WINDOW", default=60)

# Days a change waiting for a second Beheerder stays open (README "Vier-ogenprincipe").
FOUR_EYES_EXPIRY_DAYS = env.int("FOUR_EYES_EXPIRY_DAYS", default=7)

# /health/ready/ (portal.health) fails when the last scheduled nightly run finished longer ago than this,
# or an e-mail has waited in the outbox longer than that.
HEALTH_NIGHTLY_MAX_AGE_HOURS = env.int("HEALTH_NIGHTLY_MAX_AGE_HOURS", default=26)
HEALTH_OUTBOX_MAX_WAIT_MINUTES = env.int("HEALTH_OUTBOX_MAX_WAIT_MINUTES", default=30)

# The nightly recount ("actuele gegevens vernieuwen"), HH:MM in TIME_ZONE.
LICENSE_REFRESH_TIME = env("LICENSE_REFRESH_TIME", default="00:30")
LICENSE_REFRESH_BATCH_SIZE = env.int("LICENSE_REFRESH_BATCH_SIZE", default=250)
# Customers whose inputs did not change are only checked for stale data, in batches this large.
LICENSE_CHECK_BATCH_SIZE = env.int("LICENSE_CHECK_BATCH_SIZE", default=5000)
# The scheduled run of this weekday (0 Monday .. 6 Sunday) counts every customer, changed or not.
LICENSE_FULL_RECOUNT_WEEKDAY = env.int("LICENSE_FULL_RECOUNT_WEEKDAY", default=6)
_refresh_hour, _refresh_minute = (int(part) for part in LICENSE_REFRESH_TIME.split(":"))
CELERY_BEAT_SCHEDULE = {
    "nightly-license-refresh": {
        "task": "licensing.tasks.refresh_all_licenses",
        "schedule": crontab(hour=_refresh_hour, minute=_refresh_minute),
    },
    # Sends what the e-mail outbox still holds (normally sent right after commit).
    "license-outbox": {"task": "licensing.tasks.send_outbox", "schedule": crontab(minute="*/10")},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# Accounts and sessions (README "Security").
# A proxy in front of the portal appends the client's address to X-Forwarded-For: only then is that
# header read for the client's IP address (the security log, the login's limits); else REMOTE_ADDR.
# Its own switch beside TRUST_X_FORWARDED_PROTO: a proxy may set the one header and pass the other on
# from the client, and a believed client-made X-Forwarded-For would let it pick its IP in the limits.
TRUST_X_FORWARDED_FOR = env.bool("TRUST_X_FORWARDED_FOR", default=False)
# A session ends after this many seconds without a request, and this many seconds after its login.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_ABSOLUTE_LIFETIME = env.int("SESSION_ABSOLUTE_LIFETIME", default=12 * 60 * 60)
# The stored session (and its cookie) never outlive the absolute lifetime.
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_LIFETIME
# Invitations per customer: at most this many per window of seconds (in Redis when REDIS_URL is set).
INVITATION_RATE_LIMIT = env.int("INVITATION_RATE_LIMIT", default=20)
INVITATION_RATE_WINDOW = env.int("INVITATION_RATE_WINDOW", default=60 * 60)
# Failed logins: at most this many per account and per client IP address within LOGIN_LOCKOUT seconds;
# then the login is refused (also with the right password) until the oldest failure is that old.
# Password-reset e-mails: at most PASSWORD_RESETS_PER_ADDRESS an hour per typed address. allauth counts in
# the cache (Redis when REDIS_URL is set), each count under a lock of its own (README "Security").
LOGIN_FAILURES_PER_ACCOUNT = env.int("LOGIN_FAILURES_PER_ACCOUNT", default=5)
LOGIN_FAILURES_PER_IP = env.int("LOGIN_FAILURES_PER_IP", default=20)
LOGIN_LOCKOUT = env.int("LOGIN_LOCKOUT", default=15 * 60)
PASSWORD_RESETS_PER_ADDRESS = env.int("PASSWORD_RESETS_PER_ADDRESS", default=3)
ACCOUNT_RATE_LIMITS = {
    "login_failed": (
        f"{LOGIN_FAILURES_PER_IP}/{LOGIN_LOCKOUT}s/ip,{LOGIN_FAILURES_PER_ACCOUNT}/{LOGIN_LOCKOUT}s/key"
    ),
    "reset_password": f"20/1h/ip,{PASSWORD_RESETS_PER_ADDRESS}/1h/key",
}
# Creating API keys and tokens, changing roles and the two-step policy ask for the password again unless
# the login or the last re-authentication is at most this many seconds old.
ACCOUNT_REAUTHENTICATION_TIMEOUT = env.int("REAUTHENTICATION_TIMEOUT", default=5 * 60)
