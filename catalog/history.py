"""History of catalog edits (django-reversion) and what a revert may touch.

Category and page versions are stored in the "category_json" format below
(named when only categories had it): JSON whose deserializer keeps each
tree node where it is in the tree now. Reversion
writes old versions back with a raw save, both to preview a version (GET)
and to revert it (POST); an old materialized path may belong to another
category by now. So a revert restores the name, slug and texts only; the
admin then saves the category through `node_save`, which derives its
address path and redirects the one it replaces, and moves go through
`node_move`.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import reversion
from django.core.serializers.base import DeserializedObject
from django.core.serializers.json import Deserializer as JSONDeserializer
from django.core.serializers.json import Serializer  # noqa: F401 - the format's.

from catalog.trees import AddressNode

TREE_FIELDS = ("path", "depth", "numchild", "url_path")
TREE_FORMAT = "category_json"


def Deserializer(stream_or_string, **options) -> Iterator[DeserializedObject]:  # noqa: N802 - the name Django's serializer registry looks for.
    for deserialized in JSONDeserializer(stream_or_string, **options):
        node = deserialized.object
        if isinstance(node, AddressNode) and node.pk is not None:
            current = (
                type(node)
                ._default_manager.filter(pk=node.pk)
                .values(*TREE_FIELDS)
                .first()
            )
            for name, value in (current or {}).items():
                setattr(node, name, value)
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
