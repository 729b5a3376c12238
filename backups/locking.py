"""One backup or restore at a time, through a lock file.

The lock is an flock(2) on the file, so the kernel releases it when its
holder dies, even by kill -9: a lock file left by a dead process is simply
taken over by the next run. The file holds the holder's PID for the message.
"""

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from backups.errors import BackupLocked


@contextlib.contextmanager
def backup_lock(path: Path) -> Iterator[None]:
    """Hold the lock at `path`, or raise BackupLocked at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            raise BackupLocked(
                f"Another backup or restore is running (process {holder}, "
                f"lock {path}); try again later."
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)
