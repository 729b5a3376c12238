"""Dump and restore the database, in each engine's own format or portably.

The backups app must not know the project's apps, so tables and models are
found through the database's introspection and the app registry.

- PostgreSQL: `pg_dump` in custom format inside an exported snapshot, so the
  row counts in the manifest describe exactly the dumped data. Restores load
  a new database with parallel `pg_restore` jobs, check it, and swap its
  name with the live one's in one transaction; the old database is kept.
- SQLite: the online backup API, which copies a consistent snapshot while the
  site keeps serving, and copies back in one write transaction.
- Portable: one JSON line per row, read through a server-side cursor and
  written back with batched inserts, so memory stays flat at any size.
"""

import base64
import contextlib
import datetime
import decimal
import errno
import json
import os
import re
import shutil
import sqlite3
import subprocess  # noqa: S404 - runs pg_dump and pg_restore, no shell
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from django.apps import apps
from django.core.management.color import no_style
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader
from django.db.models import Field, Model
from django.utils.duration import duration_string

from backups.errors import BackupError, RestoreRefused

PG_MEMBER = "database/db.pgdump"
SQLITE_MEMBER = "database/db.sqlite3"
PORTABLE_MEMBER = "database/data.jsonl"
BATCH_SIZE = 2000
COPY_SIZE = 1024 * 1024
TABLES_SQL = {
    "postgresql": (
        "SELECT tablename FROM pg_catalog.pg_tables "
        "WHERE schemaname = current_schema() ORDER BY tablename"
    ),
    "sqlite": (
        "SELECT name FROM sqlite_master WHERE type = 'table' "
        "AND name NOT LIKE 'sqlite_%' ORDER BY name"
    ),
}


@dataclass
class DatabaseDump:
    """A finished dump in a local file, with what the manifest says of it."""

    path: Path
    member: str
    engine: str
    row_counts: dict[str, int]
    migrations: list[list[str]]
    details: dict[str, Any] = field(default_factory=dict)


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
        return _portable_dump(connection=connection, workdir=workdir)
    if engine == "postgresql":
        return _pg_dump(connection=connection, workdir=workdir)
    return _sqlite_dump(connection=connection, workdir=workdir)


def row_counts(cursor, *, vendor: str) -> dict[str, int]:
    """The number of rows in each table, by name.

    `cursor` may be Django's, psycopg's or sqlite3's: each runs SQL without
    parameters as it is.
    """
    cursor.execute(TABLES_SQL[vendor])
    counts = {}
    for (table,) in cursor.fetchall():
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608
        counts[table] = cursor.fetchone()[0]
    return counts


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
        applied = {tuple(m) for m in _applied_migrations(connection.cursor())}
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
            _portable_load(connection=connection, stream=stream, expected=expected)
    elif database["engine"] == "sqlite":
        _sqlite_restore(connection=connection, path=path, expected=expected)
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
        with contextlib.closing(_sqlite_connect(path)) as scratch:
            return row_counts(scratch.cursor(), vendor="sqlite")
    if engine == "portable":
        with path.open("rb") as stream:
            return _portable_count(stream)
    if connection.vendor != "postgresql":
        raise BackupError(
            "A restore test of a PostgreSQL archive needs this site to run on "
            "PostgreSQL."
        )
    with pg_scratch(connection) as scratch:
        scratch.load(path)
        return scratch.row_counts()


# --- PostgreSQL ------------------------------------------------------------


def _pg_settings(connection: BaseDatabaseWrapper) -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment for the PostgreSQL client tools."""
    settings = connection.settings_dict
    args = []
    if settings.get("HOST"):
        args += ["--host", str(settings["HOST"])]
    if settings.get("PORT"):
        args += ["--port", str(settings["PORT"])]
    if settings.get("USER"):
        args += ["--username", str(settings["USER"])]
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings["PASSWORD"])
    sslmode = (settings.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = sslmode
    return [*args, "--no-password"], env


def _pg_connect(connection: BaseDatabaseWrapper, dbname: str | None = None):
    import psycopg

    settings = connection.settings_dict
    params = {
        "dbname": dbname or settings["NAME"],
        "user": settings.get("USER") or None,
        "password": settings.get("PASSWORD") or None,
        "host": settings.get("HOST") or None,
        "port": settings.get("PORT") or None,
        "connect_timeout": 10,
    }
    try:
        return psycopg.connect(**{k: v for k, v in params.items() if v is not None})
    except psycopg.OperationalError as error:
        raise BackupError(f"Cannot connect to PostgreSQL: {error}".strip()) from error


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed; install the PostgreSQL client tools "
            "(Debian package postgresql-client) matching the server's version."
        )
    return path


def _pg_check_version(raw_connection) -> None:
    """pg_dump refuses newer servers; say so before it does, more clearly."""
    server_major = raw_connection.info.server_version // 10000
    output = subprocess.run(  # noqa: S603
        [_tool("pg_dump"), "--version"], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"(\d+)\.", output)
    if match and int(match.group(1)) < server_major:
        raise BackupError(
            f"pg_dump {match.group(1)} cannot dump a PostgreSQL {server_major} "
            "server; install the client tools of the server's version."
        )


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _applied_migrations(cursor) -> list[list[str]]:
    try:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    except Exception:  # noqa: BLE001 - an unmigrated database has no table
        return []
    return [[app, name] for app, name in cursor.fetchall()]


def _pg_dump(*, connection: BaseDatabaseWrapper, workdir: Path) -> DatabaseDump:
    path = workdir / "db.pgdump"
    args, env = _pg_settings(connection)
    with _pg_connect(connection) as snapshot_connection:
        _pg_check_version(snapshot_connection)
        cursor = snapshot_connection.cursor()
        # One snapshot for the counts, the migrations and pg_dump itself, so
        # the manifest describes exactly the rows that were dumped.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        # Compression is left to the archive: zstd is several times faster
        # than pg_dump's zlib at a similar ratio. Written to a file, the
        # dump records its data offsets, which parallel pg_restore jobs use.
        process = subprocess.Popen(  # noqa: S603
            [
                _tool("pg_dump"),
                *args,
                "--format=custom",
                "--compress=0",
                f"--snapshot={snapshot}",
                f"--file={path}",
                connection.settings_dict["NAME"],
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            # Counted while pg_dump runs: the snapshot must outlive it anyway.
            counts = row_counts(cursor, vendor="postgresql")
            migrations = (
                _applied_migrations(cursor) if "django_migrations" in counts else []
            )
            server_version = snapshot_connection.info.server_version
        except BaseException:
            process.kill()
            process.communicate()
            raise
        errors = process.communicate()[1].decode(errors="replace").strip()
    if process.returncode != 0:
        if "No space left on device" in errors:
            # Only pg_dump's message tells that the work file's disk filled.
            raise OSError(errno.ENOSPC, f"pg_dump failed: {errors}")
        raise BackupError(f"pg_dump failed: {errors}")
    return DatabaseDump(
        path=path,
        member=PG_MEMBER,
        engine="postgresql",
        row_counts=counts,
        migrations=migrations,
        details={"format": "pg_dump-custom", "server_version": server_version},
    )


PG_NAME_MAX = 63
RESTORE_JOBS = 2
TERMINATE_WAIT = 10.0


class ScratchDatabase:
    """A new database made like the live one, which a restore loads.

    Until a swap puts it in the live one's place, the live database is
    untouched; `drop()` removes it (pg_scratch does so on the way out).
    """

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self._connection = connection
        self.live = connection.settings_dict["NAME"]
        self.name = _pg_scratch_name(self.live, "restore")
        self.created = False
        self.swapped = False

    def create(self) -> None:
        with _pg_connect(self._connection, dbname="postgres") as admin:
            admin.autocommit = True
            statements = _pg_create_like(admin, live=self.live, new=self.name)
            # Set first: a failure after CREATE DATABASE must still drop it.
            self.created = True
            for statement in statements:
                admin.execute(statement)

    def load(self, path: Path) -> None:
        """Create the database, then load the custom-format dump at `path`.

        A fresh database needs no single transaction to be all or nothing:
        it replaces the live one only once complete. That leaves pg_restore
        free to load tables and build indexes in parallel jobs.
        """
        self.create()
        args, env = _pg_settings(self._connection)
        result = subprocess.run(  # noqa: S603
            [
                _tool("pg_restore"),
                *args,
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                f"--jobs={RESTORE_JOBS}",
                f"--dbname={self.name}",
                str(path),
            ],
            env={**env, "PGOPTIONS": "--client-min-messages=warning"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            check=False,
        )
        if result.returncode != 0:
            lines = result.stderr.decode(errors="replace").splitlines()
            raise BackupError(
                "pg_restore failed, the database is unchanged: "
                + (" ".join(lines[-5:]) or "no message")
            )

    def row_counts(self) -> dict[str, int]:
        with _pg_connect(self._connection, dbname=self.name) as scratch:
            return row_counts(scratch.cursor(), vendor="postgresql")

    def drop(self) -> None:
        if self.swapped or not self.created:
            return
        with _pg_connect(self._connection, dbname="postgres") as admin:
            admin.autocommit = True
            admin.execute(f"DROP DATABASE IF EXISTS {_quote(self.name)} WITH (FORCE)")


@contextlib.contextmanager
def pg_scratch(connection: BaseDatabaseWrapper) -> Iterator[ScratchDatabase]:
    """A ScratchDatabase that is dropped on the way out unless swapped in."""
    scratch = ScratchDatabase(connection)
    try:
        yield scratch
    except BaseException as error:
        # What stopped the restore matters more than a failed clean-up.
        try:
            scratch.drop()
        except Exception as failure:  # noqa: BLE001 - reported with the cause
            error.add_note(f"The scratch database {scratch.name} was left: {failure}")
        raise
    scratch.drop()


def pg_restore_swap(
    *,
    connection: BaseDatabaseWrapper,
    path: Path,
    expected: dict[str, int],
    safety_database: str,
) -> dict[str, int]:
    """Load a dump into a new database, then swap it in for the live one.

    The dump goes into a scratch database (made like the live one) with
    parallel pg_restore jobs; its row counts are checked there, and
    returned. Only then are the names swapped, in one transaction: the live
    database becomes `safety_database`, untouched, and the scratch database
    takes its name. Until that commit the live database is not changed at
    all, so any failure leaves it as it was (and the scratch database is
    dropped). The swap needs every other session on the live database to
    end: the app is stopped during a restore (see the runbook), and
    sessions left over are terminated.
    """
    # Django's own session must not keep the live database in use.
    connection.close()
    with pg_scratch(connection) as scratch:
        scratch.load(path)
        counts = scratch.row_counts()
        wrong = sorted(t for t, n in expected.items() if counts.get(t) != n)
        if wrong:
            raise BackupError(
                f"The restored row counts of {wrong} differ from the manifest; "
                "the database is unchanged."
            )
        with _pg_connect(connection, dbname="postgres") as admin:
            admin.autocommit = True
            _pg_swap(admin, live=scratch.live, new=scratch.name, old_to=safety_database)
        scratch.swapped = True
    return counts


def pg_swap_back(*, connection: BaseDatabaseWrapper, safety_database: str) -> None:
    """Put a safety database back in place; the current one takes its name."""
    live = connection.settings_dict["NAME"]
    parked = _pg_scratch_name(live, "parked")
    connection.close()
    with _pg_connect(connection, dbname="postgres") as admin:
        admin.autocommit = True
        if not _pg_database_exists(admin, safety_database):
            raise BackupError(f"There is no database {safety_database}.")
        _pg_swap(admin, live=live, new=safety_database, old_to=parked)
        admin.execute(
            f"ALTER DATABASE {_quote(parked)} RENAME TO {_quote(safety_database)}"
        )


def pg_database_drop(*, connection: BaseDatabaseWrapper, name: str) -> None:
    if name == connection.settings_dict["NAME"]:
        raise BackupError("Refusing to drop the live database.")
    with _pg_connect(connection, dbname="postgres") as admin:
        admin.autocommit = True
        admin.execute(f"DROP DATABASE IF EXISTS {_quote(name)} WITH (FORCE)")


def pg_safety_name(connection: BaseDatabaseWrapper) -> str:
    return _pg_scratch_name(connection.settings_dict["NAME"], "pre_restore")


def _pg_database_exists(admin, name: str) -> bool:
    row = admin.execute(
        "SELECT 1 FROM pg_database WHERE datname = %s", [name]
    ).fetchone()
    return row is not None


def _pg_scratch_name(live: str, purpose: str) -> str:
    suffix = f"_{purpose}_{uuid.uuid4().hex[:8]}"
    return live[: PG_NAME_MAX - len(suffix)] + suffix


def _pg_create_like(admin, *, live: str, new: str) -> list[str]:
    """The statements that make an empty database like `live`, named `new`.

    pg_dump without --create leaves out what belongs to the database itself
    (its owner, encoding and locale, ALTER DATABASE ... SET settings and
    grants); they are copied from the live database instead. Each statement
    runs on its own (CREATE DATABASE cannot share a transaction).
    """
    version = admin.info.server_version
    provider = ", d.datlocprovider, d.daticulocale" if version >= 150000 else ""
    row = admin.execute(
        "SELECT pg_get_userbyid(d.datdba), pg_encoding_to_char(d.encoding), "
        "d.datcollate, d.datctype, t.spcname, d.datconnlimit" + provider + " "
        "FROM pg_database d JOIN pg_tablespace t ON t.oid = d.dattablespace "
        "WHERE d.datname = %s",
        [live],
    ).fetchone()
    owner, encoding, collate, ctype, tablespace, limit = row[:6]
    options = (
        f"TEMPLATE template0 OWNER {_quote(owner)} ENCODING {_literal(encoding)} "
        f"LC_COLLATE {_literal(collate)} LC_CTYPE {_literal(ctype)} "
        f"TABLESPACE {_quote(tablespace)} CONNECTION LIMIT {int(limit)}"
    )
    if provider and row[6] == "i":
        options += f" LOCALE_PROVIDER icu ICU_LOCALE {_literal(row[7])}"
    statements = [f"CREATE DATABASE {_quote(new)} WITH {options}"]
    settings = admin.execute(
        "SELECT r.rolname, s.setconfig FROM pg_db_role_setting s "
        "JOIN pg_database d ON d.oid = s.setdatabase "
        "LEFT JOIN pg_roles r ON r.oid = s.setrole WHERE d.datname = %s",
        [live],
    ).fetchall()
    for role, config in settings:
        for item in config:
            key, _, value = item.partition("=")
            target = (
                f"ROLE {_quote(role)} IN DATABASE {_quote(new)}"
                if role
                else f"DATABASE {_quote(new)}"
            )
            statements.append(f"ALTER {target} SET {_quote(key)} TO {_literal(value)}")
    grants = admin.execute(
        "SELECT a.privilege_type, a.grantee = 0, pg_get_userbyid(a.grantee), "
        "a.is_grantable FROM pg_database d, aclexplode(d.datacl) a "
        "WHERE d.datname = %s AND a.grantee <> d.datdba",
        [live],
    ).fetchall()
    if grants:
        # An explicit ACL replaces the default one (CONNECT and TEMPORARY to
        # PUBLIC), which the new database has until told otherwise.
        statements.append(f"REVOKE ALL ON DATABASE {_quote(new)} FROM PUBLIC")
    for privilege, public, grantee, grantable in grants:
        to = "PUBLIC" if public else _quote(grantee)
        option = " WITH GRANT OPTION" if grantable else ""
        statements.append(
            f"GRANT {privilege} ON DATABASE {_quote(new)} TO {to}{option}"
        )
    return statements


def _pg_swap(admin, *, live: str, new: str, old_to: str) -> None:
    """Rename `live` to `old_to` and `new` to `live`, in one transaction."""
    admin.execute(f"ALTER DATABASE {_quote(live)} WITH ALLOW_CONNECTIONS false")
    try:
        deadline = time.monotonic() + TERMINATE_WAIT
        while True:
            others = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [live],
            ).fetchall()
            if not others:
                break
            if time.monotonic() > deadline:
                raise BackupError(
                    f"Other sessions keep using {live}; stop the app and retry."
                )
            time.sleep(0.05)
        with admin.transaction():
            admin.execute(f"ALTER DATABASE {_quote(live)} RENAME TO {_quote(old_to)}")
            admin.execute(f"ALTER DATABASE {_quote(new)} RENAME TO {_quote(live)}")
    except BaseException:
        admin.execute(f"ALTER DATABASE {_quote(live)} WITH ALLOW_CONNECTIONS true")
        raise
    admin.execute(f"ALTER DATABASE {_quote(old_to)} WITH ALLOW_CONNECTIONS true")


# --- SQLite ----------------------------------------------------------------


def _sqlite_connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def _sqlite_dump(*, connection: BaseDatabaseWrapper, workdir: Path) -> DatabaseDump:
    path = workdir / "db.sqlite3"
    connection.ensure_connection()
    target = _sqlite_connect(path)
    try:
        # One step (pages=-1) copies a single consistent snapshot; readers
        # and, in WAL mode, writers of the live site carry on meanwhile.
        connection.connection.backup(target)
        # A self-contained file: no -wal file may be needed to read it.
        target.execute("PRAGMA journal_mode=DELETE")
        counts = row_counts(target.cursor(), vendor="sqlite")
        migrations = (
            _applied_migrations(target.cursor())
            if "django_migrations" in counts
            else []
        )
        version = target.execute("SELECT sqlite_version()").fetchone()[0]
    finally:
        target.close()
    return DatabaseDump(
        path=path,
        member=SQLITE_MEMBER,
        engine="sqlite",
        row_counts=counts,
        migrations=migrations,
        details={"format": "sqlite", "sqlite_version": version},
    )


def _sqlite_restore(
    *,
    connection: BaseDatabaseWrapper,
    path: Path,
    expected: dict[str, int],
) -> None:
    source = _sqlite_connect(path)
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


# --- Portable --------------------------------------------------------------


def portable_models() -> list[type[Model]]:
    """Every model with a table of its own, one per table."""
    models, tables = [], set()
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if not meta.managed or meta.proxy or meta.swapped or meta.db_table in tables:
            continue
        tables.add(meta.db_table)
        models.append(model)
    return models


def _stored_fields(model: type[Model]) -> list[Field]:
    """The columns a portable dump carries for a model's own table.

    Generated columns are left out: the database computes them again on
    load, and refuses values for them. So are columns added outside Django
    (a search index kept by triggers, say), which triggers fill on load.
    """
    return [
        f
        for f in model._meta.local_concrete_fields
        if not getattr(f, "generated", False)
    ]


def _encode(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, datetime.timedelta):
        return duration_string(value)
    if isinstance(value, bytes | memoryview | bytearray):
        return base64.b64encode(bytes(value)).decode()
    return value


def _portable_dump(*, connection: BaseDatabaseWrapper, workdir: Path) -> DatabaseDump:
    path = workdir / "data.jsonl"
    counts: dict[str, int] = {}
    with transaction.atomic(using=connection.alias), path.open("w") as out:
        if connection.vendor == "postgresql" and not _nested(connection):
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        for model in portable_models():
            counts[model._meta.db_table] = _portable_dump_model(connection, model, out)
        with connection.cursor() as cursor:
            migrations = _applied_migrations(cursor)
    return DatabaseDump(
        path=path,
        member=PORTABLE_MEMBER,
        engine="portable",
        row_counts=counts,
        migrations=migrations,
        details={"format": "jsonl", "source_engine": connection.vendor},
    )


def _nested(connection: BaseDatabaseWrapper) -> bool:
    # Inside an enclosing atomic block (as in tests) the transaction has
    # begun already and its isolation level can no longer be set.
    return len(connection.savepoint_ids) > 0 or not connection.commit_on_exit


def _portable_dump_model(
    connection: BaseDatabaseWrapper, model: type[Model], out
) -> int:
    fields = _stored_fields(model)
    table = model._meta.db_table
    out.write(
        json.dumps({"table": table, "columns": [f.column for f in fields]}) + "\n"
    )
    converters = []
    for f in fields:
        col = f.get_col(table)
        converters.append(
            connection.ops.get_db_converters(col) + f.get_db_converters(connection)
        )
    quote = connection.ops.quote_name
    sql = "SELECT {} FROM {} ORDER BY {}".format(  # noqa: S608
        ", ".join(quote(f.column) for f in fields),
        quote(table),
        quote(model._meta.pk.column),
    )
    count = 0
    # A server-side cursor on PostgreSQL, so rows arrive in batches.
    cursor = connection.chunked_cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(BATCH_SIZE):
            for row in rows:
                values = []
                for f, value, chain in zip(fields, row, converters, strict=True):
                    col = f.get_col(table) if chain else None
                    for converter in chain:
                        value = converter(value, col, connection)
                    values.append(_encode(value))
                out.write(json.dumps(values) + "\n")
            count += len(rows)
    finally:
        cursor.close()
    return count


def _lines(stream: BinaryIO) -> Iterator[bytes]:
    rest = b""
    while chunk := stream.read(COPY_SIZE):
        lines = (rest + chunk).split(b"\n")
        rest = lines.pop()
        yield from lines
    if rest:
        yield rest


def _portable_count(stream: BinaryIO) -> dict[str, int]:
    counts: dict[str, int] = {}
    table = None
    for line in _lines(stream):
        if line.startswith(b"{"):
            table = json.loads(line)["table"]
            counts[table] = 0
        else:
            counts[table] += 1
    return counts


def _portable_load(
    *, connection: BaseDatabaseWrapper, stream: BinaryIO, expected: dict[str, int]
) -> None:
    models = {m._meta.db_table: m for m in portable_models()}
    quote = connection.ops.quote_name
    counts: dict[str, int] = {}
    with transaction.atomic(using=connection.alias):
        with connection.cursor() as cursor:
            for sql in connection.ops.sql_flush(
                no_style(), list(models), reset_sequences=True, allow_cascade=True
            ):
                cursor.execute(sql)
            fields: list[Field] = []
            insert = ""
            batch: list[list[Any]] = []
            table = None
            for line in _lines(stream):
                record = json.loads(line)
                if isinstance(record, dict):
                    if batch:
                        cursor.executemany(insert, batch)
                        batch = []
                    table = record["table"]
                    if table not in models:
                        raise RestoreRefused(
                            f"This code has no model for table {table}."
                        )
                    by_column = {f.column: f for f in _stored_fields(models[table])}
                    fields = [by_column[c] for c in record["columns"]]
                    insert = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
                        quote(table),
                        ", ".join(quote(c) for c in record["columns"]),
                        ", ".join(["%s"] * len(fields)),
                    )
                    counts[table] = 0
                    continue
                batch.append(
                    [
                        f.get_db_prep_save(f.to_python(v), connection)
                        for f, v in zip(fields, record, strict=True)
                    ]
                )
                counts[table] += 1
                if len(batch) >= BATCH_SIZE:
                    cursor.executemany(insert, batch)
                    batch = []
            if batch:
                cursor.executemany(insert, batch)
            for sql in connection.ops.sequence_reset_sql(
                no_style(), list(models.values())
            ):
                cursor.execute(sql)
        if counts != expected:
            raise BackupError(
                "The loaded row counts differ from the manifest; rolled back."
            )
