"""Writes on content pages."""

import reversion
from django.db import transaction
from django.db.models import F
from reversion.models import Version

from catalog.services import node_create, picture_renditions_store
from config import sitecache
from content.models import BLOCKS, Banner, ImageBlock, Page


def page_block_renditions_store(*, page: Page) -> None:
    """Make the renditions of the page's image and banner blocks where missing.

    Called once the blocks are saved, by every path that saves them.
    """
    for model in (ImageBlock, Banner):
        for block in model.objects.filter(parent=page):
            if block.image and not block.renditions_current():
                picture_renditions_store(image=block)


def _free_slug(page: Page, parent_url_path: str) -> None:
    """Give `page` a slug whose address no other page has."""
    base, suffix = page.slug, 1
    while Page.objects.filter(
        url_path=f"{parent_url_path}/{page.slug}" if parent_url_path else page.slug
    ).exists():
        suffix += 1
        page.slug = f"{base}-{suffix}"[:120]


@transaction.atomic
def page_restore(*, version: Version, user) -> Page:
    """Bring a deleted page back from the trash with its blocks.

    `version` is the page's last version before it was deleted. The page
    returns to its very place in the tree when that place is free and its
    parent is still there, so pages below it deleted along with it can come
    back to their places too; else it becomes the last page under its
    parent, or at the top when the parent is gone. A slug that another
    page took meanwhile gets a number. Its blocks come back as they were,
    without the products or categories deleted since.
    """
    page: Page = version._object_version.object
    steplen = Page.steplen
    parent_path = page.path[:-steplen]
    parent = Page.objects.filter(path=parent_path).first() if parent_path else None
    place_free = not Page.objects.filter(path=page.path).exists()
    page.numchild = 0
    if place_free and (parent is not None or not parent_path):
        _free_slug(page, parent.url_path if parent else "")
        page.url_path = ""
        page.save()
        if parent is not None:
            Page.objects.filter(pk=parent.pk).update(numchild=F("numchild") + 1)
    else:
        _free_slug(page, parent.url_path if parent else "")
        page.path, page.url_path = "", ""
        node_create(node=page, parent=parent)
    block_models = {block._meta.label_lower for block in BLOCKS}
    for block_version in version.revision.version_set.exclude(pk=version.pk):
        if block_version.content_type.model_class()._meta.label_lower not in (
            block_models
        ):
            continue
        restored = block_version._object_version
        for name, ids in restored.m2m_data.items():
            related = restored.object._meta.get_field(name).related_model
            restored.m2m_data[name] = list(
                related.objects.filter(pk__in=ids).values_list("pk", flat=True)
            )
        restored.save()
    with reversion.create_revision(atomic=False):
        if user is not None and user.is_authenticated:
            reversion.set_user(user)
        reversion.set_comment("Restored from the trash")
        reversion.add_to_revision(page)
    sitecache.content_changed()
    return page
