"""The site as production serves it, for the load benchmarks in bench/.

bench/load.py and bench/pages.py both run gunicorn with config/gunicorn.py
(started by tests/servers.py, which the fault tests use too) under the
environment built here: DEBUG off, a throwaway secret key, the manifest
static storage over files collected into the work folder, loopback hosts
only. `worker_memory()` reads a worker's memory from /proc, for
bench/pages.py.
"""

import re
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
_SMAPS_FIELD = re.compile(r"^(\w+):\s+(\d+) kB$", re.MULTILINE)


def production_environment(
    *, workdir: Path, database_url: str, cache_url: str
) -> dict[str, str]:
    """Production settings over this run's database, cache and work folder."""
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": database_url,
        "CACHE_URL": cache_url,
        "STATIC_ROOT": str(workdir / "static"),
        "MEDIA_ROOT": str(workdir / "media"),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    }


def wrk_required() -> None:
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk).")


def manage(*args: str) -> None:
    """Run a management command in its own process, with this environment."""
    subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, str(BASE_DIR / "manage.py"), *args], cwd=BASE_DIR, check=True
    )


def static_collect() -> None:
    """Hash and compress the static files into STATIC_ROOT, as a deploy does."""
    manage("collectstatic", "--noinput", "-v0")


@dataclass(frozen=True)
class Memory:
    """One process's memory, in KiB, from /proc/<pid>/smaps_rollup.

    With `preload_app` the workers share the master's pages until they write
    to them, so RSS counts shared pages in full; USS (private pages) is what
    the worker alone holds, and PSS shares the shared pages out evenly.
    """

    rss: int
    pss: int
    uss: int


def worker_memory(pid: int) -> Memory:
    return smaps_rollup_parse(Path(f"/proc/{pid}/smaps_rollup").read_text())


def smaps_rollup_parse(text: str) -> Memory:
    fields = {name: int(kib) for name, kib in _SMAPS_FIELD.findall(text)}
    return Memory(
        rss=fields["Rss"],
        pss=fields["Pss"],
        uss=fields["Private_Clean"] + fields["Private_Dirty"],
    )
