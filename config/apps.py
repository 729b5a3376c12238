from django.apps import AppConfig
from django.core import checks


class SiteConfig(AppConfig):
    """The project's own checks; `config` holds no models."""

    name = "config"
    label = "site_config"
    verbose_name = "Site configuration"

    def ready(self) -> None:
        from config.checks import check_state_is_shared

        checks.register(check_state_is_shared)
