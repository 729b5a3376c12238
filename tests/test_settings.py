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


def test_media_and_backups_stay_on_the_local_disk_by_default():
    show = (
        "print(s.STORAGES['default']['BACKEND'], s.SERVE_MEDIA, s.MEDIA_URL, "
        "repr(s.BACKUP_STORAGE), 'backups' in s.STORAGES)"
    )

    result = _print_settings(show, DJANGO_SECRET_KEY="k" * 50)

    assert result.stdout.split() == [
        "django.core.files.storage.FileSystemStorage",
        "True",
        "media/",
        "''",
        "False",
    ], result.stderr


S3_ENV = {
    "DJANGO_SECRET_KEY": "k" * 50,
    "S3_ENDPOINT_URL": "http://127.0.0.1:9000",
    "S3_ACCESS_KEY_ID": "key",
    "S3_SECRET_ACCESS_KEY": "secret",
}


def test_buckets_take_media_and_backups_and_the_csp_allows_the_bucket():
    show = (
        "o = s.STORAGES['default']['OPTIONS']; b = s.STORAGES['backups']['OPTIONS']\n"
        "print(s.STORAGES['default']['BACKEND'], s.SERVE_MEDIA, s.MEDIA_URL, "
        "o['bucket_name'], o['querystring_auth'], b['bucket_name'], b['location'], "
        "s.BACKUP_STORAGE, "
        "'http://127.0.0.1:9000' in s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'])"
    )

    result = _print_settings(
        show,
        **S3_ENV,
        MEDIA_S3_BUCKET="shop-media",
        BACKUP_S3_BUCKET="shop-backups",
        BACKUP_S3_PREFIX="/nightly/",
    )

    assert result.stdout.split() == [
        "config.mediastorage.MediaStorage",
        "False",
        "http://127.0.0.1:9000/shop-media/",
        "shop-media",
        "False",
        "shop-backups",
        "nightly",
        "backups",
        "True",
    ], result.stderr


def test_a_custom_domain_serves_public_media():
    show = "print(s.MEDIA_URL, s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'][-1])"

    result = _print_settings(
        show,
        **S3_ENV,
        MEDIA_S3_BUCKET="shop-media",
        MEDIA_S3_CUSTOM_DOMAIN="media.shop.example",
    )

    assert result.stdout.split() == [
        "https://media.shop.example/",
        "https://media.shop.example",
    ], result.stderr


def test_signed_media_on_a_custom_domain_is_refused_with_a_clear_message():
    result = _print_settings(
        "print('loaded')",
        **S3_ENV,
        MEDIA_S3_BUCKET="shop-media",
        MEDIA_S3_CUSTOM_DOMAIN="media.shop.example",
        MEDIA_S3_SIGNED_URLS="true",
    )

    assert result.returncode != 0
    assert "MEDIA_S3_CUSTOM_DOMAIN cannot be used with MEDIA_S3_SIGNED_URLS" in (
        result.stderr
    )


def test_an_unknown_backup_storage_is_refused_with_a_clear_message():
    result = _print_settings(
        "print('loaded')", DJANGO_SECRET_KEY="k" * 50, BACKUP_STORAGE="s3"
    )

    assert result.returncode != 0
    assert "BACKUP_STORAGE names 's3', which is not a storage" in result.stderr


def _check(**env: str) -> str:
    result = _print_settings(
        "from django.core.management import call_command\n"
        "import django; django.setup(); call_command('check')",
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_SECRET_KEY="k" * 50,
        **env,
    )
    return result.stdout + result.stderr


def test_check_is_quiet_on_one_server_with_local_state():
    assert "no issues" in _check()


def test_check_warns_of_every_state_one_of_several_servers_keeps_to_itself():
    output = _check(APP_SERVERS="2")

    for code in ("config.W001", "config.W002", "config.W003", "config.W004"):
        assert code in output
    assert "rate limits are multiplied by the number of servers" in output


def test_check_is_quiet_when_several_servers_share_every_state():
    output = _check(
        APP_SERVERS="2",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres",
        CACHE_URL="redis://127.0.0.1:6379/15",
        MEDIA_S3_BUCKET="shop-media",
        BACKUP_S3_BUCKET="shop-backups",
        **{k: v for k, v in S3_ENV.items() if k != "DJANGO_SECRET_KEY"},
    )

    assert "no issues" in output, output
