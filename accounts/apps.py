from django.apps import AppConfig
from django.core import checks

from accounts.checks import check_trusted_proxy_count


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        checks.register(check_trusted_proxy_count, checks.Tags.security, deploy=True)
