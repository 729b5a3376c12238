"""Test data and inspection helpers for the backups tests.

The backups app knows no project app, and neither do its tests: data comes
from Django's contrib models and files written straight into the media
storage, and checks read every table through introspection.
"""

import hashlib
import io
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from backups import archive
from backups.media import media_names

POSTGRESQL = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def site_data_make(*, groups: int = 5) -> None:
    """Rows in a few tables, with a many-to-many, and two media files."""
    permissions = list(Permission.objects.order_by("pk")[:3])
    for number in range(groups):
        group = Group.objects.create(name=f"group {number}")
        group.permissions.set(permissions)
    Session.objects.create(
        session_key="s" * 32, session_data="data", expire_date=timezone.now()
    )
    default_storage.save("products/photo.jpg", ContentFile(os.urandom(20_000)))
    default_storage.save("pages/notes.txt", ContentFile(b"Opening hours: 9 to 5."))
    default_storage.save("pages/logo.png", ContentFile(os.urandom(3_000)))


def site_data_change() -> None:
    """Change rows and media in every way a restore must undo."""
    Group.objects.filter(name="group 0").delete()
    Group.objects.create(name="made after the backup")
    Session.objects.all().delete()
    default_storage.delete("pages/notes.txt")
    with default_storage.open("products/photo.jpg", "wb") as photo:
        photo.write(b"overwritten")
    default_storage.save("products/new.jpg", ContentFile(b"not in the archive"))


def database_fingerprint() -> dict[str, tuple[int, str]]:
    """Row count and content checksum of every table.

    SQLite's full-text tables are left out: they are indexes that triggers
    fill from the rows, and their internal pages depend on the order of the
    writes that made them (a page's index row is rewritten with each of its
    blocks), not only on what they hold.
    """
    fingerprint = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            if connection.vendor == "sqlite" and "_fts" in table:
                continue
            cursor.execute(
                f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY 1"  # noqa: S608
            )
            rows = cursor.fetchall()
            digest = hashlib.sha256(repr(rows).encode()).hexdigest()
            fingerprint[table] = (len(rows), digest)
    return fingerprint


def media_fingerprint() -> dict[str, str]:
    """SHA-256 of every media file, by path, on disk or in a bucket."""
    fingerprint = {}
    for name in media_names():
        with default_storage.open(name, "rb") as media:
            fingerprint[name] = hashlib.sha256(media.read()).hexdigest()
    return fingerprint


def archive_path(name: str) -> Path:
    return Path(settings.BACKUP_DIR) / name


def archive_names() -> list[str]:
    folder = Path(settings.BACKUP_DIR)
    return sorted(
        p.name for p in folder.glob("backup-*") if not p.name.endswith(".json")
    )


def archive_repack(
    name: str,
    *,
    change: dict[str, Any],
    extra: dict[str, bytes] | None = None,
    media_first: bool = False,
) -> str:
    """Write a copy of an archive whose manifest's database entry is changed.

    The copy is intact (its checksums hold): only what it claims differs.
    With `media_first`, its members are in the order of archives written
    before the database came first.
    """
    members: list[tuple[str, bytes]] = []

    def keep(member: str, stream, size: int) -> None:
        members.append((member, stream.read()))

    with archive_path(name).open("rb") as raw:
        manifest = archive.archive_read(raw, name=name, on_member=keep)
    if media_first:
        members.sort(key=lambda member: not member[0].startswith("media/"))
    new_name = "backup-20000101T000000Z.tar.zst"
    with archive_path(new_name).open("wb") as raw:
        writer = archive.ArchiveWriter(raw, compression="zstd")
        for member, data in [*(extra or {}).items(), *members]:
            writer.add(member, io.BytesIO(data), size=len(data))
        manifest.pop("members")
        manifest["database"].update(change)
        writer.finish(manifest)
    return new_name


def manifest_read(name: str) -> dict[str, Any]:
    with archive_path(name).open("rb") as raw:
        return archive.archive_read(raw, name=name)
