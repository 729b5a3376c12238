"""Dump and restore the database, in each engine's own format or portably.

The engines live in backups.postgresql and backups.sqlite, the portable
format in backups.portable; this module picks one, and refuses archives
that this site's database or code cannot take.
"""

import contextlib
from pathlib import Path
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader

from backups import portable as portable_format
from backups import postgresql, sqlite
from backups.dumps import DatabaseDump, applied_migrations, row_counts
from backups.errors import BackupError, RestoreRefused


def engine_name(connection: BaseDatabaseWrapper) -> str:
    if connection.vendor not in ("postgresql", "sqlite"):
        raise BackupError(
            f"Backups support PostgreSQL and SQLite, not {connection.vendor}."
        )
    return connection.vendor


def database_dump(
    *, connection: BaseDatabaseWrapper, workdir: Path, portable: bool = False
) -> DatabaseDump:
    """Dump the database into a file under `workdir`, as one snapshot."""
    engine = engine_name(connection)
    if portable:
        return portable_format.dump(connection=connection, workdir=workdir)
    if engine == "postgresql":
        return postgresql.dump(connection=connection, workdir=workdir)
    return sqlite.dump(connection=connection, workdir=workdir)


def database_lock(
    *, connection: BaseDatabaseWrapper
) -> contextlib.AbstractContextManager:
    """The lock every app server sees: the database server's for PostgreSQL.

    A SQLite file belongs to one machine, whose lock file is enough.
    """
    if engine_name(connection) == "postgresql":
        return postgresql.pg_backup_lock(connection)
    return contextlib.nullcontext()


def known_migrations() -> set[tuple[str, str]]:
    """The migrations this code has, read from disk without the database."""
    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def restore_check(*, connection: BaseDatabaseWrapper, manifest: dict[str, Any]) -> None:
    """Refuse an archive that this site's database or code cannot take."""
    engine = engine_name(connection)
    archived = manifest["database"]["engine"]
    if archived not in ("portable", engine):
        raise RestoreRefused(
            f"The archive holds a {archived} database and this site runs on "
            f"{engine}. Restore it on a {archived} site, or move data between "
            "engines with a portable archive (backup --portable)."
        )
    archive_migrations = {tuple(m) for m in manifest["database"]["migrations"]}
    unknown = sorted(archive_migrations - known_migrations())
    if unknown:
        names = ", ".join(f"{app}.{name}" for app, name in unknown[:10])
        raise RestoreRefused(
            f"The archive's database has migrations this code does not have "
            f"({names}). Deploy the code that made the archive, then restore."
        )
    if archived == "portable":
        applied = {tuple(m) for m in applied_migrations(connection.cursor())}
        if applied != archive_migrations:
            raise RestoreRefused(
                "A portable archive loads into a database migrated exactly as "
                "the archived one: run `manage.py migrate` on an empty "
                "database of this code's version, then restore."
            )


def database_restore(
    *,
    connection: BaseDatabaseWrapper,
    manifest: dict[str, Any],
    path: Path,
) -> None:
    """Replace the database with the archived one (extracted to `path`) at once.

    For SQLite and portable archives; PostgreSQL dumps go through
    pg_restore_swap.
    """
    database = manifest["database"]
    expected = database["row_counts"]
    if database["engine"] == "portable":
        with path.open("rb") as stream:
            portable_format.load(
                connection=connection, stream=stream, expected=expected
            )
    elif database["engine"] == "sqlite":
        sqlite.restore(connection=connection, path=path, expected=expected)
    else:
        raise BackupError(f"Cannot load a {database['engine']} archive here.")


def restore_test(
    *, connection: BaseDatabaseWrapper, manifest: dict[str, Any], path: Path
) -> dict[str, int]:
    """Load the archived database (extracted to `path`) into a scratch
    database; return its row counts.

    SQLite archives are read where they are, PostgreSQL archives load into
    a temporary database on this site's server, dropped afterwards.
    Portable archives are counted line by line, as loading them needs a
    migrated schema.
    """
    engine = manifest["database"]["engine"]
    if engine == "sqlite":
        with contextlib.closing(sqlite.connect(path)) as scratch:
            return row_counts(scratch.cursor(), vendor="sqlite")
    if engine == "portable":
        with path.open("rb") as stream:
            return portable_format.count(stream)
    if connection.vendor != "postgresql":
        raise BackupError(
            "A restore test of a PostgreSQL archive needs this site to run on "
            "PostgreSQL."
        )
    with postgresql.pg_scratch(connection) as scratch:
        scratch.load(path)
        return scratch.row_counts()
