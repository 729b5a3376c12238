"""Trees whose nodes have addresses: categories and content pages.

A node's address path is the slugs from its top ancestor down to it, kept
in a column so that one indexed query finds a node by its address. Moving a
node or changing a slug changes the addresses of its whole subtree, and
the old addresses lead on (`catalog.redirects`).
"""

from django.db import models
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from treebeard.mp_tree import MP_Node


class AddressNode(MP_Node):
    """A materialized-path tree node with a derived address path.

    Subclasses define `slug` and name their kind of address redirect in
    `redirect_kind`.
    """

    redirect_kind = ""

    url_path = models.CharField(
        "address path",
        max_length=500,
        unique=True,
        editable=False,
        help_text="The slugs from the top of the tree down to this one.",
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        # The address path is derived from the tree, so it is kept right
        # wherever the tree changes: here for new and renamed nodes
        # (including reverts from history), and in `node_move`.
        old_url_path = self.url_path
        self.url_path = self.build_url_path()
        super().save(*args, **kwargs)
        if old_url_path and old_url_path != self.url_path and not self.is_leaf():
            self.descendants_url_paths_replace(old_url_path)

    def descendants_url_paths_replace(self, old_prefix: str) -> None:
        """Give every descendant's address path this node's new prefix."""
        type(self)._default_manager.filter(
            path__startswith=self.path, depth__gt=self.depth
        ).update(
            url_path=Concat(
                Value(self.url_path), Substr("url_path", len(old_prefix) + 1)
            )
        )

    def build_url_path(self) -> str:
        if not self.path or self.depth <= 1:
            return self.slug
        parent_path = self.path[: -self.steplen]
        parent_url = (
            type(self)
            ._default_manager.filter(path=parent_path)
            .values_list("url_path", flat=True)
            .get()
        )
        return f"{parent_url}/{self.slug}"
