"""Showroom settings.

Everything that differs between a laptop and production is read from the
environment (or a git-ignored `.env` file) through django-environ. Each
variable is listed in README.md and `.env.example`; the defaults are the safe
choice for `make run` on one machine.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.headers import media_origins
from config.objectstorage import S3Account, backup_storage, media_storage

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
env.read_env(BASE_DIR / ".env")

SITE_NAME = env.str("SITE_NAME", default="Showroom")
# How many app servers run with these settings behind a load balancer.
# Above 1, `manage.py check` warns about any state kept on one server
# (config/checks.py).
APP_SERVERS = env.int("APP_SERVERS", default=1)

# Core and security
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it in the environment or in .env "
            "(`make run` writes one for you), or set DJANGO_DEBUG=true for "
            "local development."
        )
    SECRET_KEY = "insecure-development-key-used-only-with-DJANGO_DEBUG"  # noqa: S105

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"]
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False
)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if env.bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=False):
    # Only behind a proxy that sets this header itself and strips it from
    # clients; otherwise anyone could claim their request was HTTPS.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
# Security headers. Django's SecurityMiddleware sends nosniff, the referrer
# policy and the opener policy; config.headers adds what Django does not
# (Permissions-Policy, Cross-Origin-Resource-Policy), also on static files
# and uploads, since both middlewares run before WhiteNoise and the media view.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

INSTALLED_APPS = [
    "config.apps.SiteConfig",
    "accounts",
    "backups",
    "catalog",
    "content",
    "content_editor",
    "imagekit",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "reversion",
    "import_export",
    # Admin modules load with the URLs (config/urls.py), not at start-up, so
    # cron commands skip importing the admin, import-export and openpyxl.
    "django.contrib.admin.apps.SimpleAdminConfig",
    "django.contrib.sites",
    "django.contrib.flatpages",
    "django.contrib.sitemaps",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    # First, so that every log line of a request, and every answer, even one
    # made by a later middleware, carries the request's id.
    "config.requestid.RequestIdMiddleware",
    # Compresses every answer on its way out, with Django's random padding
    # against BREACH; cached pages are stored compressed already (below).
    "config.middleware.GZipTextMiddleware",
    # Next, so that a cached public page skips everything below it. The
    # headers the middleware below add (security, CSP) are stored with the
    # page; none of them differ between requests, and pages are kept per
    # scheme, so a plain http request still meets the HTTPS redirect.
    "config.pagecache.PageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.headers.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.RejectNulInPathMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.StaffTwoFactorMiddleware",
    # Last, so that it turns a locked-out sign-in into the 429 page whatever
    # the view answered.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
# The admin's address; moving it off the well-known `admin/` keeps some
# drive-by login attempts away. It must end with a slash.
DJANGO_ADMIN_URL = env.str("DJANGO_ADMIN_URL", default="admin/")
if not DJANGO_ADMIN_URL.endswith("/") or DJANGO_ADMIN_URL.startswith("/"):
    raise ImproperlyConfigured(
        "DJANGO_ADMIN_URL must end with a slash and not start with one, e.g. `staff/`."
    )
# Flat pages belong to a site (Django's sites framework, record SITE_ID).
SITE_ID = 1
# The host the site's absolute links name (canonical links, sitemaps,
# structured data, security.txt); empty: the host each request came to
# (config/siteurl.py).
SITE_DOMAIN = env.str("SITE_DOMAIN", default="")
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.site",
                "config.context_processors.content_version",
                "config.requestid.request_id",
            ],
        },
    },
]

# Data
DATABASES = {
    "default": env.db(
        "DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'showroom.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets visitors read while a write is in progress, and IMMEDIATE
    # transactions make concurrent writers queue instead of failing with
    # "database is locked" halfway through.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
    VAR_DIR.mkdir(exist_ok=True)
else:
    # Persistent connections with health checks rather than psycopg's pool:
    # gunicorn's sync workers (config/gunicorn.py) serve one request at a
    # time, so each process needs exactly one connection, which it keeps
    # here between requests and tests before reuse (a dead one is replaced
    # at once; tests/test_faults.py). A pool is per process too, so it would
    # open no fewer connections; it pays off only with threaded workers,
    # where it bounds a process's connections.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A PostgreSQL streaming replica for the public pages of anonymous visitors
# (config/replica.py); everything else reads and writes the primary.
if DATABASE_REPLICA_URL := env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
    if {DATABASES["default"]["ENGINE"], DATABASES["replica"]["ENGINE"]} != {
        "django.db.backends.postgresql"
    }:
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL needs PostgreSQL for both DATABASE_URL and the "
            "replica (a streaming replica of it); leave it unset with SQLite."
        )
    DATABASES["replica"].update(
        CONN_MAX_AGE=DATABASES["default"]["CONN_MAX_AGE"],
        CONN_HEALTH_CHECKS=True,
        # The test runner uses the test database for it instead of making one.
        TEST={"MIRROR": "default"},
    )
    # A replica that is unreachable costs each page at most this wait,
    # once every DATABASE_REPLICA_RETRY_SECONDS (2 s is libpq's minimum).
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    DATABASE_ROUTERS = ["config.replica.ReplicaRouter"]
    # Above the page cache, so that it sees every unsafe request's answer.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("config.pagecache.PageCacheMiddleware"),
        "config.replica.ReadYourWritesMiddleware",
    )
# How long after an unsafe request (a form sent, a change saved) the person
# who made it reads the primary: longer than the replica's lag.
DATABASE_REPLICA_PIN_SECONDS = env.int("DATABASE_REPLICA_PIN_SECONDS", default=5)
# After the replica failed, how long each process reads the primary before
# trying it again.
DATABASE_REPLICA_RETRY_SECONDS = env.float(
    "DATABASE_REPLICA_RETRY_SECONDS", default=5.0
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
# The site must keep serving when Redis is down or hung: each call waits at
# most CACHE_TIMEOUT_SECONDS (redis-py would wait 5 s), and after a failure a
# process leaves the cache alone for CACHE_RETRY_SECONDS before trying again.
CACHE_TIMEOUT_SECONDS = env.float("CACHE_TIMEOUT_SECONDS", default=0.1)
CACHE_RETRY_SECONDS = env.float("CACHE_RETRY_SECONDS", default=5.0)
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "config.cache_backends.FailSoftRedisCache"
# With a cache of its own in each process (local memory), the content version
# that makes cached pages stale is this file's modification time, which every
# process on the machine sees (config/sitecache.py).
SITE_CACHE_VERSION_FILE = env.path(
    "SITE_CACHE_VERSION_FILE", default=VAR_DIR / "content-version"
)
# Public pages for anonymous visitors are served from the cache
# (config/pagecache.py). They are never stale there, so they may be kept
# long; 0 turns the page cache off.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=3600)
# How long a browser or CDN may reuse a public page without asking again:
# the longest a change can take to show behind a CDN.
PAGE_CACHE_MAX_AGE = env.int("PAGE_CACHE_MAX_AGE", default=60)
# How long requests for a page being rendered wait for it before rendering
# it themselves.
PAGE_CACHE_WAIT_SECONDS = env.float("PAGE_CACHE_WAIT_SECONDS", default=2.0)
# With Redis, how many of the pages it served last each process keeps in its
# own memory (about 40 KB each), so that a hit reads only the version.
PAGE_CACHE_NEARBY_PAGES = env.int("PAGE_CACHE_NEARBY_PAGES", default=200)

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Axes comes first: it refuses a locked-out (account, address) pair before
# any password is checked. allauth's backend signs people in by email; it
# matches addresses as allauth stores them (lower case), so Django's own
# backend, which ignores case, still admits accounts made before allauth.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:profile"

# Sessions: Django gives the session a new key at every sign-in. Without
# "remember me" the session ends with the browser; with it, it lasts
# SESSION_COOKIE_AGE (two weeks). `clearsessions` removes expired rows.
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_COOKIE_AGE", default=60 * 60 * 24 * 14)

# Email: console by default, smtp+tls://user:pass@host:587 in production.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="webmaster@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Behind N reverse proxies that each append to X-Forwarded-For, the client is
# the N-th address from the right; anything further left can be forged.
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)

# Accounts (django-allauth): email and password only, verified before use.
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
# Sign-up hashes the password for a taken address too (accounts/forms.py).
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm"}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = env.int(
    "ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS", default=3
)
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SESSION_COOKIE_SECURE else "http"
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
# Rate limits. Axes owns the failed-sign-in lockout, for passwords and
# second-factor codes alike (5 per account and address, 15 minutes, answered
# with the 429 page; see accounts.lockout). allauth's "login_failed" limit is
# off: besides 10 a minute per address it counts 5 per email address from
# anywhere, which would let one client lock an account for everyone. allauth
# also uses that action name for the code step, so the code step gets its own
# action, "mfa_authenticate", consumed by accounts.forms.SecondFactorForm:
# 10 a minute per address, and 10 wrong codes per account in 15 minutes from
# all addresses together, against guesses spread over many addresses. Only
# someone who has the password can reach the code step, so only they can
# spend an account's share of it. allauth's other limits stay on as they
# are: per address, or per signed-in account, except two per email address
# that protect the inbox (5 reset emails a minute, 1 verification email in 3
# minutes), which one client can use up for an address only that briefly.
ACCOUNT_RATE_LIMITS = {
    "login_failed": None,
    "mfa_authenticate": "10/m/ip,10/15m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_FORMS = {"authenticate": "accounts.forms.SecondFactorForm"}
MFA_TOTP_ISSUER = SITE_NAME
# Staff must enrol TOTP before the admin opens for them. On by default
# outside debug mode; `make run` writes false into .env.
STAFF_MFA_REQUIRED = env.bool("DJANGO_STAFF_MFA_REQUIRED", default=not DEBUG)

# Brute-force lockout (django-axes)
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "accounts.network.login_username"
AXES_CLIENT_IP_CALLABLE = "accounts.network.client_ip"
# The 429 page, with Retry-After set to the time left of the cool-off.
AXES_LOCKOUT_CALLABLE = "config.ratelimits.lockout_response"
AXES_RESET_ON_SUCCESS = True
# Axes keeps the form fields of each failure; a wrong recovery code may be a
# right one with a typo, so it is masked like the password.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code"]
# Successful sign-ins are recorded by accounts.SignInEvent, which is deleted
# with the account; axes' own copy would outlive it. Failures are kept only
# for the cool-off window.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
# Axes names the client in its log lines; name only the page, so that no
# address or IP ends up in logs that outlive a deleted account.
AXES_CLIENT_STR_CALLABLE = "accounts.network.client_description"

# Internationalisation
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Static and uploaded files
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_ORIGINS: list[str] = []
# Each server serves its own collected static files through WhiteNoise; the
# hashed names depend only on the files, so every server has the same ones.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Several app servers share uploads and archives through S3-compatible
# object storage (config/objectstorage.py; README, "Running on several
# servers"). One account serves both buckets.
S3_ACCOUNT = S3Account(
    endpoint_url=env.str("S3_ENDPOINT_URL", default=""),
    region=env.str("S3_REGION", default="us-east-1"),
    access_key=env.str("S3_ACCESS_KEY_ID", default=""),
    secret_key=env.str("S3_SECRET_ACCESS_KEY", default=""),
)
if _media_bucket := env.str("MEDIA_S3_BUCKET", default=""):
    STORAGES["default"], MEDIA_URL, MEDIA_ORIGINS = media_storage(
        S3_ACCOUNT,
        bucket=_media_bucket,
        custom_domain=env.str("MEDIA_S3_CUSTOM_DOMAIN", default=""),
        signed_urls=env.bool("MEDIA_S3_SIGNED_URLS", default=False),
        page_seconds=PAGE_CACHE_SECONDS + PAGE_CACHE_MAX_AGE,
    )
# On one machine Django serves uploads itself; turn this off where a proxy
# serves them. With media in a bucket, pages link to the bucket.
SERVE_MEDIA = env.bool("DJANGO_SERVE_MEDIA", default=not _media_bucket)

# Content security policy (django-csp), sent with every response. Nothing
# inline runs or styles a page: scripts and stylesheets come from our own
# static files, so no public page needs a nonce and cached pages can be
# shared. The one inline script is the page editor's import map (a JSON map
# of module names to our static files, django-content-editor), which carries
# a nonce; the header names a nonce only on a response that used one.
# data: images are the TOTP set-up page's QR code; they cannot run script.
# Uploads served from another origin (MEDIA_URL absolute, e.g. a bucket)
# join img-src.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *(MEDIA_ORIGINS or media_origins(MEDIA_URL))],
        # The admin's autocomplete fields fetch their choices.
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
        # Browsers report what the policy blocked (config/cspreport.py).
        "report-uri": ["/csp-report/"],
    }
}

# Backups (the backups app). Archives go to BACKUP_DIR, or to the storage
# named by BACKUP_STORAGE (an alias in STORAGES, e.g. S3 via django-storages);
# BACKUP_DIR also holds the lock file and the temporary files of a run.
# BACKUP_S3_BUCKET defines the storage "backups", private archives in that
# bucket (under BACKUP_S3_PREFIX), and makes it the default BACKUP_STORAGE.
BACKUP_DIR = env.path("BACKUP_DIR", default=VAR_DIR / "backups")
if _backup_bucket := env.str("BACKUP_S3_BUCKET", default=""):
    STORAGES["backups"] = backup_storage(
        S3_ACCOUNT,
        bucket=_backup_bucket,
        prefix=env.str("BACKUP_S3_PREFIX", default=""),
    )
BACKUP_STORAGE = env.str("BACKUP_STORAGE", default="backups" if _backup_bucket else "")
if BACKUP_STORAGE and BACKUP_STORAGE not in STORAGES:
    raise ImproperlyConfigured(
        f"BACKUP_STORAGE names {BACKUP_STORAGE!r}, which is not a storage: set "
        "BACKUP_S3_BUCKET, or leave BACKUP_STORAGE unset to keep archives in "
        "BACKUP_DIR."
    )
BACKUP_COMPRESSION = env.str("BACKUP_COMPRESSION", default="zstd")
# When set, archives are encrypted with AES-256-GCM under a key derived from
# it. Keep a copy outside the machine: without it no archive can be restored.
BACKUP_ENCRYPTION_KEY = env.str("BACKUP_ENCRYPTION_KEY", default="")

# Error pages and log lines name the request's id (config/requestid.py),
# also sent as X-Request-ID. Behind a proxy that sets X-Request-ID itself
# (nginx: `proxy_set_header X-Request-ID $request_id;`), turning this on keeps
# its id, so that the proxy's log and the site's agree; a client could send
# any id otherwise.
REQUEST_ID_FROM_PROXY = env.bool("DJANGO_REQUEST_ID_FROM_PROXY", default=False)
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"

# /.well-known/security.txt (RFC 9116): where to report a vulnerability,
# e.g. `mailto:security@example.com` or an https address (several, separated
# by commas). Without one the address answers 404. Its Expires field is
# SECURITY_TXT_EXPIRES (an ISO 8601 date or time, UTC unless it says
# otherwise) or else a year ahead of each day's request.
SECURITY_CONTACT = env.list("SECURITY_CONTACT", default=[])
for _contact in SECURITY_CONTACT:
    if not _contact.startswith(("mailto:", "https://", "tel:")):
        raise ImproperlyConfigured(
            f"SECURITY_CONTACT {_contact!r} must start with mailto:, https:// or "
            "tel:, e.g. mailto:security@example.com."
        )
SECURITY_TXT_EXPIRES = None
if _expires := env.str("SECURITY_TXT_EXPIRES", default=""):
    try:
        SECURITY_TXT_EXPIRES = datetime.fromisoformat(_expires)
    except ValueError:
        raise ImproperlyConfigured(
            f"SECURITY_TXT_EXPIRES {_expires!r} is not an ISO 8601 date or time, "
            "e.g. 2027-06-30 or 2027-06-30T12:00:00Z."
        ) from None
    if SECURITY_TXT_EXPIRES.tzinfo is None:
        SECURITY_TXT_EXPIRES = SECURITY_TXT_EXPIRES.replace(tzinfo=UTC)
    SECURITY_TXT_EXPIRES = SECURITY_TXT_EXPIRES.astimezone(UTC)

# Logging: one line per event on stdout, where gunicorn's lines go too.
LOG_LEVEL = env.str("DJANGO_LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {
            "()": "config.logformat.OneLineFormatter",
            "format": (
                "%(asctime)s %(levelname)s %(name)s request_id=%(request_id)s "
                "%(message)s"
            ),
        }
    },
    "filters": {"request_id": {"()": "config.requestid.RequestIdFilter"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "line",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["stdout"], "level": LOG_LEVEL, "propagate": False},
    },
}

# Catalog
# Category history keeps each category's current place in the tree on revert.
SERIALIZATION_MODULES = {"category_json": "catalog.history"}
CATALOG_CURRENCY = env.str("CATALOG_CURRENCY", default="EUR")
CATALOG_MAX_IMAGE_BYTES = env.int("CATALOG_MAX_IMAGE_BYTES", default=10 * 1024 * 1024)
# Largest product image accepted, in pixels (width times height). It is
# checked from the file's header, before the image is decoded.
CATALOG_MAX_IMAGE_PIXELS = env.int("CATALOG_MAX_IMAGE_PIXELS", default=40_000_000)
CATALOG_PAGE_SIZE = 24
# How long a "share preview" link for a draft product works, in days.
CATALOG_PREVIEW_LINK_DAYS = env.int("CATALOG_PREVIEW_LINK_DAYS", default=7)

# Staff import runs inside a transaction, so an import with errors changes
# nothing; import needs the "add product" permission, export "view product".
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"

# Image renditions are made when an image is saved, not when a page shows it.
IMAGEKIT_DEFAULT_CACHEFILE_STRATEGY = "imagekit.cachefiles.strategies.Optimistic"
IMAGEKIT_CACHEFILE_DIR = "renditions"
