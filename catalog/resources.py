"""CSV and XLSX import and export of products, keyed by SKU."""

from decimal import Decimal, InvalidOperation

import reversion
from diff_match_patch import diff_match_patch
from django.utils.encoding import force_str
from django.utils.html import format_html_join
from import_export import fields, resources, widgets

from catalog.changes import product_changes_recorded
from catalog.models import Category, Product
from catalog.redirects import product_redirect_on_slug_change


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


class NumberWidget(widgets.DecimalWidget):
    """A decimal number; anything else rejects the row with a reason."""

    def clean(self, value, row=None, **kwargs):
        if self.is_empty(value):
            return None
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a number.") from None
        if not number.is_finite():
            raise ValueError(f"{value!r} is not a number.")
        return number


class WholeNumberWidget(NumberWidget):
    """A whole number: "1.5" is a mistake to report, not a 1 to import."""

    def clean(self, value, row=None, **kwargs):
        number = super().clean(value, row, **kwargs)
        if number is None:
            return None
        if number != number.to_integral_value():
            raise ValueError(f"{value!r} is not a whole number.")
        return int(number)


class YesNoWidget(widgets.BooleanWidget):
    """1/0, true/false or yes/no; anything else rejects the row."""

    TRUE = {"1", "true", "yes", "y"}
    FALSE = {"0", "false", "no", "n", ""}

    def clean(self, value, row=None, **kwargs):
        if value is None or isinstance(value, bool):
            return bool(value)
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValueError(f"{value!r} is not one of 1/0, true/false or yes/no.")


class PreviewDiff(resources.Diff):
    """The import preview's changes, marked with <ins> and <del> only.

    import-export's own diff colours them with style attributes, which the
    content security policy refuses; its stylesheet colours these tags.
    """

    TAGS = {
        diff_match_patch.DIFF_INSERT: "ins",
        diff_match_patch.DIFF_DELETE: "del",
        diff_match_patch.DIFF_EQUAL: "span",
    }

    def as_html(self) -> list[str]:
        differ = diff_match_patch()
        cells = []
        for before, after in zip(self.left, self.right, strict=False):
            if before != after and self.new:
                before = ""
            changes = differ.diff_main(force_str(before), force_str(after))
            differ.diff_cleanupSemantic(changes)
            cells.append(
                format_html_join(
                    "",
                    "<{0}>{1}</{0}>",
                    ((self.TAGS[op], text) for op, text in changes),
                )
            )
        return cells


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
    price = fields.Field(attribute="price", column_name="price", widget=NumberWidget())
    stock = fields.Field(
        attribute="stock", column_name="stock", widget=WholeNumberWidget()
    )
    featured = fields.Field(
        attribute="featured", column_name="featured", widget=YesNoWidget()
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

    def get_diff_class(self) -> type[resources.Diff]:
        return PreviewDiff

    def after_init_instance(self, instance, new, row, **kwargs) -> None:
        super().after_init_instance(instance, new, row, **kwargs)
        # The row's values are put on the product next; its address as
        # stored is kept for the redirect that a new slug needs.
        self._stored_address = ("", "") if new else (instance.slug, instance.status)

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
            with product_changes_recorded(
                ids=[] if is_create else [instance.pk]
            ) as ids:
                super().save_instance(instance, is_create, row, **kwargs)
                if instance.pk is not None:
                    ids.append(instance.pk)
        slug_before, status_before = self._stored_address
        product_redirect_on_slug_change(
            slug_before=slug_before, status_before=status_before, product=instance
        )
