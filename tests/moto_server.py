"""A local S3-compatible server for tests: moto in server mode.

`moto_server_started()` runs moto's server in its own process on a free
loopback port, so the site's S3 storage (django-storages through boto3) can
be tested against real HTTP without an account anywhere. Its buckets live
in that process's memory and go with it.
"""

import contextlib
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3

from tests.servers import LoopbackServer, site_environment, stop

# moto's server (werkzeug) logs the port the kernel picked for port 0.
RUNNING = re.compile(r"Running on http://127\.0\.0\.1:(\d+)")
START_TIMEOUT = 30
ACCESS_KEY_ID = "testing"
SECRET_ACCESS_KEY = "testing"  # noqa: S105 - moto accepts any key
REGION = "us-east-1"


@dataclass
class MotoServer(LoopbackServer):
    def client(self):
        """A boto3 S3 client for this server."""
        return boto3.client(
            "s3",
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
        )

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        """Every key in `bucket` under `prefix`."""
        pages = self.client().get_paginator("list_objects_v2")
        return [
            item["Key"]
            for page in pages.paginate(Bucket=bucket, Prefix=prefix)
            for item in page.get("Contents", [])
        ]

    def site_env(self) -> dict[str, str]:
        """The S3_* settings that point the site at this server."""
        return {
            "S3_ENDPOINT_URL": self.url,
            "S3_REGION": REGION,
            "S3_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "S3_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
        }


@contextlib.contextmanager
def moto_server_started(*, log_path: Path) -> Iterator[MotoServer]:
    """Start moto's S3 server on a free loopback port; stop it on exit."""
    moto = Path(sys.executable).with_name("moto_server")
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [str(moto), "-H", "127.0.0.1", "-p", "0"],
            env=site_environment({}),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield MotoServer(
            process=process, port=_wait_until_up(process, log_path), log_path=log_path
        )
    finally:
        stop(process, timeout=10)


def _wait_until_up(process: subprocess.Popen, log_path: Path) -> int:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto_server exited at start:\n{log_path.read_text()}")
        running = RUNNING.search(log_path.read_text(errors="replace"))
        if running:
            # The socket is bound before the line is logged.
            return int(running[1])
        time.sleep(0.05)
    raise RuntimeError(f"moto_server did not start in time:\n{log_path.read_text()}")
