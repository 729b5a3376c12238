"""Small factories for content test data."""

import itertools
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from catalog.demo import demo_image_bytes
from catalog.services import node_create, picture_renditions_store
from content.models import ImageBlock, Page, RichText

_numbers = itertools.count(1)


def make_page(*, parent: Page | None = None, **fields) -> Page:
    number = next(_numbers)
    values = {
        "title": f"Page {number}",
        "slug": f"page-{number}",
        "status": Page.Status.PUBLISHED,
        "publish_at": timezone.now() - timedelta(days=1),
    }
    values.update(fields)
    return node_create(node=Page(**values), parent=parent)


def add_text(page: Page, text: str, *, ordering: int = 10) -> RichText:
    return RichText.objects.create(
        parent=page, region="main", ordering=ordering, text=text
    )


def add_image(page: Page, *, ordering: int = 20, **fields) -> ImageBlock:
    fields.setdefault("alt_text", "A lamp on a desk")
    block = ImageBlock(parent=page, region="main", ordering=ordering, **fields)
    block.image.save(
        "test.jpg", ContentFile(demo_image_bytes(seed=3, size=(800, 600)), "t.jpg")
    )
    picture_renditions_store(image=block)
    return block
