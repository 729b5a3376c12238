from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


def _install_search_index(using: str, **kwargs) -> None:
    from catalog.search import search_index_install

    search_index_install(connections[using])


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        # SQLite drops a table's triggers when a migration rebuilds it, so
        # the search triggers are put back after every migrate.
        post_migrate.connect(_install_search_index, sender=self)
