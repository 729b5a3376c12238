"""wrk runs for bench/pages.py, read through bench/pages.lua's summary line."""

import math
import os
import re
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

LUA_SCRIPT = Path(__file__).resolve().parent / "pages.lua"
_SUMMARY = re.compile(r"^PAGES (requests=.*)$", re.MULTILINE)
_THREAD_STOPPED = "PAGES thread stopped\n"
# wrk's own timeout is 2 s; a slower answer would count as a socket error
# and drop out of the latency figures instead of showing in them.
TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    # Socket errors (connect, read, write, timeout) and answers of 400 and
    # above: a run with any is a failed run.
    socket_errors: int
    error_statuses: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def failed(self) -> bool:
        return bool(self.socket_errors or self.error_statuses)


def wrk_run(
    url: str,
    *,
    connections: int,
    seconds: int,
    threads: int = 2,
    paths_file: Path | None = None,
    limit: int | None = None,
) -> WrkResult:
    """Run wrk on loopback for `seconds` at most and return its figures.

    With `paths_file`, the requests go to its paths in turn, and the run
    ends early once about `limit` answers came (`limit` split over threads).
    """
    env = dict(os.environ)
    if paths_file is not None:
        env["PAGES_PATHS"] = str(paths_file)
        env["PAGES_LIMIT"] = str(math.ceil(limit / threads))
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        f"{TIMEOUT_SECONDS}s",
        "-s",
        str(LUA_SCRIPT),
        url,
    ]
    lines = []
    stopped = 0
    with subprocess.Popen(  # noqa: S603 - fixed arguments, wrk checked at start
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as process:
        for line in process.stdout:
            lines.append(line)
            if line == _THREAD_STOPPED:
                stopped += 1
                if stopped == threads:
                    process.send_signal(signal.SIGINT)
    output = "".join(lines)
    if process.returncode != 0:
        raise RuntimeError(f"wrk exited with {process.returncode}:\n{output}")
    return wrk_summary_parse(output)


def wrk_summary_parse(output: str) -> WrkResult:
    """Read the line bench/pages.lua writes when wrk ends."""
    match = _SUMMARY.search(output)
    if match is None:
        raise ValueError(f"No summary line in wrk's output:\n{output}")
    fields = {
        name: int(value)
        for name, value in (pair.split("=") for pair in match[1].split())
    }
    return WrkResult(
        requests=fields["requests"],
        seconds=fields["duration_us"] / 1_000_000,
        p50_ms=fields["p50_us"] / 1000,
        p95_ms=fields["p95_us"] / 1000,
        p99_ms=fields["p99_us"] / 1000,
        socket_errors=sum(
            fields[kind] for kind in ("connect", "read", "write", "timeout")
        ),
        error_statuses=fields["status"],
    )
