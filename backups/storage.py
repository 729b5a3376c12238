"""Where archives live: BACKUP_DIR, or the Django storage BACKUP_STORAGE names.

Next to each archive stands `<archive>.json`, its status: whether and when it
was last verified, and the manifest's summary, so that listing and
monitoring do not read whole archives.
"""

import json
import os
import re
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages

ARCHIVE_NAME = re.compile(
    r"^backup-(?P<stamp>\d{8}T\d{6}Z)(?:-(?P<number>\d+))?(?P<label>-[a-z-]+)?"
    r"\.tar\.(?:zst|gz)(?:\.enc)?$"
)
STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
PARTIAL_PREFIX = ".partial-"
# Temporary files of runs that do not take the lock (verify_backup); the
# lock holder removes only old ones, as such a run may be going on.
UNLOCKED_PREFIX = ".verify-"
UNLOCKED_MAX_AGE = 24 * 60 * 60


@dataclass
class ArchiveInfo:
    name: str
    created: datetime
    size: int | None
    status: dict[str, Any] | None

    @property
    def verified(self) -> bool:
        return bool(self.status and self.status.get("verified"))

    @property
    def engine(self) -> str:
        if not self.status:
            return "?"
        return self.status.get("engine", "?")


def archive_storage() -> Storage:
    alias = settings.BACKUP_STORAGE
    if alias:
        return storages[alias]
    return FileSystemStorage(location=settings.BACKUP_DIR)


def work_dir() -> Path:
    """Local folder for the lock and a run's temporary files."""
    path = Path(settings.BACKUP_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def archive_time(name: str) -> datetime | None:
    match = ARCHIVE_NAME.match(name)
    if match is None:
        return None
    return datetime.strptime(match["stamp"], STAMP_FORMAT).replace(tzinfo=UTC)


def archive_name_new(
    storage: Storage, *, now: datetime, suffix: str, label: str = ""
) -> str:
    """A name from the UTC time, numbered when that second is taken already."""
    stamp = now.astimezone(UTC).strftime(STAMP_FORMAT)
    number = 1
    while True:
        numbered = f"-{number}" if number > 1 else ""
        label_part = f"-{label}" if label else ""
        name = f"backup-{stamp}{numbered}{label_part}{suffix}"
        if not storage.exists(name):
            return name
        number += 1


def archives_list(storage: Storage) -> list[ArchiveInfo]:
    """Every archive, oldest first."""
    try:
        _, files = storage.listdir("")
    except FileNotFoundError:
        return []
    names = set(files)
    archives = []
    for name in files:
        created = archive_time(name)
        if created is None:
            continue
        status = status_read(storage, name) if f"{name}.json" in names else None
        try:
            size = storage.size(name)
        except (OSError, NotImplementedError):
            size = None
        archives.append(
            ArchiveInfo(name=name, created=created, size=size, status=status)
        )
    archives.sort(key=lambda a: (a.created, _number(a.name)))
    return archives


def _number(name: str) -> int:
    match = ARCHIVE_NAME.match(name)
    return int(match["number"] or 1) if match else 0


def status_read(storage: Storage, name: str) -> dict[str, Any] | None:
    try:
        with storage.open(f"{name}.json", "rb") as status:
            return json.load(status)
    except (OSError, ValueError):
        return None


def status_write(storage: Storage, name: str, status: dict[str, Any]) -> None:
    data = json.dumps(status, indent=1, sort_keys=True).encode()
    status_name = f"{name}.json"
    if isinstance(storage, FileSystemStorage):
        _replace_atomically(Path(storage.path(status_name)), data)
        return
    if storage.exists(status_name):
        storage.delete(status_name)
    storage.save(status_name, ContentFile(data))


def archive_delete(storage: Storage, name: str) -> None:
    storage.delete(name)
    if storage.exists(f"{name}.json"):
        storage.delete(f"{name}.json")


def partial_path(storage: Storage) -> Path:
    """Where a new archive is written until it is complete.

    In a local storage this is a hidden file in the archives' own folder, so
    that the final rename stays on one filesystem and is atomic.
    """
    if isinstance(storage, FileSystemStorage):
        folder = Path(storage.location)
    else:
        folder = work_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{PARTIAL_PREFIX}{os.getpid()}-{os.urandom(4).hex()}"


def partials_remove(storage: Storage) -> None:
    """Remove what runs killed half-way left behind; called under the lock."""
    folders = {work_dir()}
    if isinstance(storage, FileSystemStorage):
        folders.add(Path(storage.location))
    old = time.time() - UNLOCKED_MAX_AGE
    for folder in folders:
        if not folder.is_dir():
            continue
        leftovers = list(folder.glob(f"{PARTIAL_PREFIX}*"))
        leftovers += [
            path
            for path in folder.glob(f"{UNLOCKED_PREFIX}*")
            if path.lstat().st_mtime < old
        ]
        for leftover in leftovers:
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)


def archive_commit(storage: Storage, partial: Path, name: str) -> None:
    """Put a complete, flushed archive under its final name, atomically."""
    if isinstance(storage, FileSystemStorage):
        final = Path(storage.path(name))
        if final.exists():
            raise FileExistsError(f"{final} exists already.")
        # The lock keeps other runs from taking the name meanwhile, and a
        # rename within one filesystem is atomic.
        os.rename(partial, final)
        _fsync_dir(final.parent)
        return
    # Object stores such as S3 show an object only once its upload is done.
    with partial.open("rb") as data:
        saved = storage.save(name, File(data, name=name))
    partial.unlink()
    if saved != name:
        storage.delete(saved)
        raise FileExistsError(f"The storage already holds {name}.")


def _replace_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f"{UNLOCKED_PREFIX}{os.urandom(4).hex()}-{path.name}")
    with temporary.open("wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)
    _fsync_dir(path.parent)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
