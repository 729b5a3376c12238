"""Faults the site must survive: lost database connections, SIGTERM, a full disk.

The first two run the site in gunicorn, started with config/gunicorn.py as
in production (tests/servers.py), and look at it from outside, through
HTTP; the third runs the backup command on a tmpfs too small for it.
"""

import errno
import hashlib
import io
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

import backups.storage
from backups.errors import EXIT_NO_SPACE
from backups.storage import PARTIAL_PREFIX
from catalog.tests.factories import make_product
from config import gunicorn as gunicorn_config
from tests.servers import gunicorn_started, http_get

POSTGRESQL = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
GRACEFUL_TIMEOUT = gunicorn_config.graceful_timeout


@dataclass
class Outcome:
    started: float
    ended: float
    status: int | str  # An HTTP status, or the error that stopped the request.


class RequestStream:
    """Client threads sending GETs in turn over `paths`, each on its own
    connection, until stopped or until `limit` requests have been sent."""

    def __init__(
        self, port: int, paths: list[str], *, threads: int, limit: int
    ) -> None:
        self.port = port
        self.paths = paths
        self.limit = limit
        self.outcomes: list[Outcome] = []
        self._sent = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, args=(number,), daemon=True)
            for number in range(threads)
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def successes_after(self, moment: float) -> int:
        with self._lock:
            return sum(
                1 for o in self.outcomes if o.started > moment and o.status == 200
            )

    def wait_for_successes(self, count: int, *, after: float) -> None:
        """Wait until `count` requests sent after `after` have answered 200."""
        deadline = time.monotonic() + 30
        while self.successes_after(after) < count:
            assert time.monotonic() < deadline, (
                f"fewer than {count} requests answered 200 within 30 s: "
                f"{self.outcomes[-10:]}"
            )
            assert self._sent < self.limit, "the request budget ran out"
            time.sleep(0.02)

    def _run(self, number: int) -> None:
        turn = number
        while not self._stop.is_set():
            with self._lock:
                if self._sent >= self.limit:
                    return
                self._sent += 1
            path = self.paths[turn % len(self.paths)]
            turn += 1
            started = time.monotonic()
            try:
                status: int | str = http_get(self.port, path, timeout=20)[0]
            except OSError as error:
                status = repr(error)
            outcome = Outcome(started=started, ended=time.monotonic(), status=status)
            with self._lock:
                self.outcomes.append(outcome)


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def _backends_terminate(*, keep: int) -> tuple[list[int], float, float]:
    """Terminate every connection to the test database but `keep`.

    Returns their pids, when the signal went out, and when the last of them
    was gone: pg_terminate_backend only sends the signal.
    """
    s = connection.settings_dict
    with psycopg.connect(
        host=s["HOST"],
        port=s["PORT"],
        user=s["USER"],
        password=s["PASSWORD"],
        dbname="postgres",
        autocommit=True,
    ) as admin:
        pids = [
            row[0]
            for row in admin.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> %s",
                (s["NAME"], keep),
            )
        ]
        # A separate statement over the chosen pids only: in one WHERE clause
        # PostgreSQL may call pg_terminate_backend before the other filters,
        # on every backend of the server.
        sent = time.monotonic()
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM unnest(%s::integer[]) AS pid",
            (pids,),
        )
        deadline = time.monotonic() + 10
        while admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", (pids,)
        ).fetchone()[0]:
            assert time.monotonic() < deadline, "terminated backends did not end"
            time.sleep(0.01)
        return pids, sent, time.monotonic()


@pytest.mark.slow
@pytest.mark.skipif(
    not POSTGRESQL,
    reason="pg_terminate_backend needs PostgreSQL (set DATABASE_URL; CI does)",
)
def test_terminated_database_connections_fail_only_requests_in_flight(
    transactional_db, tmp_path
):
    """Each worker checks its connection at the start of a request and opens a
    new one when the old one was terminated: under load only requests in
    flight at a termination may fail, after a termination between requests
    none does, and no worker is restarted."""
    product = make_product()
    paths = ["/", "/products/", product.get_absolute_url()]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        own_backend = cursor.fetchone()[0]
    workers = 2
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": _database_url(),
        # Persistent connections are what a termination breaks.
        "DATABASE_CONN_MAX_AGE": "60",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        # Every request must reach the database, which cached pages do not.
        "PAGE_CACHE_SECONDS": "0",
    }
    with gunicorn_started(
        env=env, log_path=tmp_path / "gunicorn.log", workers=workers
    ) as server:
        workers_before = server.worker_pids()
        assert len(workers_before) == workers
        # Under load: more clients than workers, so requests also queue.
        stream = RequestStream(server.port, paths, threads=2 * workers, limit=800)
        stream.start()
        windows = []
        try:
            stream.wait_for_successes(20, after=0)
            for _ in range(3):
                terminated, sent, gone = _backends_terminate(keep=own_backend)
                assert terminated
                windows.append((sent, gone))
                stream.wait_for_successes(30, after=gone)
        finally:
            stream.stop()
        # Between requests: the workers' idle connections are terminated;
        # the very next requests must not notice.
        terminated, _, _ = _backends_terminate(keep=own_backend)
        assert terminated
        with ThreadPoolExecutor(max_workers=2 * workers) as clients:
            after_idle = list(
                clients.map(lambda path: server.get(path)[0], paths * 2 * workers)
            )
        workers_after = server.worker_pids()
        log = server.log()

    failed = [o for o in stream.outcomes if o.status != 200]
    for outcome in failed:
        assert any(
            outcome.started <= gone and outcome.ended >= sent for sent, gone in windows
        ), f"a request not in flight at a termination failed: {outcome}"
    # A sync worker serves one request at a time.
    assert len(failed) <= workers * len(windows), failed
    assert after_idle == [200] * len(after_idle), log
    assert workers_after == workers_before, log
    assert "WORKER TIMEOUT" not in log


@pytest.mark.slow
def test_sigterm_lets_the_requests_in_flight_finish(tmp_path):
    """On SIGTERM, gunicorn stops taking requests, lets each worker finish the
    one it is serving, and exits well within its graceful timeout."""
    workers = 3
    env = {
        "DJANGO_SETTINGS_MODULE": "tests.slow_settings",
        # The slow page reads nothing from the database.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    answers: dict[int, tuple[int, bytes] | str] = {}

    def request(tag: int) -> None:
        try:
            answers[tag] = http_get(server.port, f"/slow/?seconds=2&tag={tag}")
        except OSError as error:
            answers[tag] = repr(error)

    with gunicorn_started(
        env=env, log_path=tmp_path / "gunicorn.log", workers=workers
    ) as server:
        clients = [
            threading.Thread(target=request, args=(tag,)) for tag in range(workers)
        ]
        for client in clients:
            client.start()
        # Signal only once every worker has started its request.
        deadline = time.monotonic() + 20
        while len(re.findall("slow request started", server.log())) < workers:
            assert time.monotonic() < deadline, server.log()
            time.sleep(0.02)

        sent = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        returncode = server.process.wait(timeout=GRACEFUL_TIMEOUT + 10)
        exited_after = time.monotonic() - sent
        for client in clients:
            client.join(timeout=10)
        log = server.log()

    assert answers == {
        tag: (200, f"slept 2.0 tag={tag}\n".encode()) for tag in range(workers)
    }, log
    assert returncode == 0, log
    assert exited_after < GRACEFUL_TIMEOUT, log


@pytest.fixture
def small_disk() -> Iterator[Path]:
    """A 4 MiB tmpfs, unmounted afterwards; skips where mounting is refused."""
    # Not under tmp_path: a concurrent pytest run may clear old base folders,
    # and a mount point inside one would make that fail.
    folder = Path(tempfile.mkdtemp(prefix="showroom-small-disk-"))
    try:
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)],  # noqa: S607
            capture_output=True,
            text=True,
        )
    except FileNotFoundError:
        mounted = None
    if mounted is None or mounted.returncode != 0:
        folder.rmdir()
        why = mounted.stderr.strip() if mounted else "no mount command"
        pytest.skip(f"cannot mount a tmpfs (needs root): {why}")
    try:
        yield folder
    finally:
        unmounted = subprocess.run(
            ["umount", str(folder)],  # noqa: S607
            capture_output=True,
            text=True,
        )
        if unmounted.returncode != 0:
            # A file is still open there: detach the disk all the same, so
            # that no mount outlives the test, and report the leak.
            subprocess.run(["umount", "--lazy", str(folder)], check=True)  # noqa: S607
        folder.rmdir()
        assert unmounted.returncode == 0, f"still in use: {unmounted.stderr}"


def _archives(folder: Path) -> dict[str, str]:
    """The SHA-256 of each archive and of each archive's status file."""
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in folder.iterdir()
        if path.name.startswith("backup-")
    }


def _disk_fill(folder: Path, *, stage: str) -> list[Path]:
    """Make the next backup run out of space at `stage`; the files to delete
    to make room again."""
    if stage == "media":
        # Random bytes do not compress: 6 MB of them cannot fit on 4 MiB.
        names = [
            default_storage.save(f"photos/{n}.jpg", ContentFile(os.urandom(1_000_000)))
            for n in range(6)
        ]
        return [Path(default_storage.path(name)) for name in names]
    # Leave 8 KiB: less than the database dump needs, even compressed.
    filler = folder / "filler"
    free = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize
    filler.write_bytes(b"\0" * (free - 8 * 1024))
    return [filler]


@pytest.fixture
def backup_settings(settings, small_disk) -> Path:
    settings.BACKUP_DIR = small_disk
    settings.BACKUP_STORAGE = ""
    settings.BACKUP_ENCRYPTION_KEY = ""
    settings.BACKUP_COMPRESSION = "zstd"
    return small_disk


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("stage", ["database", "media"])
def test_a_disk_filling_up_during_a_backup_is_reported_and_spares_older_archives(
    backup_settings, stage
):
    """Whether the disk fills while the database or the media are written,
    the backup stops with a message naming the full disk's folder and exit
    code 7, leaves no partial file, and the earlier archive still verifies;
    once space is freed the next backup works."""
    folder = backup_settings
    default_storage.save("pages/notes.txt", ContentFile(b"Opening hours: 9 to 5."))
    call_command("backup", stdout=io.StringIO())
    earlier = _archives(folder)
    (name,) = [name for name in earlier if not name.endswith(".json")]
    fillers = _disk_fill(folder, stage=stage)

    with pytest.raises(CommandError) as raised:
        call_command("backup", stdout=io.StringIO(), stderr=io.StringIO())

    assert raised.value.returncode == EXIT_NO_SPACE
    message = str(raised.value)
    assert "The disk is full" in message
    assert str(folder) in message
    assert not [p for p in folder.iterdir() if p.name.startswith(PARTIAL_PREFIX)]
    assert _archives(folder) == earlier
    call_command("verify_backup", name, stdout=io.StringIO())

    for filler in fillers:
        filler.unlink()
    out = io.StringIO()
    call_command("backup", stdout=out)
    assert "verified" in out.getvalue()
    assert len(_archives(folder)) == 4


@pytest.mark.django_db(transaction=True)
def test_a_disk_full_when_the_status_is_written_leaves_no_new_archive(
    settings, tmp_path, monkeypatch
):
    """The status file is written last; should the disk fill then, the new
    archive goes too, so that the run leaves no file as it says."""
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.BACKUP_STORAGE = ""
    settings.BACKUP_ENCRYPTION_KEY = ""

    def status_write(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(backups.storage, "status_write", status_write)

    with pytest.raises(CommandError) as raised:
        call_command("backup", "--no-media", stdout=io.StringIO())

    assert raised.value.returncode == EXIT_NO_SPACE
    assert not [p.name for p in settings.BACKUP_DIR.iterdir() if p.name[0] != "."]
