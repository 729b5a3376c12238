"""Safety copies: the state a PostgreSQL restore replaced, kept for a rollback.

A restore of a pg_dump archive swaps a freshly loaded database in for the
live one, so the old database itself is the safety copy: renamed, not
copied, which costs nothing. The media files the restore removes or
rewrites are copied beside a record of the copy, in BACKUP_DIR/safety/:

- `<name>.json`: the archive restored, the safety database's name, the
  media files there were, and when;
- `<name>/`: the media files the restore removed or rewrote.

`rollback_restore` puts both back; `drop_safety_copy` frees the space.
Nothing drops a safety copy by itself: it holds the site as it was.
"""

import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection

from backups import postgresql, storage
from backups.errors import BackupError

FOLDER = "safety"
PREFIX = "pre-restore-"


@dataclass
class SafetyCopy:
    name: str
    created: datetime
    archive: str
    database: str
    media_before: list[str] | None
    rolled_back: bool = False

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> "SafetyCopy":
        return cls(
            name=record["name"],
            created=datetime.fromisoformat(record["created"]),
            archive=record["archive"],
            database=record["database"],
            media_before=record["media_before"],
            rolled_back=record.get("rolled_back", False),
        )

    def record(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "created": self.created.isoformat(),
            "archive": self.archive,
            "database": self.database,
            "media_before": self.media_before,
            "rolled_back": self.rolled_back,
        }


def _folder() -> Path:
    return storage.work_dir() / FOLDER


def _record_write(copy: SafetyCopy) -> None:
    path = _folder() / f"{copy.name}.json"
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("w") as out:
        json.dump(copy.record(), out, indent=1)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)


def safety_copy_start(
    *,
    archive: str,
    database: str,
    media_current: list[str] | None,
    media_replaced: list[str],
) -> SafetyCopy:
    """Record a safety copy and save the media files about to be replaced.

    Called before the database swap, so the record names the safety
    database before it exists: a run killed in between leaves a record
    that drop_safety_copy clears.
    """
    now = datetime.now(UTC)
    name = f"{PREFIX}{now:%Y%m%dT%H%M%SZ}-{os.urandom(2).hex()}"
    media_folder = _folder() / name
    media_folder.mkdir(parents=True)
    for media_name in media_replaced:
        path = media_folder / media_name
        path.parent.mkdir(parents=True, exist_ok=True)
        with default_storage.open(media_name, "rb") as data, path.open("wb") as out:
            shutil.copyfileobj(data, out, 1024 * 1024)
    copy = SafetyCopy(
        name=name,
        created=now,
        archive=archive,
        database=database,
        media_before=media_current,
    )
    _record_write(copy)
    return copy


def safety_copy_forget(name: str) -> None:
    """Remove the record and saved media of a copy whose restore failed."""
    shutil.rmtree(_folder() / name, ignore_errors=True)
    (_folder() / f"{name}.json").unlink(missing_ok=True)


def safety_copies_list() -> list[SafetyCopy]:
    """Every safety copy, oldest first."""
    folder = _folder()
    if not folder.is_dir():
        return []
    copies = []
    for path in folder.glob(f"{PREFIX}*.json"):
        with path.open() as record:
            copies.append(SafetyCopy.from_record(json.load(record)))
    return sorted(copies, key=lambda c: (c.created, c.name))


def safety_copy_get(name: str) -> SafetyCopy:
    copies = safety_copies_list()
    if name == "latest":
        pending = [c for c in copies if not c.rolled_back]
        if not pending:
            raise BackupError("There is no safety copy to roll back to.")
        return pending[-1]
    for copy in copies:
        if copy.name == name:
            return copy
    raise BackupError(f"There is no safety copy {name}.")


def safety_copy_rollback(copy: SafetyCopy, *, media_now: list[str]) -> None:
    """Put the copy's database and media back; the restored database takes
    the copy's name, so a rollback loses nothing either."""
    if copy.rolled_back:
        raise BackupError(f"{copy.name} has been rolled back already.")
    postgresql.pg_swap_back(connection=connection, safety_database=copy.database)
    copy.rolled_back = True
    _record_write(copy)
    if copy.media_before is None:
        return
    before = set(copy.media_before)
    saved = _folder() / copy.name
    for media_name in media_now:
        if media_name not in before:
            default_storage.delete(media_name)
    for path in sorted(p for p in saved.rglob("*") if p.is_file()):
        media_name = path.relative_to(saved).as_posix()
        if default_storage.exists(media_name):
            default_storage.delete(media_name)
        with path.open("rb") as data:
            default_storage.save(media_name, File(data, name=media_name))


def safety_copy_drop(name: str) -> None:
    """Drop the copy's database and saved media, and its record."""
    copy = safety_copy_get(name)
    postgresql.pg_database_drop(connection=connection, name=copy.database)
    safety_copy_forget(copy.name)
