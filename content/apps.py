from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate, pre_migrate


def _remove_page_index_triggers(using: str, **kwargs) -> None:
    from content.search import page_index_remove

    page_index_remove(connections[using])


def _install_page_index(using: str, **kwargs) -> None:
    from content.search import page_index_install

    page_index_install(connections[using])


class ContentConfig(AppConfig):
    name = "content"
    verbose_name = "Content"

    def ready(self) -> None:
        import reversion

        from catalog import history, publishing
        from catalog import search as catalog_search
        from catalog import sitemaps as catalog_sitemaps
        from config import sitecache
        from content import search, sitemaps
        from content.models import BLOCK_RELATIONS, BLOCKS, Menu, MenuItem, Page

        # Every saved or deleted row that visitors can see makes cached pages
        # stale, whichever way it comes: admin form, revert, recover.
        sitecache.watch([Page, *BLOCKS, Menu, MenuItem])
        # The clock shows and hides pages as it does products, in the same
        # query (`catalog.cache.visibility_moments`).
        publishing.schedule_follow(Page)

        # A page's versions carry its blocks, so a revert or a recovery
        # brings the page back as it was, blocks and all.
        reversion.register(Page, follow=BLOCK_RELATIONS, format=history.TREE_FORMAT)
        for block in BLOCKS:
            reversion.register(block)

        # The catalog's search page and sitemap show pages too; the catalog
        # imports nothing from here, so pages are handed to it.
        catalog_search.result_finder_add(search.page_results)
        catalog_sitemaps.sitemap_section_add("pages", sitemaps.PageSitemap)
        # The search index's triggers are off while migrations run, which
        # may rebuild or alter the tables they read, and are put back, with
        # the index filled anew, after every migrate.
        pre_migrate.connect(_remove_page_index_triggers, sender=self)
        post_migrate.connect(_install_page_index, sender=self)
