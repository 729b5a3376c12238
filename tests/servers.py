"""Gunicorn started as production starts it, for tests that need real workers.

`gunicorn_started()` runs `gunicorn -c config/gunicorn.py` in its own
process on a free loopback port and yields once every worker is up. The
fault tests use it; so can any test that must see the site through the
process model it is deployed with (forked workers, a master that restarts
them) rather than through Django's test client. `site_environment()` is the
environment it runs in, which `manage_run()` shares, so a management command
can run as on that server (tests/test_two_servers.py runs two servers, each
with its own environment).
"""

import contextlib
import http.client
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

# Port 0 has the kernel pick a free port when gunicorn binds; gunicorn then
# logs the one it got. Asking for a free port first and passing it on would
# leave a moment in which another process could take it.
LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")
BOOTED = re.compile(r"Booting worker with pid: (\d+)")
START_TIMEOUT = 60


@dataclass
class LoopbackServer:
    """A server process a test started on a loopback port, and its log."""

    process: subprocess.Popen
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class GunicornServer(LoopbackServer):
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def worker_pids(self) -> set[int]:
        """The master's live child processes, read from /proc."""
        return children_of(self.process.pid)

    def get(self, path: str, *, timeout: float = 10) -> tuple[int, bytes]:
        """One GET on a fresh connection; the status and the body."""
        return http_get(self.port, path, timeout=timeout)

    def kill(self) -> None:
        """SIGKILL the master and its workers, as when the machine dies.

        The workers are killed too: alone, they would notice their master
        gone only at their next heartbeat and go on serving until then.
        """
        workers = self.worker_pids()
        self.process.kill()
        self.process.wait()
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def children_of(pid: int) -> set[int]:
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # The process ended while the folder was read.
        # After the command name: state, then the parent's pid.
        if int(fields[1]) == pid and fields[0] != "Z":
            children.add(int(stat.parent.name))
    return children


def http_get(port: int, path: str, *, timeout: float = 10) -> tuple[int, bytes]:
    answer = http_request(port, "GET", path, timeout=timeout)
    return answer.status, answer.body


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


def http_request(
    port: int,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 10,
) -> Answer:
    """One request on a fresh connection; the status, headers and body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(
            method, path, body=body, headers={"Host": "127.0.0.1", **(headers or {})}
        )
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()


def site_environment(env: dict[str, str]) -> dict[str, str]:
    """This process's environment with `env` added, for a server or command.

    The site is imported from this checkout and allows the loopback hosts
    the tests ask for, unless `env` says otherwise.
    """
    return {
        **os.environ,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONPATH": str(settings.BASE_DIR),
        "PYTHONUNBUFFERED": "1",
        **env,
    }


def manage_run(
    *args: str, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess:
    """Run `manage.py *args` in the environment a server started with `env`
    has; its exit code and output are the caller's to check."""
    return subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=site_environment(env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@contextlib.contextmanager
def gunicorn_started(
    *, env: dict[str, str], log_path: Path, workers: int | None = 2
) -> Iterator[GunicornServer]:
    """Start gunicorn with config/gunicorn.py and `workers` workers.

    `env` is added to this process's environment; it must name the database
    (DATABASE_URL) and the settings module. With `workers` None the number
    is config/gunicorn.py's own. On exit the master gets SIGTERM (SIGKILL if
    it is still there after gunicorn's graceful timeout), unless the caller
    stopped or killed it already.
    """
    environment = site_environment({"GUNICORN_BIND": "127.0.0.1:0", **env})
    if workers is not None:
        environment["WEB_CONCURRENCY"] = str(workers)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [str(gunicorn), "-c", "config/gunicorn.py"],
            cwd=settings.BASE_DIR,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        port = _wait_until_up(process, log_path, workers=workers)
        yield GunicornServer(process=process, port=port, log_path=log_path)
    finally:
        stop(process)


def stop(process: subprocess.Popen, *, timeout: float = 30) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(
    process: subprocess.Popen, log_path: Path, *, workers: int | None
) -> int:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited at start:\n{log_path.read_text()}")
        text = log_path.read_text(errors="replace")
        listening = LISTENING.search(text)
        if listening and len(BOOTED.findall(text)) >= (workers or 1):
            port = int(listening[1])
            # Every worker is a fork of the master's preloaded app, so one
            # answer shows that they all can serve.
            with contextlib.suppress(OSError):
                status, _ = http_get(port, "/robots.txt", timeout=5)
                if status == 200:
                    return port
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not start in time:\n{log_path.read_text()}")
