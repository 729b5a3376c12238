"""List the backup archives with their date, size, engine and verified state."""

from typing import Any

from backups.management.base import BackupCommand, size_text
from backups.services import backups_list, safety_copies_list


class Command(BackupCommand):
    help = "List backup archives, oldest first. Exit codes: 0 done, 1 error."

    def run(self, **options: Any) -> None:
        archives = backups_list()
        for item in archives:
            if item.status is None:
                state = "unverified"
            elif item.verified:
                state = "verified"
            else:
                state = f"DAMAGED ({item.status.get('reason', '')})"
            self.stdout.write(
                f"{item.created:%Y-%m-%d %H:%M:%S}Z  {size_text(item.size):>10}  "
                f"{item.engine:<10}  {state:<10}  {item.name}"
            )
        self.stdout.write(f"{len(archives)} archive(s).")
        copies = safety_copies_list()
        for copy in copies:
            state = "rolled back" if copy.rolled_back else "kept"
            self.stdout.write(
                f"{copy.created:%Y-%m-%d %H:%M:%S}Z  safety copy  {state:<11}  "
                f"{copy.name}: database {copy.database}, before {copy.archive}"
            )
        if copies:
            self.stdout.write(
                f"{len(copies)} safety cop{'y' if len(copies) == 1 else 'ies'} "
                "of restores (rollback_restore, drop_safety_copy)."
            )
