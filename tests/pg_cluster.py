"""A PostgreSQL primary and its streaming replica, started for tests.

`cluster_started()` runs Debian's PostgreSQL server binaries (`pg_config
--bindir`): `initdb` makes a primary in a temporary folder, `pg_basebackup
-R` copies it into a replica that streams from it, and `pg_ctl` starts both
on free loopback ports, with their unix sockets in that folder too. Both
are stopped and the folder removed on exit. The machine's own PostgreSQL
(port 5432) is never touched.

`initdb` refuses to run as root; as root, the servers run as the `postgres`
user and the folder belongs to it.

Without the binaries the tests that need a cluster skip, unless
REQUIRE_SERVERS=1 (set by CI), which makes them fail instead.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

DATABASE = "showroom"
START_TIMEOUT = 60
# hot_standby_feedback keeps the primary's vacuum from removing rows that a
# query on the replica still reads, and max_standby_streaming_delay = -1
# makes replay wait for such a query rather than cancel it. Without them,
# after replay was paused for a while, a query on the replica (even
# `pg_wal_replay_resume()`) may be cancelled at once for a "conflict with
# recovery", which tests must not depend on.
SERVER_SETTINGS = """
listen_addresses = '127.0.0.1'
wal_level = replica
hot_standby = on
hot_standby_feedback = on
max_standby_streaming_delay = -1
max_wal_senders = 4
shared_buffers = 16MB
log_min_messages = warning
"""
# For a cluster that exists for one test run: nothing needs to survive a
# crash, so nothing is synced to disk.
THROWAWAY_SETTINGS = """
fsync = off
full_page_writes = off
"""


def _bindir() -> Path | None:
    try:
        found = subprocess.run(
            ["pg_config", "--bindir"],  # noqa: S607 - found on PATH on purpose
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    bindir = Path(found)
    needed = ("initdb", "pg_basebackup", "pg_ctl", "postgres")
    return bindir if all((bindir / name).exists() for name in needed) else None


def missing_prerequisite() -> str | None:
    """Why a cluster cannot be started here, or None when it can."""
    if _bindir() is None:
        return (
            "PostgreSQL server binaries not found (pg_config --bindir with "
            "initdb, pg_basebackup, pg_ctl; Debian: postgresql-15)"
        )
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            return "running as root needs runuser to start PostgreSQL as postgres"
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root needs a postgres user to run PostgreSQL"
    return None


def require_cluster() -> None:
    """Skip the calling test when no cluster can run here, or fail with
    REQUIRE_SERVERS=1."""
    why = missing_prerequisite()
    if why is None:
        return
    if os.environ.get("REQUIRE_SERVERS") == "1":
        pytest.fail(f"REQUIRE_SERVERS=1 but {why}")
    pytest.skip(why)


def _free_port() -> int:
    # PostgreSQL cannot be told to pick a port itself, so one is picked
    # here; the small chance that another process takes it first shows up
    # as a clear start failure.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        return listener.getsockname()[1]


@dataclass
class Server:
    name: str
    data: Path
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def connect(self, dbname: str = DATABASE) -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user="postgres",
            dbname=dbname,
            autocommit=True,
            connect_timeout=5,
        )

    def query(self, sql: str, params: tuple = ()) -> tuple | None:
        """The first row of `sql`, run on a connection of its own."""
        with self.connect() as connection:
            return connection.execute(sql, params).fetchone()

    def execute(self, sql: str, params: tuple = ()) -> None:
        with self.connect() as connection:
            connection.execute(sql, params)


class Cluster:
    def __init__(self, folder: Path, bindir: Path, *, durable: bool) -> None:
        self.folder = folder
        self.bindir = bindir
        self.durable = durable
        self.primary = Server(
            "primary", folder / "primary", _free_port(), folder / "primary.log"
        )
        self.replica = Server(
            "replica", folder / "replica", _free_port(), folder / "replica.log"
        )

    def run(self, program: str, *args: str) -> None:
        command = [str(self.bindir / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(  # noqa: S603 - fixed programs, our arguments
            command, capture_output=True, text=True, cwd=self.folder, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"{program} failed ({result.returncode}):\n{result.stdout}"
                f"{result.stderr}\n{self.logs()}"
            )

    def logs(self) -> str:
        parts = []
        for server in (self.primary, self.replica):
            if server.log.exists():
                parts.append(f"--- {server.name} log:\n{server.log.read_text()}")
        return "\n".join(parts)

    def start(self, server: Server) -> None:
        self.run(
            "pg_ctl",
            "start",
            "--wait",
            f"--timeout={START_TIMEOUT}",
            "-D",
            str(server.data),
            "-l",
            str(server.log),
            "-o",
            f"-p {server.port} -k {self.folder}",
        )

    def stop(self, server: Server, *, mode: str = "fast") -> None:
        if (server.data / "postmaster.pid").exists():
            self.run("pg_ctl", "stop", "--wait", "-m", mode, "-D", str(server.data))

    def create(self) -> None:
        self.run(
            "initdb",
            "--no-sync",
            "--auth=trust",
            "--username=postgres",
            "--encoding=UTF8",
            "--locale=C",
            "-D",
            str(self.primary.data),
        )
        with (self.primary.data / "postgresql.conf").open("a") as conf:
            conf.write(SERVER_SETTINGS)
            if not self.durable:
                conf.write(THROWAWAY_SETTINGS)
        self.start(self.primary)
        with self.primary.connect("postgres") as connection:
            connection.execute(f"CREATE DATABASE {DATABASE}")
        # -R writes primary_conninfo and standby.signal: the copy starts as
        # a hot standby streaming from the primary.
        self.run(
            "pg_basebackup",
            "--host=127.0.0.1",
            f"--port={self.primary.port}",
            "--username=postgres",
            "--pgdata",
            str(self.replica.data),
            "--write-recovery-conf",
            "--wal-method=stream",
            "--checkpoint=fast",
            "--no-sync",
        )
        self.start(self.replica)
        self.wait_streaming()

    def wait_streaming(self) -> None:
        """Wait until the replica streams from the primary."""
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            row = self.primary.query(
                "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"
            )
            if row[0] >= 1:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"the replica did not stream:\n{self.logs()}")
            time.sleep(0.05)

    def wait_replayed(self, *, timeout: float = 30) -> None:
        """Wait until the replica has replayed everything the primary wrote."""
        (target,) = self.primary.query("SELECT pg_current_wal_lsn()")
        deadline = time.monotonic() + timeout
        while not self.replica.query(
            "SELECT pg_last_wal_replay_lsn() >= %s", (target,)
        )[0]:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the replica did not replay {target} within {timeout} s"
                )
            time.sleep(0.01)

    def replay_pause(self) -> None:
        """Stop replaying WAL on the replica; it still receives it."""
        with self.replica.connect() as connection:
            connection.execute("SELECT pg_wal_replay_pause()")
            deadline = time.monotonic() + 30
            while (
                connection.execute("SELECT pg_get_wal_replay_pause_state()").fetchone()[
                    0
                ]
                != "paused"
            ):
                if time.monotonic() > deadline:
                    raise RuntimeError("replay did not pause within 30 s")
                time.sleep(0.01)

    def replay_resume(self) -> None:
        with self.replica.connect() as connection:
            connection.execute("SELECT pg_wal_replay_resume()")


@contextlib.contextmanager
def cluster_started(*, durable: bool = False) -> Iterator[Cluster]:
    """A primary with a database `showroom` and a replica streaming from it.

    Unless `durable`, the servers never sync to disk, which is faster; a
    benchmark of replication wants them to, as in production.

    Both are stopped (immediately: nothing in them is kept) and their folder
    removed on exit, also when the block fails.
    """
    require_cluster()
    folder = Path(tempfile.mkdtemp(prefix="showroom-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    cluster = Cluster(folder, _bindir(), durable=durable)
    try:
        cluster.create()
        yield cluster
    finally:
        for server in (cluster.replica, cluster.primary):
            with contextlib.suppress(RuntimeError):
                cluster.stop(server, mode="immediate")
        shutil.rmtree(folder, ignore_errors=True)
