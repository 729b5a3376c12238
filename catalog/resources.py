"""CSV and XLSX import and export of products, keyed by SKU."""

import reversion
from import_export import fields, resources, widgets

from catalog.models import Category, Product
from catalog.services import catalog_changed_now_and_on_commit


class CategorySlugWidget(widgets.ForeignKeyWidget):
    """A category by its slug; an unknown slug rejects the row with a reason."""

    def __init__(self) -> None:
        super().__init__(Category, field="slug")

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except Category.DoesNotExist:
            # A ValueError becomes a validation error on this column, so the
            # dry run lists the row as rejected instead of failing.
            raise ValueError(f"No category has the slug {value!r}.") from None


class ProductResource(resources.ModelResource):
    """Products by SKU: a known SKU updates its product, a new one creates one.

    Each row is checked with the model's own validation (`full_clean`), so a
    negative price, a taken slug or an unknown category slug rejects the row
    with its reason instead of failing the whole request.
    """

    category = fields.Field(
        attribute="category",
        column_name="category",
        widget=CategorySlugWidget(),
    )

    class Meta:
        model = Product
        import_id_fields = ("sku",)
        fields = (
            "sku",
            "name",
            "slug",
            "summary",
            "description",
            "price",
            "stock",
            "category",
            "featured",
            "status",
            "publish_at",
            "unpublish_at",
            "seo_title",
            "seo_description",
        )
        export_order = fields
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        use_transactions = True

    def save_instance(self, instance, is_create, row, **kwargs) -> None:
        # One revision per row keeps each product's history on its own, so
        # reverting one imported change leaves the other rows alone.
        with reversion.create_revision(atomic=False):
            user = kwargs.get("user")
            if user is not None and user.is_authenticated:
                reversion.set_user(user)
            reversion.set_comment(
                "Created by import" if is_create else "Updated by import"
            )
            super().save_instance(instance, is_create, row, **kwargs)

    def after_import(self, dataset, result, **kwargs) -> None:
        super().after_import(dataset, result, **kwargs)
        # A dry run bumps too: it is rolled back, and a needless bump only
        # costs one recomputation of the cached values.
        catalog_changed_now_and_on_commit()
