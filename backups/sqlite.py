"""SQLite: the online backup API, both ways.

It copies a consistent snapshot while the site keeps serving, and copies
back in one write transaction.
"""

import sqlite3
from pathlib import Path

from django.db.backends.base.base import BaseDatabaseWrapper

from backups.dumps import DatabaseDump, applied_migrations, row_counts
from backups.errors import BackupError

MEMBER = "database/db.sqlite3"


def connect(path: Path) -> sqlite3.Connection:
    """A connection to the file at `path` that leaves transactions to us."""
    return sqlite3.connect(path, isolation_level=None)


def dump(*, connection: BaseDatabaseWrapper, workdir: Path) -> DatabaseDump:
    path = workdir / "db.sqlite3"
    connection.ensure_connection()
    target = connect(path)
    try:
        # One step (pages=-1) copies a single consistent snapshot; readers
        # and, in WAL mode, writers of the live site carry on meanwhile.
        connection.connection.backup(target)
        # A self-contained file: no -wal file may be needed to read it.
        target.execute("PRAGMA journal_mode=DELETE")
        counts = row_counts(target.cursor(), vendor="sqlite")
        migrations = (
            applied_migrations(target.cursor()) if "django_migrations" in counts else []
        )
        version = target.execute("SELECT sqlite_version()").fetchone()[0]
    finally:
        target.close()
    return DatabaseDump(
        path=path,
        member=MEMBER,
        engine="sqlite",
        row_counts=counts,
        migrations=migrations,
        details={"format": "sqlite", "sqlite_version": version},
    )


def restore(
    *,
    connection: BaseDatabaseWrapper,
    path: Path,
    expected: dict[str, int],
) -> None:
    source = connect(path)
    try:
        if row_counts(source.cursor(), vendor="sqlite") != expected:
            raise BackupError(
                "The archived database's row counts differ from the manifest."
            )
        connection.ensure_connection()
        if connection.in_atomic_block:
            raise BackupError("Cannot restore inside a transaction.")
        # The backup API copies the whole file into the live database in one
        # write transaction: other connections see the old or the new
        # database, never a mix, and WAL files stay consistent, which a
        # rename under open connections would not guarantee.
        source.backup(connection.connection)
    finally:
        source.close()
