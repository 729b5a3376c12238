from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_delete, post_migrate, post_save


def _install_search_index(using: str, **kwargs) -> None:
    from catalog.search import search_index_install

    search_index_install(connections[using])


def _catalog_changed(**kwargs) -> None:
    from catalog.services import catalog_changed_now_and_on_commit

    catalog_changed_now_and_on_commit()


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        import reversion
        from django.contrib.flatpages.models import FlatPage

        from catalog import history
        from catalog.models import Category, Product, ProductImage

        # SQLite drops a table's triggers when a migration rebuilds it, so
        # the search triggers are put back after every migrate.
        post_migrate.connect(_install_search_index, sender=self)

        # Every write that visitors can see makes cached catalog data stale,
        # whichever way it comes: admin form, revert, recover or import.
        for model in (Product, ProductImage, Category, FlatPage):
            post_save.connect(_catalog_changed, sender=model, weak=False)
            post_delete.connect(_catalog_changed, sender=model, weak=False)

        # History: a product's versions carry its images, so "recover
        # deleted" brings both back. A revert never moves a category.
        reversion.register(Product, follow=("images",))
        reversion.register(ProductImage)
        reversion.register(Category, format=history.CATEGORY_FORMAT)
        reversion.register(FlatPage)
