"""The staff admin for the catalog: products, categories, previews, history.

Actions and forms here only collect input; the writes are in
`catalog.services` (saves that record address redirects, bulk changes,
tree moves) and `catalog.previews`.
"""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, ProtectedError, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX
from reversion.admin import VersionAdmin

from catalog import history, services
from catalog.admin_publishing import (
    PreviewLinkAdmin,
    PublicationFilter,
    PublishingAdminMixin,
    day_time,
)
from catalog.admin_trees import NodeAdminMixin, NodeChoiceField, NodeForm
from catalog.admin_versions import VersionCompareMixin, picture_thumbnail_url
from catalog.models import (
    Category,
    Product,
    ProductImage,
    ProductPreviewLink,
    SlugRedirect,
)
from catalog.resources import ProductResource
from catalog.selectors import category_path_names
from catalog.versions import PartKind, Parts

# The list's image column; 48 px leaves the list room to fit 1280 px.
THUMBNAIL_WIDTH = 48


def _thumbnail(image: ProductImage | None, width: int = THUMBNAIL_WIDTH) -> str:
    urls = image.rendition_urls(webp=False) if image is not None else []
    if not urls:
        return "\u2014"
    # The smallest rendition's name is recorded on the row, so this costs no
    # query and no storage access.
    return format_html(
        '<img src="{}" width="{}" alt="{}">', urls[0][0], width, image.alt_text
    )


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    extra = 1
    fields = ("preview", "image", "alt_text", "position")
    readonly_fields = ("preview",)
    ordering = ("position", "pk")

    @admin.display(description="preview")
    def preview(self, image: ProductImage) -> str:
        return _thumbnail(image if image.pk else None, width=120)


class AvailabilityFilter(admin.SimpleListFilter):
    title = "availability"
    parameter_name = "availability"

    def lookups(self, request, model_admin):
        return [("in", "In stock"), ("out", "Out of stock")]

    def queryset(self, request, queryset):
        if self.value() == "in":
            return queryset.filter(stock__gt=0)
        if self.value() == "out":
            return queryset.filter(stock=0)
        return queryset


class CategoryPathFilter(admin.RelatedFieldListFilter):
    """The category filter, each category named by its full path."""

    def field_choices(self, field, request, model_admin):
        categories = list(Category.objects.order_by("path"))
        names = category_path_names(categories)
        return [(category.pk, names[category.pk]) for category in categories]


class CategoryAutocompleteJsonView(AutocompleteJsonView):
    """Django's autocomplete, each category named by its full path."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        self.path_names = category_path_names(context["object_list"])
        return context

    def serialize_result(self, obj: Category, to_field_name: str) -> dict:
        result = super().serialize_result(obj, to_field_name)
        return {**result, "text": self.path_names[obj.pk]}


class CategoryAutocompleteSelect(AutocompleteSelect):
    """Asks `CategoryAutocompleteJsonView` instead of the admin's own."""

    def get_url(self) -> str:
        return reverse(f"{self.admin_site.name}:catalog_category_autocomplete")


class CategoryPathChoiceField(forms.ModelChoiceField):
    """Names the chosen category by its full path, as the autocomplete does."""

    def label_from_instance(self, category: Category) -> str:
        return category_path_names([category])[category.pk]


class ProductMoveForm(forms.Form):
    category = NodeChoiceField(
        queryset=Category.objects.order_by("path"), label="New category"
    )


class ProductPriceChangeForm(forms.Form):
    percent = forms.DecimalField(
        label="Change by (%)",
        max_digits=6,
        decimal_places=2,
        min_value=Decimal("-100"),
        max_value=Decimal("1000"),
        help_text="For example 10 raises prices by 10 %, -15 lowers them by 15 %. "
        "New prices are rounded to cents and never below zero.",
    )


@admin.register(Product)
class ProductAdmin(
    PublishingAdminMixin, ImportExportMixin, VersionCompareMixin, VersionAdmin
):
    resource_classes = [ProductResource]
    formats = [CSV, XLSX]
    change_form_template = "admin/catalog/product/change_form.html"
    list_display = (
        "thumbnail",
        "name_and_sku",
        "price",
        "stock",
        "publication",
        "category_name",
        "updated",
    )
    list_display_links = ("thumbnail", "name_and_sku")
    list_filter = (
        PublicationFilter,
        ("category", CategoryPathFilter),
        AvailabilityFilter,
        "featured",
    )
    list_select_related = ("category",)
    search_fields = ("name", "sku")
    date_hierarchy = "updated_at"
    ordering = ("-updated_at", "-pk")
    list_per_page = 50
    list_max_show_all = 500
    autocomplete_fields = ("category",)
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_at", "updated_at", "publication", "share_links")

    save_as = True
    save_on_top = True
    inlines = [ProductImageInline]
    # History: compare versions field by field and image by image.
    version_parts = (
        Parts(
            "Images",
            (
                PartKind(
                    ProductImage,
                    parent_field="product",
                    order_by=("position",),
                    label_field="alt_text",
                    image_fields=("image",),
                    thumbnail_url=picture_thumbnail_url,
                ),
            ),
        ),
    )
    actions = [
        "publish",
        "unpublish",
        "feature",
        "unfeature",
        "move_to_category",
        "change_prices",
    ]
    fieldsets = (
        (None, {"fields": ("name", "slug", "sku", "category", "summary")}),
        ("Description", {"fields": ("description",)}),
        ("Price and stock", {"fields": ("price", "stock")}),
        (
            "Publishing",
            {
                "fields": (
                    "status",
                    "publication",
                    "featured",
                    "publish_at",
                    "unpublish_at",
                    "share_links",
                )
            },
        ),
        (
            "Search engines",
            {"fields": ("seo_title", "seo_description"), "classes": ("collapse",)},
        ),
        ("Times", {"fields": ("created_at", "updated_at")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .with_publication()
            .select_related("category")
            .prefetch_related(
                Prefetch(
                    "images", queryset=ProductImage.objects.order_by("position", "pk")
                )
            )
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "category":
            kwargs["widget"] = CategoryAutocompleteSelect(db_field, self.admin_site)
            kwargs["form_class"] = CategoryPathChoiceField
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_import_data_kwargs(self, **kwargs) -> dict:
        # A row rejected by validation must undo the rows before it too.
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs["rollback_on_validation_errors"] = True
        return kwargs

    @admin.display(description="image")
    def thumbnail(self, product: Product) -> str:
        images = product.images.all()
        return _thumbnail(images[0] if images else None)

    @admin.display(description="name", ordering="name")
    def name_and_sku(self, product: Product) -> str:
        # One column for both: a column of its own for the SKU pushed the
        # last column out of sight at 1280 px.
        return format_html(
            '{} <span class="product-sku">{}</span>', product.name, product.sku
        )

    @admin.display(description="category", ordering="category__path")
    def category_name(self, product: Product) -> str:
        # A method, where the field itself would be a column that never
        # wraps, as wide as the longest category name on the page.
        return product.category.name

    @admin.display(description="updated", ordering="updated_at")
    def updated(self, product: Product) -> str:
        return day_time(product.updated_at)

    def changelist_view(self, request, extra_context=None):
        if request.method == "POST" and "action" in request.POST:
            # VersionAdmin wraps the list in one revision (for list_editable);
            # bulk actions record a revision per product themselves, and
            # inside that wrapper they would all merge into one.
            return admin.ModelAdmin.changelist_view(self, request, extra_context)
        return super().changelist_view(request, extra_context)

    def save_related(self, request, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # New and replaced images get their renditions here, after the
        # inline saved them. So do images a revert or recover brought back
        # from a version recorded before renditions were kept on the row.
        # The product's prefetched images are those from before the save.
        for image in ProductImage.objects.filter(product=form.instance):
            if not image.renditions_current():
                services.picture_renditions_store(image=image)

    def save_model(self, request, obj: Product, form, change: bool) -> None:
        # The form has put its values on `obj` already; its initial data is
        # the product as stored (as the revert wrote it, in a revert).
        stored = form.initial if change else {}
        services.product_save(
            product=obj,
            slug_before=stored.get("slug", ""),
            status_before=stored.get("status", ""),
        )

    # History: revert and recover change what visitors see at once.

    def revision_view(self, request, object_id, version_id, extra_context=None):
        product = None
        if request.method == "POST":
            product = self.get_object(request, unquote(object_id))
        if product is None:
            return super().revision_view(request, object_id, version_id, extra_context)
        # The revert writes the old version to the row before the form is
        # saved, so the slug it replaces is taken from the product read here.
        with services.product_slug_change_recorded(product=product):
            return super().revision_view(request, object_id, version_id, extra_context)

    # Bulk actions

    @admin.action(description="Publish selected products", permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = services.product_publish(products=queryset, user=request.user)
        self.message_user(request, f"Published {count} products.", messages.SUCCESS)

    @admin.action(description="Unpublish selected products", permissions=["change"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = services.product_unpublish(products=queryset, user=request.user)
        self.message_user(request, f"Unpublished {count} products.", messages.SUCCESS)

    @admin.action(
        description="Mark selected products as featured", permissions=["change"]
    )
    def feature(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = services.product_feature(
            products=queryset, featured=True, user=request.user
        )
        self.message_user(request, f"Featured {count} products.", messages.SUCCESS)

    @admin.action(
        description="Clear featured on selected products", permissions=["change"]
    )
    def unfeature(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = services.product_feature(
            products=queryset, featured=False, user=request.user
        )
        self.message_user(
            request, f"{count} products are no longer featured.", messages.SUCCESS
        )

    @admin.action(
        description="Move selected products to a category", permissions=["change"]
    )
    def move_to_category(self, request: HttpRequest, queryset: QuerySet):
        form = ProductMoveForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            category = form.cleaned_data["category"]
            count = services.product_move(
                products=queryset, category=category, user=request.user
            )
            self.message_user(
                request, f"Moved {count} products to {category}.", messages.SUCCESS
            )
            return None
        return self._action_form_response(
            request, queryset, form, "move_to_category", "Move products"
        )

    @admin.action(
        description="Change prices of selected products by a percentage",
        permissions=["change"],
    )
    def change_prices(self, request: HttpRequest, queryset: QuerySet):
        form = ProductPriceChangeForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            percent = form.cleaned_data["percent"]
            try:
                count = services.product_price_change(
                    products=queryset, percent=percent, user=request.user
                )
            except ValidationError as error:
                form.add_error("percent", error)
            else:
                self.message_user(
                    request,
                    f"Changed the prices of {count} products by {percent} %.",
                    messages.SUCCESS,
                )
                return None
        return self._action_form_response(
            request, queryset, form, "change_prices", "Change prices"
        )

    def _action_form_response(
        self,
        request: HttpRequest,
        queryset: QuerySet,
        form: forms.Form,
        action: str,
        title: str,
    ) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "form": form,
            "products": queryset,
            "action": action,
            "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(
            request, "admin/catalog/product/action_form.html", context
        )


class CategoryForm(NodeForm):
    """The category form, with its parent chosen from the tree."""

    class Meta:
        model = Category
        fields = (
            "name",
            "slug",
            "parent",
            "description",
            "position",
            "seo_title",
            "seo_description",
        )
        help_texts = {
            "parent": "Leave empty for a top-level category. Moving a category "
            "takes its subcategories along and keeps their addresses working.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].help_text = self._meta.help_texts["parent"]


@admin.register(Category)
class CategoryAdmin(NodeAdminMixin, VersionCompareMixin, VersionAdmin):
    form = CategoryForm
    # A version keeps the category where it is now in the tree (see
    # catalog.history), so its place is never a difference between versions.
    version_fields_exclude = history.TREE_FIELDS
    # The plain list, without reversion's "recover deleted" link.
    change_list_template = "admin/change_list.html"
    list_display = ("tree_name", "url_path", "position", "product_count", "updated_at")
    list_display_links = ("tree_name",)
    search_fields = ("name", "slug", "url_path")
    ordering = ("path",)
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("url_path", "updated_at")
    fieldsets = (
        (None, {"fields": ("name", "slug", "parent", "position", "url_path")}),
        ("Description", {"fields": ("description",)}),
        (
            "Search engines",
            {"fields": ("seo_title", "seo_description"), "classes": ("collapse",)},
        ),
        ("Times", {"fields": ("updated_at",)}),
    )

    def get_urls(self):
        autocomplete = CategoryAutocompleteJsonView.as_view(admin_site=self.admin_site)
        return [
            path(
                "autocomplete/",
                self.admin_site.admin_view(autocomplete),
                name="catalog_category_autocomplete",
            )
        ] + super().get_urls()

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(product_total=Count("products"))

    @admin.display(description="products", ordering="product_total")
    def product_count(self, category: Category) -> int:
        return category.product_total

    # Deleting: a category's subtree goes with it, and products block it.

    def get_deleted_objects(self, objs, request: HttpRequest):
        to_delete, model_count, perms_needed, protected = super().get_deleted_objects(
            objs, request
        )
        products = services.category_subtree_products(categories=list(objs))
        # The tree is not a foreign key, so Django's collector cannot see the
        # products of subcategories that PROTECT would refuse to delete.
        protected = list(protected)
        seen = set(protected)
        for product in products:
            label = f"Product: {product.name} (in {product.category.name})"
            if label not in seen:
                protected.append(label)
                seen.add(label)
        return to_delete, model_count, perms_needed, protected

    def delete_model(self, request: HttpRequest, obj: Category) -> None:
        try:
            obj.delete()
        except ProtectedError:
            self.message_user(
                request,
                f"{obj} still has products; move or delete them first.",
                messages.ERROR,
            )

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        try:
            queryset.delete()
        except ProtectedError:
            self.message_user(
                request,
                "Some of these categories still have products; move or delete "
                "them first.",
                messages.ERROR,
            )

    # A deleted category has no place left in the tree to come back to, so
    # the "recover deleted" list is not offered for categories.

    def recoverlist_view(self, request, extra_context=None):
        raise PermissionDenied

    def recover_view(self, request, version_id, extra_context=None):
        raise PermissionDenied


@admin.register(SlugRedirect)
class SlugRedirectAdmin(admin.ModelAdmin):
    list_display = ("kind", "old_path", "new_path", "created_at")
    list_filter = ("kind",)
    search_fields = ("old_path", "new_path")

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Redirects are written when addresses change, never by hand.
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(ProductPreviewLink)
class ProductPreviewLinkAdmin(PreviewLinkAdmin):
    search_fields = ("product__name", "product__sku")
