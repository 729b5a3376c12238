"""What an operator meets first: `make run`'s address and the Makefile's stamps."""

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings

from tests.servers import gunicorn_started

ROOT = Path(settings.BASE_DIR)


@pytest.mark.slow
@pytest.mark.django_db
def test_gunicorn_names_the_address_it_really_serves(tmp_path):
    # GUNICORN_BIND with port 0: the kernel picks the port, and the line
    # `make run` shows must name that one.
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
    }
    with gunicorn_started(env=env, log_path=tmp_path / "g.log", workers=1) as server:
        log = server.log()

    assert f"Serving on http://127.0.0.1:{server.port} (Ctrl-C to stop)" in log


FAKE_TOOL = """#!/bin/sh
# Stands in for a tool the Makefile runs; collectstatic writes its manifest.
case "$*" in *collectstatic*)
    mkdir -p var/static && touch var/static/staticfiles.json;;
esac
exit 0
"""


@pytest.fixture
def checkout(tmp_path) -> Path:
    """The Makefile and the files its rules depend on, with stand-in tools."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    for name in (
        "Makefile",
        "requirements.txt",
        "requirements-dev.txt",
        "package.json",
        "package-lock.json",
    ):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "static", tmp_path / "static")
    (tmp_path / ".env").write_text("DJANGO_SECRET_KEY=x\n")
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for tool in ("python", "pip", "pytest", "gunicorn"):
        (bin_dir / tool).write_text(FAKE_TOOL)
        (bin_dir / tool).chmod(0o755)
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / ".installed").touch()
    # Everything checked out a while ago.
    old = time.time() - 3600
    for path in tmp_path.rglob("*"):
        os.utime(path, (old, old), follow_symlinks=False)
    os.utime(tmp_path / "node_modules" / ".installed")
    return tmp_path


def _make(checkout: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [shutil.which("make"), *args],
        cwd=checkout,
        capture_output=True,
        text=True,
        check=False,
    )


def test_make_test_leaves_the_next_make_run_fast(checkout):
    assert _make(checkout, "var/static/staticfiles.json").returncode == 0
    assert _make(checkout, "-q", "var/static/staticfiles.json").returncode == 0

    tests = _make(checkout, "test")

    assert tests.returncode == 0, tests.stderr
    # The static files collected before are still up to date.
    assert _make(checkout, "-q", "var/static/staticfiles.json").returncode == 0


def test_new_runtime_packages_collect_static_files_again(checkout):
    assert _make(checkout, "var/static/staticfiles.json").returncode == 0
    (checkout / "requirements.txt").touch()

    assert _make(checkout, "test").returncode == 0

    assert _make(checkout, "-q", "var/static/staticfiles.json").returncode == 1
