"""Mail the weekly or monthly report to the people who own the site.

Exit codes: 0 sent (or printed with --dry-run); 1 no recipients, a bad
address, or the mail server refused it.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.utils import timezone

from reports.services import report_send


class Command(BaseCommand):
    help = (
        "Mail the figures of the last complete week or month, and of the one "
        "before, with the tables as CSV files. Recipients default to "
        "REPORT_RECIPIENTS."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--period", choices=("weekly", "monthly"), required=True)
        parser.add_argument(
            "--to",
            default="",
            help="Comma-separated addresses (default: REPORT_RECIPIENTS).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print the text version; send nothing.",
        )

    def handle(self, *args, period: str, to: str, dry_run: bool, **options) -> None:
        recipients = [a.strip() for a in to.split(",") if a.strip()] or list(
            settings.REPORT_RECIPIENTS
        )
        for address in recipients:
            try:
                validate_email(address)
            except ValidationError:
                raise CommandError(f"Not an email address: {address!r}.") from None
        if not recipients and not dry_run:
            raise CommandError(
                "Nobody to send the report to: give --to or set REPORT_RECIPIENTS."
            )
        try:
            message = report_send(
                kind=period,
                recipients=recipients,
                today=timezone.localdate(),
                dry_run=dry_run,
            )
        except OSError as error:
            raise CommandError(
                f"The mail server did not take the report: {error}"
            ) from None
        if dry_run:
            self.stdout.write(message.body)
            return
        self.stdout.write(
            self.style.SUCCESS(f"Sent the {period} report to {', '.join(recipients)}.")
        )
