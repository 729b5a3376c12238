"""Backups, verification, restores, rotation and monitoring.

The management commands only call these functions; everything they do is
here. Every run that writes (a backup, a restore) holds the lock in
BACKUP_DIR, so cron and an operator can never run two at once.
"""

import contextlib
import errno
import os
import shutil
import sqlite3
import tempfile
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

import django
from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage
from django.db import connection

from backups import archive, databases, dumps, postgresql, safety, storage
from backups.errors import ArchiveDamaged, BackupDiskFull, BackupError, BackupsStale
from backups.locking import backup_lock
from backups.media import (
    MEDIA_PREFIX,
    media_add,
    media_names,
    media_path_safe,
    media_replace,
    media_stage,
)
from backups.rotation import Retention, archives_to_keep
from config import sitecache

LOCK_NAME = ".backup.lock"

# Progress callbacks get a short description of the step that starts.
Progress = Callable[[str], None]


@dataclass
class BackupResult:
    name: str
    size: int
    manifest: dict[str, Any]
    pruned: list[str] = field(default_factory=list)


@dataclass
class RestoreResult:
    """What a restore did; the state it replaced is in one of two places.

    `safety_copy` names the safety copy a PostgreSQL restore keeps (see
    backups.safety), `safety_archive` the archive an SQLite or portable
    restore writes first; either is None when none was kept.
    """

    name: str
    safety_copy: str | None
    safety_archive: str | None
    row_counts: dict[str, int]
    media_files: int


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    """One backup or restore at a time: on this machine, through the lock
    file, and across app servers, through the database server."""
    with (
        backup_lock(storage.work_dir() / LOCK_NAME),
        databases.database_lock(connection=connection),
    ):
        yield


def _secret() -> str:
    return settings.BACKUP_ENCRYPTION_KEY


def _app_version() -> str:
    try:
        with (Path(settings.BASE_DIR) / "pyproject.toml").open("rb") as project:
            return tomllib.load(project)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def backup_create(
    *,
    media: bool = True,
    portable: bool = False,
    retention: Retention | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> BackupResult:
    """Write, verify and (with a retention) rotate one archive.

    Nothing stands under the archive's final name until it is complete and
    flushed to disk, and pruning starts only once the new archive has been
    read back and all its checksums hold.
    """
    with _disk_full_reported(), _locked():
        result = _backup_create(
            media=media, portable=portable, progress=progress, now=now
        )
        if retention is not None:
            result.pruned = _prune(retention=retention)
        return result


def _backup_create(
    *,
    media: bool,
    portable: bool,
    progress: Progress | None,
    now: datetime | None = None,
    label: str = "",
    leftovers_remove: bool = True,
) -> BackupResult:
    target = storage.archive_storage()
    if leftovers_remove:
        storage.partials_remove(target)
    now = now or datetime.now(UTC)
    compression = settings.BACKUP_COMPRESSION
    if compression not in archive.SUFFIXES:
        raise BackupError(
            f"BACKUP_COMPRESSION must be zstd or gzip, not {compression!r}."
        )
    suffix = archive.SUFFIXES[compression] + (".enc" if _secret() else "")
    label = "-".join(part for part in (label, "portable" if portable else "") if part)
    partial = storage.partial_path(target)
    workdir = Path(
        tempfile.mkdtemp(prefix=storage.PARTIAL_PREFIX, dir=storage.work_dir())
    )
    try:
        if progress:
            progress("dumping the database")
        dump = databases.database_dump(
            connection=connection, workdir=workdir, portable=portable
        )
        with partial.open("wb") as raw:
            writer = archive.ArchiveWriter(
                raw, compression=compression, secret=_secret()
            )
            with dump.path.open("rb") as data:
                writer.add(dump.member, data, size=dump.path.stat().st_size)
            # Its space may be needed for the rest of the archive.
            dump.path.unlink()
            if media:
                media_add(writer, progress=progress)
            manifest = writer.finish(
                {
                    "format_version": archive.FORMAT_VERSION,
                    "created": now.isoformat(),
                    "app": {"name": "showroom", "version": _app_version()},
                    "django": django.get_version(),
                    "database": {
                        "engine": dump.engine,
                        "source_engine": connection.vendor,
                        "member": dump.member,
                        "migrations": dump.migrations,
                        "row_counts": dump.row_counts,
                        **dump.details,
                    },
                    "media": media,
                    "encrypted": bool(_secret()),
                    "compression": compression,
                }
            )
            raw.flush()
            os.fsync(raw.fileno())
        name = storage.archive_name_new(target, now=now, suffix=suffix, label=label)
        storage.archive_commit(target, partial, name)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if progress:
        progress("verifying the archive")
    try:
        # Read back from the storage and compared with what was written; see
        # archive_check for why this proves as much as reading every member.
        with target.open(name, "rb") as stored:
            archive.archive_check(
                stored,
                name=name,
                sha256=writer.sha256,
                size=writer.size,
                secret=_secret(),
            )
    except ArchiveDamaged as damage:
        # Our own output failed its check: it must not pass for a backup.
        storage.archive_delete(target, name)
        raise damage from None
    try:
        storage.status_write(
            target, name, {**_status(manifest, verified=True), "sha256": writer.sha256}
        )
    except OSError as error:
        # An archive without its status would pass for an unverified one;
        # a run that reports the disk full leaves no file behind.
        if _no_space(error):
            storage.archive_delete(target, name)
        raise
    return BackupResult(name=name, size=writer.size, manifest=manifest)


@contextlib.contextmanager
def _disk_full_reported() -> Iterator[None]:
    """Turn a write that failed for lack of space into BackupDiskFull.

    The code that failed has removed the unfinished archive and the run's
    temporary files already; this only names the cause and the folders to free.
    """
    try:
        yield
    except (OSError, sqlite3.Error) as error:
        if not _no_space(error):
            raise
        folders = {str(storage.work_dir())}
        target = storage.archive_storage()
        if isinstance(target, FileSystemStorage):
            folders.add(str(target.location))
        raise BackupDiskFull(sorted(folders)) from error


def _no_space(error: BaseException) -> bool:
    """Whether a write failed because its disk (or the owner's quota) is full."""
    if isinstance(error, OSError):
        return error.errno in (errno.ENOSPC, errno.EDQUOT)
    # SQLite's online backup reports a full disk with its own code.
    return getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL


def _status(manifest: dict[str, Any], *, verified: bool, reason: str = "") -> dict:
    return {
        "verified": verified,
        "checked_at": datetime.now(UTC).isoformat(),
        "reason": reason,
        "created": manifest.get("created") if manifest else None,
        "engine": manifest["database"]["engine"] if manifest else "?",
        "encrypted": manifest.get("encrypted") if manifest else None,
    }


def _verify_one(
    target: Storage, name: str, *, on_member: archive.MemberConsumer | None = None
) -> dict[str, Any]:
    """Read an archive through, record the outcome beside it, return its manifest."""
    try:
        with target.open(name, "rb") as raw:
            manifest = archive.archive_read(
                raw,
                name=name,
                secret=_secret(),
                on_member=on_member,
            )
    except ArchiveDamaged as damage:
        previous = storage.status_read(target, name) or {}
        storage.status_write(
            target,
            name,
            {
                **previous,
                "verified": False,
                "reason": damage.reason,
                "checked_at": datetime.now(UTC).isoformat(),
            },
        )
        raise
    storage.status_write(target, name, _status(manifest, verified=True))
    return manifest


def _archive_resolve(target: Storage, name: str) -> str:
    if name == "latest":
        verified = [a for a in storage.archives_list(target) if a.verified]
        if not verified:
            raise BackupError("There is no verified archive to restore.")
        return verified[-1].name
    name = PurePosixPath(name).name
    if not target.exists(name):
        raise BackupError(f"There is no archive {name}.")
    return name


@dataclass
class VerifyResult:
    name: str
    manifest: dict[str, Any]
    restore_counts: dict[str, int] | None = None


def backup_verify(
    *, name: str | None = None, every: bool = False, restore_test: bool = False
) -> list[VerifyResult]:
    """Check archives' checksums; with restore_test, load them into scratch.

    Checks every archive asked for before raising, and names all the
    damaged ones in the error.
    """
    target = storage.archive_storage()
    archives = storage.archives_list(target)
    if every:
        names = [a.name for a in archives]
    elif name and name != "latest":
        names = [_archive_resolve(target, name)]
    elif archives:
        # The newest archive, verified or not: checking it is the point.
        names = [archives[-1].name]
    else:
        raise BackupError("There is no archive to verify.")
    results, damaged = [], []
    for archive_name in names:
        try:
            manifest = _verify_one(target, archive_name)
            counts = None
            if restore_test:
                counts = _restore_test(target, archive_name, manifest)
            results.append(VerifyResult(archive_name, manifest, counts))
        except ArchiveDamaged as damage:
            damaged.append(damage)
    if damaged:
        if len(damaged) == 1:
            raise damaged[0]
        raise ArchiveDamaged(
            ", ".join(d.name for d in damaged), "; ".join(d.reason for d in damaged)
        )
    return results


def _restore_test(
    target: Storage, name: str, manifest: dict[str, Any]
) -> dict[str, int]:
    member = manifest["database"]["member"]
    workdir = Path(
        tempfile.mkdtemp(prefix=storage.UNLOCKED_PREFIX, dir=storage.work_dir())
    )
    path = workdir / "database"

    def extract(member_name: str, stream: BinaryIO, size: int) -> None:
        if member_name == member:
            with path.open("wb") as out:
                shutil.copyfileobj(stream, out, archive.READ_SIZE)

    try:
        with target.open(name, "rb") as raw:
            archive.archive_read(raw, name=name, secret=_secret(), on_member=extract)
        counts = databases.restore_test(
            connection=connection, manifest=manifest, path=path
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    expected = manifest["database"]["row_counts"]
    if counts != expected:
        differing = sorted(
            t for t in set(counts) | set(expected) if counts.get(t) != expected.get(t)
        )
        raise ArchiveDamaged(name, f"restore test: row counts differ in {differing}")
    return counts


def backup_restore(
    *,
    name: str,
    media: bool = True,
    safety_backup: bool = True,
    confirm: Callable[[str], bool] | None = None,
    progress: Progress | None = None,
) -> RestoreResult:
    """Replace the database (and media) with an archive's, after checking it.

    One pass reads the archive through and checks every member, while it
    extracts the database and stages the media files that differ from the
    current ones; nothing live changes during it. An archive from another
    engine, or with migrations this code lacks, is refused. Then the state
    is kept for a rollback and the database is replaced all or nothing:

    - PostgreSQL (pg_dump archives): the dump loads into a new database,
      which takes the live one's name once its row counts hold; the old
      database stays, renamed, as the safety copy, with the media files the
      restore removes or overwrites (see backups.safety).
    - SQLite, and portable archives: a safety backup archive is written
      first, then the database is replaced in one transaction.

    Media are then made exactly the archived set.
    """
    with _locked():
        target = storage.archive_storage()
        name = _archive_resolve(target, name)
        storage.partials_remove(target)
        workdir = Path(
            tempfile.mkdtemp(prefix=storage.PARTIAL_PREFIX, dir=storage.work_dir())
        )
        safety_copy = safety_archive = None
        try:
            if progress:
                progress(f"verifying {name}")
            staged = _restore_stage(target, name, workdir, media=media)
            manifest = staged.manifest
            databases.restore_check(connection=connection, manifest=manifest)
            if confirm is not None and not confirm(
                f"This replaces the {connection.vendor} database"
                + (" and the media files" if staged.media else "")
                + f" with the contents of {name}."
            ):
                raise BackupError("Restore cancelled; nothing was changed.")
            if progress:
                progress("restoring")
            if manifest["database"]["engine"] == "postgresql":
                safety_copy, counts = _restore_swap(
                    name, manifest, staged, keep=safety_backup
                )
            else:
                if safety_backup:
                    safety_archive = _safety_backup(progress=progress)
                databases.database_restore(
                    connection=connection, manifest=manifest, path=staged.database
                )
                if staged.media:
                    media_replace(staged.staging, staged.names, keep=staged.archived)
                with connection.cursor() as cursor:
                    counts = dumps.row_counts(cursor, vendor=connection.vendor)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        expected = manifest["database"]["row_counts"]
        wrong = sorted(t for t, n in expected.items() if counts.get(t) != n)
        if wrong:
            raise BackupError(
                f"After the restore the row counts of {wrong} differ from the manifest."
            )
        # Every cached page came from the old data; the content version
        # reaches every app server, shared cache or not.
        sitecache.content_changed()
        return RestoreResult(
            name=name,
            safety_copy=safety_copy,
            safety_archive=safety_archive,
            row_counts={table: counts[table] for table in expected},
            media_files=len(staged.archived) if staged.media else 0,
        )


def _safety_backup(*, progress: Progress | None) -> str:
    if progress:
        progress("taking a safety backup")
    return _backup_create(
        media=True,
        portable=False,
        progress=None,
        label="pre-restore",
        # This restore's own work folder is one of them.
        leftovers_remove=False,
    ).name


def _restore_swap(
    name: str, manifest: dict[str, Any], staged: "_Staged", *, keep: bool
) -> tuple[str | None, dict[str, int]]:
    """Swap in the archived PostgreSQL database, keeping the old state aside.

    Returns the safety copy's name (None unless kept) and the row counts
    of the restored database, checked against the manifest before the swap.
    """
    copy = safety.safety_copy_start(
        archive=name,
        database=postgresql.pg_safety_name(connection),
        media_current=list(media_names()) if staged.media else None,
        media_replaced=staged.replaced if staged.media else [],
    )
    try:
        counts = postgresql.pg_restore_swap(
            connection=connection,
            path=staged.database,
            expected=manifest["database"]["row_counts"],
            safety_database=copy.database,
        )
    except BaseException:
        safety.safety_copy_forget(copy.name)
        raise
    if staged.media:
        media_replace(staged.staging, staged.names, keep=staged.archived)
    if not keep:
        safety.safety_copy_drop(copy.name)
        return None, counts
    return copy.name, counts


@dataclass
class _Staged:
    manifest: dict[str, Any]
    database: Path
    media: bool
    staging: Path
    # Media files to write (they differ from the current ones), all the
    # archived names, and the current files the restore removes or rewrites.
    names: list[str]
    archived: set[str]
    replaced: list[str]


def _restore_stage(
    target: Storage, name: str, workdir: Path, *, media: bool
) -> _Staged:
    """Check the whole archive while extracting what the restore needs.

    The database member goes to a local file (pg_restore's parallel jobs
    need one they can seek in). Each media file is compared, as it streams
    by, with the current file of that name; only those that differ are
    staged, so a site whose uploads did not change costs reads, not writes.
    Nothing live changes before archive_read has returned, that is before
    every member's checksum and the member list have held.
    """
    staging = workdir / "media"
    database = workdir / "database"
    names: list[str] = []

    def extract(member: str, stream: BinaryIO, size: int) -> None:
        if member.startswith("database/"):
            with database.open("wb") as out:
                shutil.copyfileobj(stream, out, archive.READ_SIZE)
        elif member.startswith(MEDIA_PREFIX):
            media_name = member.removeprefix(MEDIA_PREFIX)
            relative = media_path_safe(name, media_name)
            if media and media_stage(stream, size, media_name, staging / relative):
                names.append(media_name)

    manifest = _verify_one(target, name, on_member=extract)
    archived = {
        m["name"].removeprefix(MEDIA_PREFIX)
        for m in manifest["members"]
        if m["name"].startswith(MEDIA_PREFIX)
    }
    restore_media = bool(media and manifest.get("media"))
    current = set(media_names()) if restore_media else set()
    replaced = sorted((current - archived) | (current & set(names)))
    return _Staged(
        manifest=manifest,
        database=database,
        media=restore_media,
        staging=staging,
        names=names,
        archived=archived,
        replaced=replaced,
    )


def _prune(*, retention: Retention) -> list[str]:
    """Delete verified archives the retention does not keep; return their names.

    Unverified or damaged archives are left for a person to look at, and the
    newest verified archive is always kept, whatever the retention says.
    """
    target = storage.archive_storage()
    verified = [a for a in storage.archives_list(target) if a.verified]
    if not verified:
        return []
    keep = archives_to_keep(
        ((a.name, a.created) for a in verified), retention=retention
    )
    keep.add(verified[-1].name)
    pruned = []
    for item in verified:
        if item.name not in keep:
            storage.archive_delete(target, item.name)
            pruned.append(item.name)
    return pruned


def restore_rollback(*, name: str = "latest") -> safety.SafetyCopy:
    """Put back the database and media a PostgreSQL restore replaced."""
    with _locked():
        copy = safety.safety_copy_get(name)
        safety.safety_copy_rollback(copy, media_now=list(media_names()))
        sitecache.content_changed()
        return copy


def safety_copy_drop(*, name: str) -> None:
    """Drop a safety copy's database and saved media files."""
    with _locked():
        safety.safety_copy_drop(name)


def safety_copies_list() -> list[safety.SafetyCopy]:
    return safety.safety_copies_list()


def backups_list() -> list[storage.ArchiveInfo]:
    return storage.archives_list(storage.archive_storage())


def backups_check(
    *, max_age: timedelta, now: datetime | None = None
) -> storage.ArchiveInfo:
    """Return the newest verified archive, or raise BackupsStale if it is too old."""
    now = now or datetime.now(UTC)
    verified = [a for a in backups_list() if a.verified]
    if not verified:
        raise BackupsStale("There is no verified backup archive.")
    newest = verified[-1]
    age = now - newest.created
    if age > max_age:
        hours = age.total_seconds() / 3600
        raise BackupsStale(
            f"The newest verified backup, {newest.name}, is {hours:.1f} hours old "
            f"(the limit is {max_age.total_seconds() / 3600:g} hours)."
        )
    return newest
