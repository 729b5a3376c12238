"""PostgreSQL: pg_dump in custom format, and restores by swapping databases.

The dump runs inside an exported snapshot, so the row counts in the
manifest describe exactly the dumped data. A restore loads a new database
with parallel pg_restore jobs, checks it, and swaps its name with the live
one's in one transaction; the old database is kept as the safety copy.
"""

import contextlib
import errno
import os
import re
import shutil
import socket
import subprocess  # noqa: S404 - runs pg_dump and pg_restore, no shell
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from django.db.backends.base.base import BaseDatabaseWrapper

from backups.dumps import DatabaseDump, applied_migrations, quote, row_counts
from backups.errors import BackupError, BackupLocked

MEMBER = "database/db.pgdump"


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


def _pg_connect(
    connection: BaseDatabaseWrapper,
    dbname: str | None = None,
    *,
    application_name: str | None = None,
):
    import psycopg

    settings = connection.settings_dict
    params = {
        "dbname": dbname or settings["NAME"],
        "application_name": application_name,
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


# The advisory lock's first key: "SB" (Showroom backups). The second is a
# hash of the live database's name, so sites sharing a server do not wait
# for each other.
LOCK_CLASS = 0x5342
LOCK_APPLICATION = "showroom-backup"


@contextlib.contextmanager
def pg_backup_lock(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Hold the site's backup lock on the database server, or raise
    BackupLocked at once.

    Every app server reaches the same PostgreSQL, so a lock there stops
    two servers from backing up or restoring at once, as the lock file does
    on one machine. It is a session advisory lock, held by a connection to
    the maintenance database (a restore renames the live one and ends its
    sessions): the server releases it when that connection ends, also when
    the process holding it is killed.
    """
    name = connection.settings_dict["NAME"]
    holder = f"{LOCK_APPLICATION} {socket.gethostname()} pid {os.getpid()}"
    with _pg_connect(connection, "postgres", application_name=holder[:63]) as lock:
        lock.autocommit = True
        taken = lock.execute(
            "SELECT pg_try_advisory_lock(%s, hashtext(%s))", [LOCK_CLASS, name]
        ).fetchone()[0]
        if not taken:
            other = lock.execute(
                "SELECT a.application_name FROM pg_locks l "
                "JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted "
                "AND l.classid = %s AND l.objid = hashtext(%s)::oid",
                [LOCK_CLASS, name],
            ).fetchone()
            where = other[0].removeprefix(LOCK_APPLICATION).strip() if other else "?"
            raise BackupLocked(
                f"Another backup or restore of {name} is running (on {where}); "
                "try again later."
            )
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                lock.execute(
                    "SELECT pg_advisory_unlock(%s, hashtext(%s))", [LOCK_CLASS, name]
                )


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


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def dump(*, connection: BaseDatabaseWrapper, workdir: Path) -> DatabaseDump:
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
                applied_migrations(cursor) if "django_migrations" in counts else []
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
        member=MEMBER,
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
            admin.execute(f"DROP DATABASE IF EXISTS {quote(self.name)} WITH (FORCE)")


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
            f"ALTER DATABASE {quote(parked)} RENAME TO {quote(safety_database)}"
        )


def pg_database_drop(*, connection: BaseDatabaseWrapper, name: str) -> None:
    if name == connection.settings_dict["NAME"]:
        raise BackupError("Refusing to drop the live database.")
    with _pg_connect(connection, dbname="postgres") as admin:
        admin.autocommit = True
        admin.execute(f"DROP DATABASE IF EXISTS {quote(name)} WITH (FORCE)")


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
        f"TEMPLATE template0 OWNER {quote(owner)} ENCODING {_literal(encoding)} "
        f"LC_COLLATE {_literal(collate)} LC_CTYPE {_literal(ctype)} "
        f"TABLESPACE {quote(tablespace)} CONNECTION LIMIT {int(limit)}"
    )
    if provider and row[6] == "i":
        options += f" LOCALE_PROVIDER icu ICU_LOCALE {_literal(row[7])}"
    statements = [f"CREATE DATABASE {quote(new)} WITH {options}"]
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
                f"ROLE {quote(role)} IN DATABASE {quote(new)}"
                if role
                else f"DATABASE {quote(new)}"
            )
            statements.append(f"ALTER {target} SET {quote(key)} TO {_literal(value)}")
    grants = admin.execute(
        "SELECT a.privilege_type, a.grantee = 0, pg_get_userbyid(a.grantee), "
        "a.is_grantable FROM pg_database d, aclexplode(d.datacl) a "
        "WHERE d.datname = %s AND a.grantee <> d.datdba",
        [live],
    ).fetchall()
    if grants:
        # An explicit ACL replaces the default one (CONNECT and TEMPORARY to
        # PUBLIC), which the new database has until told otherwise.
        statements.append(f"REVOKE ALL ON DATABASE {quote(new)} FROM PUBLIC")
    for privilege, public, grantee, grantable in grants:
        to = "PUBLIC" if public else quote(grantee)
        option = " WITH GRANT OPTION" if grantable else ""
        statements.append(f"GRANT {privilege} ON DATABASE {quote(new)} TO {to}{option}")
    return statements


def _pg_swap(admin, *, live: str, new: str, old_to: str) -> None:
    """Rename `live` to `old_to` and `new` to `live`, in one transaction."""
    admin.execute(f"ALTER DATABASE {quote(live)} WITH ALLOW_CONNECTIONS false")
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
            admin.execute(f"ALTER DATABASE {quote(live)} RENAME TO {quote(old_to)}")
            admin.execute(f"ALTER DATABASE {quote(new)} RENAME TO {quote(live)}")
    except BaseException:
        admin.execute(f"ALTER DATABASE {quote(live)} WITH ALLOW_CONNECTIONS true")
        raise
    admin.execute(f"ALTER DATABASE {quote(old_to)} WITH ALLOW_CONNECTIONS true")
