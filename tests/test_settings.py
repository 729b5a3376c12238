"""Settings come from the environment and fail loudly when a secret is missing."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _load_settings(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.pop("DATABASE_URL", None)
    clean.pop("CACHE_URL", None)
    code = (
        "import environ; environ.Env.read_env = lambda *a, **k: None\n"
        "from config import settings as s\n"
        "print(s.DATABASES['default']['ENGINE'], s.CACHES['default']['BACKEND'], "
        "s.DEBUG, s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_missing_secret_key_stops_startup_with_a_clear_message():
    result = _load_settings()

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_debug_runs_without_a_secret_key():
    result = _load_settings(DJANGO_DEBUG="true")

    assert result.returncode == 0, result.stderr


def test_defaults_are_sqlite_and_local_memory():
    result = _load_settings(DJANGO_SECRET_KEY="k" * 50)

    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "django.core.cache.backends.locmem.LocMemCache",
        "False",
        "False",
        "0",
    ]


def test_urls_select_postgresql_redis_and_production_switches():
    result = _load_settings(
        DJANGO_SECRET_KEY="k" * 50,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/showroom",
        CACHE_URL="redis://127.0.0.1:6379/1",
        DJANGO_SECURE_COOKIES="true",
        DJANGO_SECURE_HSTS_SECONDS="31536000",
    )

    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "config.cache_backends.FailSoftRedisCache",
        "False",
        "True",
        "31536000",
    ]


def _print_settings(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    for name in ("DATABASE_URL", "CACHE_URL", "EMAIL_URL"):
        clean.pop(name, None)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import environ; environ.Env.read_env = lambda *a, **k: None\n"
            "from config import settings as s\n" + code,
        ],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_mail_goes_to_the_console_by_default_and_smtp_from_email_url():
    show = "print(s.EMAIL_BACKEND, getattr(s, 'EMAIL_HOST', '-'))"

    default = _print_settings(show, DJANGO_SECRET_KEY="k" * 50)
    smtp = _print_settings(
        show,
        DJANGO_SECRET_KEY="k" * 50,
        EMAIL_URL="smtp+tls://mailer:secret@mail.example.com:587",
    )

    assert default.stdout.split() == [
        "django.core.mail.backends.console.EmailBackend",
        "None",
    ]
    assert smtp.stdout.split() == [
        "django.core.mail.backends.smtp.EmailBackend",
        "mail.example.com",
    ]


def test_staff_two_factor_is_required_unless_debug_or_turned_off():
    show = "print(s.STAFF_MFA_REQUIRED)"

    production = _print_settings(show, DJANGO_SECRET_KEY="k" * 50)
    debug = _print_settings(show, DJANGO_DEBUG="true")
    turned_off = _print_settings(
        show, DJANGO_SECRET_KEY="k" * 50, DJANGO_STAFF_MFA_REQUIRED="false"
    )

    assert production.stdout.strip() == "True", production.stderr
    assert debug.stdout.strip() == "False"
    assert turned_off.stdout.strip() == "False"


def test_a_replica_with_sqlite_stops_startup_with_a_clear_message():
    result = _print_settings(
        "",
        DJANGO_SECRET_KEY="k" * 50,
        DATABASE_REPLICA_URL="postgres://postgres@127.0.0.1:5433/showroom",
    )

    assert result.returncode != 0
    assert "DATABASE_REPLICA_URL needs PostgreSQL" in result.stderr


def test_a_replica_gets_a_router_the_pin_middleware_and_no_test_database():
    show = (
        "r = s.DATABASES['replica']\n"
        "print(r['HOST'], r['PORT'], r['CONN_MAX_AGE'], r['CONN_HEALTH_CHECKS'], "
        "r['TEST']['MIRROR'], r['OPTIONS']['connect_timeout'], s.DATABASE_ROUTERS[0], "
        "s.MIDDLEWARE.index('config.replica.ReadYourWritesMiddleware') + 1 "
        "== s.MIDDLEWARE.index('config.pagecache.PageCacheMiddleware'))"
    )

    result = _print_settings(
        show,
        DJANGO_SECRET_KEY="k" * 50,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/showroom",
        DATABASE_REPLICA_URL="postgres://postgres@replica.internal:5433/showroom",
        DATABASE_CONN_MAX_AGE="30",
    )

    assert result.stdout.split() == [
        "replica.internal",
        "5433",
        "30",
        "True",
        "default",
        "2",
        "config.replica.ReplicaRouter",
        "True",
    ], result.stderr


def test_without_a_replica_there_is_no_router_and_no_pin_middleware():
    show = (
        "print(list(s.DATABASES), getattr(s, 'DATABASE_ROUTERS', []), "
        "'config.replica.ReadYourWritesMiddleware' in s.MIDDLEWARE)"
    )

    result = _print_settings(show, DJANGO_SECRET_KEY="k" * 50)

    assert result.stdout.strip() == "['default'] [] False", result.stderr
