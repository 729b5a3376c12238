"""System checks for a site run by several app servers (APP_SERVERS > 1).

Whatever one server keeps to itself, the others cannot see: a session or
rate limit in one worker's memory, an upload on one disk. Each check names
the setting that keeps such state local and what to set instead (README,
"Running on several servers").
"""

from django.conf import settings
from django.core.checks import CheckMessage, Warning
from django.core.files.storage import FileSystemStorage, storages

SHARED_CACHES = ("config.cache_backends.FailSoftRedisCache",)


def check_state_is_shared(app_configs, **kwargs) -> list[CheckMessage]:
    servers = settings.APP_SERVERS
    if servers <= 1:
        return []
    found = []
    if settings.CACHES["default"]["BACKEND"] not in SHARED_CACHES:
        found.append(
            Warning(
                f"APP_SERVERS is {servers} but CACHE_URL is not Redis: each "
                "server keeps its own cache, so rate limits are multiplied by "
                "the number of servers and a change made on one server leaves "
                "the others' cached pages stale.",
                hint="Set CACHE_URL to a Redis shared by every server, e.g. "
                "redis://cache.internal:6379/0.",
                id="config.W001",
            )
        )
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        found.append(
            Warning(
                f"APP_SERVERS is {servers} but the database is SQLite, a file "
                "on one server's disk.",
                hint="Set DATABASE_URL to a PostgreSQL database every server reaches.",
                id="config.W002",
            )
        )
    if isinstance(storages["default"], FileSystemStorage):
        found.append(
            Warning(
                f"APP_SERVERS is {servers} but uploads are stored on this "
                f"server's disk ({settings.MEDIA_ROOT}): the others cannot "
                "show them.",
                hint="Set MEDIA_S3_BUCKET (and S3_ENDPOINT_URL, S3_REGION, "
                "S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY).",
                id="config.W003",
            )
        )
    if not settings.BACKUP_STORAGE:
        found.append(
            Warning(
                f"APP_SERVERS is {servers} but backups are written to this "
                f"server's disk ({settings.BACKUP_DIR}): `restore latest` on "
                "another server would not find them.",
                hint="Set BACKUP_S3_BUCKET.",
                id="config.W004",
            )
        )
    return found
