"""For monitoring: is the newest verified backup recent enough?"""

import re
from datetime import timedelta
from typing import Any

from django.core.management.base import CommandError

from backups.management.base import BackupCommand
from backups.services import backups_check

UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def duration(text: str) -> timedelta:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([smhd])", text.strip())
    if match is None:
        raise CommandError(f"--max-age takes e.g. 26h, 90m or 2d, not {text!r}.")
    return timedelta(**{UNITS[match[2]]: float(match[1])})


class Command(BackupCommand):
    help = (
        "Exit 0 when the newest verified archive is younger than --max-age, "
        "5 with a message on stderr otherwise (1 on other errors)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--max-age", default="26h", help="E.g. 26h (the default).")

    def run(self, **options: Any) -> None:
        newest = backups_check(max_age=duration(options["max_age"]))
        self.done(f"Newest verified backup: {newest.name}.")
