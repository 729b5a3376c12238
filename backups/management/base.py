"""What the backup commands share: exit codes and a terminal-only progress line."""

import sys
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from backups.errors import BackupError


class BackupCommand(BaseCommand):
    """Turn BackupError into CommandError, keeping each error's exit code.

    Subclasses implement `run()`. Django prints a CommandError on stderr and
    exits with its returncode, which is what cron and monitoring read.
    """

    # The deploy runs the system checks; cron runs of these commands skip
    # them, as they add to every run and test nothing a backup depends on.
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            self.run(**options)
        except BackupError as error:
            raise CommandError(str(error), returncode=error.exit_code) from error

    def run(self, **options: Any) -> None:
        raise NotImplementedError

    def progress(self) -> Callable[[str], None] | None:
        """A progress line on a terminal; nothing at all under cron."""
        if not sys.stdout.isatty():
            return None

        def show(step: str) -> None:
            self.stdout.write(f"\r\033[K… {step}", ending="")
            self.stdout.flush()

        return show

    def done(self, message: str) -> None:
        """The one summary line, replacing any progress line."""
        if sys.stdout.isatty():
            self.stdout.write("\r\033[K", ending="")
        self.stdout.write(self.style.SUCCESS(message))


def size_text(size: int | None) -> str:
    """A size for people to read, in B, KiB, MiB or GiB."""
    if size is None:
        return "?"
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
