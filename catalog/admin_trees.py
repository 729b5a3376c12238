"""The admin's side of trees with addresses: categories and content pages.

The form chooses a node's parent from the tree (its place, from which its
address follows); saving goes through `node_create`, `node_save` and
`node_move`, which keep every address in the subtree right and let the old
ones lead on.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from catalog import services
from catalog.trees import AddressNode


class NodeChoiceField(forms.ModelChoiceField):
    """A node chosen from the whole tree, indented by depth."""

    def label_from_instance(self, node: AddressNode) -> str:
        return "\u2003" * (node.depth - 1) + str(node)


class NodeForm(forms.ModelForm):
    """A model form with the node's parent chosen from its tree."""

    parent = NodeChoiceField(queryset=None, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        manager = self._meta.model._default_manager
        self.fields["parent"].queryset = manager.order_by("path")
        if self.instance.pk and self.instance.path:
            self.initial.setdefault("parent", manager.get_parent(self.instance))

    def clean_parent(self) -> AddressNode | None:
        parent = self.cleaned_data["parent"]
        node = self.instance
        moved = parent is not None and node.pk and node.path
        if moved and parent.path.startswith(node.path):
            raise ValidationError(
                "It cannot be moved under itself or anything below it.",
                code="cycle",
            )
        return parent


class NodeAdminMixin:
    """Saves a `NodeForm` through the tree services."""

    @admin.display(description="name", ordering="path")
    def tree_name(self, node: AddressNode) -> str:
        # Indented with em spaces, as in the menus: the content security
        # policy refuses style attributes.
        return "\u2003" * (node.depth - 1) + str(node)

    def save_model(self, request, obj: AddressNode, form, change: bool) -> None:
        parent = form.cleaned_data.get("parent")
        if not change:
            services.node_create(node=obj, parent=parent)
            return
        services.node_save(node=obj)
        if parent != form.initial.get("parent"):
            services.node_move(
                node=obj, target=parent, pos="last-child" if parent else "right"
            )
