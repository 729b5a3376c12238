from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "content"
    verbose_name = "Content"

    def ready(self) -> None:
        import reversion

        from catalog import history, publishing
        from config import sitecache
        from content.models import BLOCK_RELATIONS, BLOCKS, Page

        # Every saved or deleted row that visitors can see makes cached pages
        # stale, whichever way it comes: admin form, revert, recover.
        sitecache.watch([Page, *BLOCKS])
        # The clock shows and hides pages as it does products, in the same
        # query (`catalog.cache.visibility_moments`).
        publishing.schedule_follow(Page)

        # A page's versions carry its blocks, so a revert or a recovery
        # brings the page back as it was, blocks and all.
        reversion.register(Page, follow=BLOCK_RELATIONS, format=history.TREE_FORMAT)
        for block in BLOCKS:
            reversion.register(block)
