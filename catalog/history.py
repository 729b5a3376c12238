"""History of catalog edits (django-reversion) and what a revert may touch.

Category versions are stored in the "category_json" format below: JSON whose
deserializer keeps each category where it is in the tree now. Reversion
writes old versions back with a raw save, both to preview a version (GET)
and to revert it (POST); an old materialized path may belong to another
category by now. So a revert restores the name, slug and texts only; the
admin then saves the category through `category_save`, which derives its
address path and redirects the one it replaces, and moves go through
`category_move`.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import reversion
from django.core.serializers.base import DeserializedObject
from django.core.serializers.json import Deserializer as JSONDeserializer
from django.core.serializers.json import Serializer  # noqa: F401 - the format's.

from catalog.models import Category

TREE_FIELDS = ("path", "depth", "numchild", "url_path")
CATEGORY_FORMAT = "category_json"


def Deserializer(stream_or_string, **options) -> Iterator[DeserializedObject]:  # noqa: N802 - the name Django's serializer registry looks for.
    for deserialized in JSONDeserializer(stream_or_string, **options):
        category = deserialized.object
        if isinstance(category, Category) and category.pk is not None:
            current = (
                Category.objects.filter(pk=category.pk).values(*TREE_FIELDS).first()
            )
            for name, value in (current or {}).items():
                setattr(category, name, value)
        yield deserialized


@contextmanager
def revision_recorded(*, user, comment: str) -> Iterator[None]:
    """Record the saves in the block as one revision by `user`, as the admin does.

    For writes that do not come through the admin (the API).
    """
    with reversion.create_revision():
        if user is not None and user.is_authenticated:
            reversion.set_user(user)
        reversion.set_comment(comment)
        yield
