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
        import reversion
        from django.contrib.sites.models import Site

        from catalog import cache, history, publishing
        from catalog.models import Category, Product, ProductImage
        from config import sitecache

        # SQLite drops a table's triggers when a migration rebuilds it, so
        # the search triggers are put back after every migrate.
        post_migrate.connect(_install_search_index, sender=self)

        # Every saved or deleted row that visitors can see makes cached pages
        # stale, whichever way it comes: admin form, revert, recover, import.
        # The site's domain is in the sitemap's links.
        sitecache.watch([Product, ProductImage, Category, Site])
        publishing.schedule_follow(Product)
        sitecache.schedule_follow(cache.visibility_moments)

        # History: a product's versions carry its images, so "recover
        # deleted" brings both back. A revert never moves a category.
        reversion.register(Product, follow=("images",))
        reversion.register(ProductImage)
        reversion.register(Category, format=history.TREE_FORMAT)
