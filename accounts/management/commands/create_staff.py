"""Create the first staff account, printing its password once."""

from django.core.management.base import BaseCommand

from accounts.services import staff_account_create_first


class Command(BaseCommand):
    help = (
        "Create a superuser with a random password and print it once. "
        "Does nothing when a superuser exists already."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--email", default="admin@example.com")

    def handle(self, *args, email: str, **options) -> None:
        user, password = staff_account_create_first(email=email)
        if password is None:
            self.stdout.write(f"Staff account {user.email} exists; password unchanged.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Created staff account {user.email} with password {password} "
                "(shown once; change it in the admin)."
            )
        )
