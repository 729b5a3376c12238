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
from django.core.cache import caches
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.db import connection

from backups import archive, databases, safety, storage
from backups.errors import ArchiveDamaged, BackupDiskFull, BackupError, BackupsStale
from backups.locking import backup_lock
from backups.rotation import Retention, archives_to_keep

MEDIA_PREFIX = "media/"
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
    name: str
    safety_backup: str | None
    row_counts: dict[str, int]
    media_files: int


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    with backup_lock(storage.work_dir() / LOCK_NAME):
        yield


def _secret() -> str:
    return settings.BACKUP_ENCRYPTION_KEY


def _app_version() -> str:
    try:
        with (Path(settings.BASE_DIR) / "pyproject.toml").open("rb") as project:
            return tomllib.load(project)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def _media_names(media: Storage, folder: str = "") -> Iterator[str]:
    """Every file in the media storage, as paths relative to its root."""
    try:
        folders, files = media.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield str(PurePosixPath(folder, name)) if folder else name
    for sub in sorted(folders):
        yield from _media_names(
            media, str(PurePosixPath(folder, sub)) if folder else sub
        )


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
        with (
            databases.database_dump(
                connection=connection, workdir=workdir, portable=portable
            ) as run,
            partial.open("wb") as raw,
        ):
            writer = archive.ArchiveWriter(
                raw, compression=compression, secret=_secret()
            )
            dump = _database_then_media(
                writer,
                run,
                workdir=workdir,
                compression=compression,
                media=media,
                progress=progress,
            )
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


def _database_then_media(
    writer: archive.ArchiveWriter,
    run: databases.DumpRun,
    *,
    workdir: Path,
    compression: str,
    media: bool,
    progress: Progress | None,
) -> databases.DatabaseDump:
    """Put the database in the archive first, then the media files.

    pg_dump's output is read, hashed and compressed on a thread of its own
    (a MemberSpool) while the media files are read. Those read before the
    dump ends go into a frame of their own (a TarFrame), which follows the
    dump in the archive; the rest go straight in. A restore can so check
    the database member, and start loading it, while it checks the media.
    """
    if run.stream is None:
        dump = run.finish()
        with dump.path.open("rb") as data:
            writer.add(dump.member, data, size=dump.path.stat().st_size)
        dump.path.unlink()
        if media:
            _media_add(lambda: writer, progress=progress)
        return dump
    spool = archive.MemberSpool(
        run.stream, workdir / "database.frame", compression=compression
    )
    early = archive.TarFrame(workdir / "media.frame", compression=compression)
    placed: list[databases.DatabaseDump] = []

    def place() -> None:
        # Before finish(): were the spool to fail, nothing would read the
        # pipe and pg_dump would never end.
        spool.wait()
        dump = run.finish()
        writer.add_spooled(dump.member, spool)
        writer.add_frame(early)
        placed.append(dump)

    def destination() -> archive.TarFrame | archive.ArchiveWriter:
        if not placed and spool.done:
            place()
        return writer if placed else early

    try:
        if media:
            _media_add(destination, progress=progress)
        if not placed:
            place()
    finally:
        early.close()
    return placed[0]


def _media_add(
    destination: Callable[[], archive.TarFrame | archive.ArchiveWriter],
    *,
    progress: Progress | None,
) -> None:
    """Add every media file to the writer that `destination` gives for it."""
    if isinstance(default_storage, FileSystemStorage):
        # One stat per file instead of the storage API's three.
        entries = list(_media_local(Path(default_storage.location)))
    else:
        entries = [
            (name, default_storage.size(name), _mtime(name), None)
            for name in _media_names(default_storage)
        ]
    for number, (name, size, mtime, path) in enumerate(entries, start=1):
        if progress and (number % 100 == 0 or number == len(entries)):
            progress(f"media {number}/{len(entries)}")
        opened = path.open("rb") if path else default_storage.open(name, "rb")
        with opened as data:
            destination().add(MEDIA_PREFIX + name, data, size=size, mtime=mtime)


def _media_local(
    root: Path, folder: str = ""
) -> Iterator[tuple[str, int, float, Path]]:
    """Name, size, mtime and path of each file, in _media_names' order."""
    try:
        entries = list(os.scandir(root / folder))
    except FileNotFoundError:
        return
    files = sorted(e.name for e in entries if not e.is_dir())
    folders = sorted(e.name for e in entries if e.is_dir())
    for name in files:
        path = root / folder / name
        stat = path.stat()
        yield (
            str(PurePosixPath(folder, name)) if folder else name,
            stat.st_size,
            stat.st_mtime,
            path,
        )
    for sub in folders:
        yield from _media_local(
            root, str(PurePosixPath(folder, sub)) if folder else sub
        )


def _mtime(name: str) -> float | None:
    try:
        return default_storage.get_modified_time(name).timestamp()
    except (NotImplementedError, OSError):
        return None


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
    target: Storage,
    name: str,
    *,
    on_member: archive.MemberConsumer | None = None,
    on_verified: archive.MemberVerified | None = None,
) -> dict[str, Any]:
    """Read an archive through, record the outcome beside it, return its manifest."""
    try:
        with target.open(name, "rb") as raw:
            manifest = archive.archive_read(
                raw,
                name=name,
                secret=_secret(),
                on_member=on_member,
                on_verified=on_verified,
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
    counts: dict[str, int] = {}
    member = manifest["database"]["member"]
    workdir = Path(
        tempfile.mkdtemp(prefix=storage.UNLOCKED_PREFIX, dir=storage.work_dir())
    )

    def load(member_name: str, stream: BinaryIO, size: int) -> None:
        if member_name == member:
            counts.update(
                databases.restore_test(
                    connection=connection,
                    manifest=manifest,
                    stream=stream,
                    workdir=workdir,
                )
            )

    try:
        with target.open(name, "rb") as raw:
            archive.archive_read(raw, name=name, secret=_secret(), on_member=load)
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
        try:
            with _scratch_ahead(target, name) as scratch:
                if progress:
                    progress(f"verifying {name}")
                staged = _restore_stage(
                    target, name, workdir, media=media, scratch=scratch
                )
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
                    safety_name, counts = _restore_swap(
                        name, manifest, staged, scratch=scratch, keep=safety_backup
                    )
                else:
                    safety_name = (
                        _safety_backup(progress=progress) if safety_backup else None
                    )
                    databases.database_restore(
                        connection=connection,
                        manifest=manifest,
                        path=staged.database,
                        workdir=workdir,
                    )
                    if staged.media:
                        _media_replace(
                            staged.staging, staged.names, keep=staged.archived
                        )
                    counts = _row_counts()
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        expected = manifest["database"]["row_counts"]
        wrong = sorted(t for t, n in expected.items() if counts.get(t) != n)
        if wrong:
            raise BackupError(
                f"After the restore the row counts of {wrong} differ from the manifest."
            )
        _caches_clear()
        return RestoreResult(
            name=name,
            safety_backup=safety_name,
            # The archived tables only: SQLite's own statistics table, for
            # one, is not the site's data.
            row_counts={table: counts[table] for table in expected},
            media_files=len(staged.archived) if staged.media else 0,
        )


@contextlib.contextmanager
def _scratch_ahead(
    target: Storage, name: str
) -> Iterator[databases.ScratchDatabase | None]:
    """On PostgreSQL, the database a restore loads, made while it checks.

    Only a pg_dump archive needs it; the status written beside the archive
    when it was made says which engine it holds (restore_check still
    decides, from the checked manifest). Creating it is left to the restore
    itself when the status is missing.
    """
    if connection.vendor != "postgresql":
        yield None
        return
    with databases.pg_scratch(connection) as scratch:
        if (storage.status_read(target, name) or {}).get("engine") == "postgresql":
            scratch.start()
        yield scratch


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
    name: str,
    manifest: dict[str, Any],
    staged: "_Staged",
    *,
    scratch: databases.ScratchDatabase,
    keep: bool,
) -> tuple[str | None, dict[str, int]]:
    """Swap in the archived PostgreSQL database, keeping the old state aside.

    Returns the safety copy's name (None unless kept) and the row counts
    of the restored database, checked against the manifest before the swap.
    """
    copy = safety.safety_copy_start(
        archive=name,
        database=databases.pg_safety_name(connection),
        media_current=list(_media_names(default_storage)) if staged.media else None,
        media_replaced=staged.replaced if staged.media else [],
    )
    try:
        counts = databases.pg_restore_swap(
            connection=connection,
            scratch=scratch,
            path=staged.database,
            expected=manifest["database"]["row_counts"],
            safety_database=copy.database,
        )
    except BaseException:
        safety.safety_copy_forget(copy.name)
        raise
    if staged.media:
        _media_replace(staged.staging, staged.names, keep=staged.archived)
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
    target: Storage,
    name: str,
    workdir: Path,
    *,
    media: bool,
    scratch: databases.ScratchDatabase | None = None,
) -> _Staged:
    """Check the whole archive while extracting what the restore needs.

    The database member goes to a local file (pg_restore's parallel jobs
    need one they can seek in). Each media file is compared, as it streams
    by, with the current file of that name; only those that differ are
    staged, so a site whose uploads did not change costs reads, not writes.
    Nothing live changes before archive_read has returned, that is before
    every member's checksum and the member list have held. The one thing
    that starts earlier: a pg_dump member that comes first, once it has
    matched the checksum its header declares, starts loading into the
    scratch database while the media files are checked.
    """
    staging = workdir / "media"
    database = workdir / "database"
    names: list[str] = []
    seen: set[str] = set()

    def load(member: str, stream: BinaryIO, size: int) -> None:
        if member.startswith("database/"):
            with database.open("wb") as out:
                shutil.copyfileobj(stream, out, archive.READ_SIZE)
        elif member.startswith(MEDIA_PREFIX):
            media_name = member.removeprefix(MEDIA_PREFIX)
            relative = _media_path_safe(name, media_name)
            seen.add(media_name)
            if media and _media_stage(stream, size, media_name, staging / relative):
                names.append(media_name)

    def verified(member: str) -> None:
        if member == databases.PG_MEMBER and scratch is not None and scratch.started:
            scratch.load_start(database)

    manifest = _verify_one(target, name, on_member=load, on_verified=verified)
    archived = {
        m["name"].removeprefix(MEDIA_PREFIX)
        for m in manifest["members"]
        if m["name"].startswith(MEDIA_PREFIX)
    }
    restore_media = bool(media and manifest.get("media"))
    current = set(_media_names(default_storage)) if restore_media else set()
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


def _media_stage(stream: BinaryIO, size: int, media_name: str, path: Path) -> bool:
    """Stage a media member unless the current file holds the same bytes."""
    try:
        current = (
            default_storage.open(media_name, "rb")
            if default_storage.size(media_name) == size
            else None
        )
    except (FileNotFoundError, OSError):
        current = None
    matched = 0
    if current is not None:
        with current:
            while chunk := stream.read(archive.READ_SIZE):
                if current.read(len(chunk)) != chunk:
                    break
                matched += len(chunk)
            else:
                return False
            # The first `matched` bytes were equal: take them from the
            # current file, then the rest from the archive.
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as out:
                current.seek(0)
                out.write(current.read(matched))
                out.write(chunk)
                shutil.copyfileobj(stream, out, archive.READ_SIZE)
            return True
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        shutil.copyfileobj(stream, out, archive.READ_SIZE)
    return True


def _row_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


def _media_path_safe(name: str, media_name: str) -> PurePosixPath:
    """A media path from an archive, refused if it could leave the media folder."""
    relative = PurePosixPath(media_name)
    if not media_name or relative.is_absolute() or ".." in relative.parts:
        raise ArchiveDamaged(name, f"unsafe media path {media_name!r}")
    return relative


def _media_replace(staging: Path, names: list[str], *, keep: set[str]) -> None:
    """Make the media storage hold exactly the archived files.

    `names` are the staged files to write; `keep` all the archived names,
    the unchanged ones included.
    """
    for media_name in list(_media_names(default_storage)):
        if media_name not in keep:
            default_storage.delete(media_name)
    for media_name in names:
        if default_storage.exists(media_name):
            default_storage.delete(media_name)
        with (staging / media_name).open("rb") as data:
            saved = default_storage.save(media_name, File(data, name=media_name))
        if saved != media_name:
            raise BackupError(f"The media storage saved {media_name} as {saved}.")


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


def backups_prune(*, retention: Retention) -> list[str]:
    """Rotate the archives under the lock, without making a new one."""
    with _locked():
        return _prune(retention=retention)


def _caches_clear() -> None:
    """Forget every cached value: all of it was computed from the old data.

    The app servers share this cache (Redis) or keep their own for a few
    minutes at most (local memory), so pages show the restored data at once
    where it matters most.
    """
    for cache in caches.all(initialized_only=False):
        cache.clear()


def restore_rollback(*, name: str = "latest") -> safety.SafetyCopy:
    """Put back the database and media a PostgreSQL restore replaced."""
    with _locked():
        copy = safety.safety_copy_get(name)
        safety.safety_copy_rollback(copy, media_now=list(_media_names(default_storage)))
        _caches_clear()
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
