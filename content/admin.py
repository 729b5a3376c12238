"""The staff admin for content pages: the tree, the blocks, the lifecycle.

Pages are edited like products (drafts, schedules, share previews, history)
and placed like categories (a parent chosen from the tree); the body's
blocks are django-content-editor inlines, ordered by dragging.
"""

from content_editor.admin import ContentEditor, ContentEditorInline
from django.contrib import admin, messages
from django.contrib.flatpages import admin as flatpages_admin
from django.contrib.flatpages.models import FlatPage
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from reversion.admin import VersionAdmin
from reversion.models import Version

from catalog import history
from catalog.admin_publishing import (
    PreviewLinkAdmin,
    PublicationFilter,
    PublishingAdminMixin,
    day_time,
)
from catalog.admin_trees import NodeAdminMixin, NodeForm
from catalog.admin_versions import VersionCompareMixin, picture_thumbnail_url
from catalog.models import Picture
from catalog.versions import PartKind, Parts
from content import services
from content.models import (
    BLOCKS,
    Banner,
    CategoryTiles,
    ImageBlock,
    Menu,
    MenuItem,
    Page,
    PagePreviewLink,
    ProductGrid,
    Question,
    Quote,
    RichText,
)

# Flat pages are retired: their rows became pages (migration 0002), and the
# app stays installed only for its migration history. Its admin module
# registers itself when imported, which may come after this one.
flatpages_admin.FlatPageAdmin  # noqa: B018 - imported for its registration.
admin.site.unregister(FlatPage)


class PageForm(NodeForm):
    class Meta:
        model = Page
        fields = (
            "title",
            "slug",
            "parent",
            "position",
            "status",
            "publish_at",
            "unpublish_at",
            "seo_title",
            "seo_description",
            "share_image",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].help_text = (
            "Leave empty for a top-level page. Moving a page takes the pages "
            "below it along and keeps their addresses working."
        )

    def clean(self):
        cleaned = super().clean()
        slug, parent = cleaned.get("slug"), cleaned.get("parent")
        if slug:
            url_path = f"{parent.url_path}/{slug}" if parent else slug
            taken = Page.objects.filter(url_path=url_path)
            if self.instance.pk:
                taken = taken.exclude(pk=self.instance.pk)
            if taken.exists():
                self.add_error(
                    "slug", f"Another page already has the address /{url_path}/."
                )
        return cleaned


# The SHA-256 of the rules django-content-editor 9.1.0's script injects for
# one region named "main", in English.
EDITOR_STYLE_HASH = "'sha256-N1v+9oYdxeZd/nv2iKYNMLWqP5BlGZff7wM0R1mK4ws='"


def _inline(model, icon: str, *, fields=None, **options):
    if fields is not None:
        # The editor orders blocks through these two hidden fields.
        options["fields"] = (*fields, "region", "ordering")
    return ContentEditorInline.create(model=model, icon=icon, extra=0, **options)


@admin.register(Page)
class PageAdmin(
    PublishingAdminMixin,
    NodeAdminMixin,
    VersionCompareMixin,
    VersionAdmin,
    ContentEditor,
):
    form = PageForm
    # History: compare versions field by field and block by block. A version
    # keeps the page where it is now in the tree (catalog.history).
    version_fields_exclude = history.TREE_FIELDS
    version_parts = (
        Parts(
            "Blocks",
            tuple(
                PartKind(
                    block,
                    parent_field="parent",
                    order_by=("region", "ordering"),
                    # The editor names an image block by its place.
                    label_field="alt_text" if issubclass(block, Picture) else "",
                    thumbnail_url=picture_thumbnail_url,
                )
                for block in BLOCKS
            ),
        ),
    )
    change_form_template = "admin/content/page/change_form.html"
    list_display = ("tree_name", "url_path", "publication", "updated")
    list_display_links = ("tree_name",)
    list_filter = (PublicationFilter,)
    search_fields = ("title", "slug", "url_path")
    ordering = ("path",)
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("url_path", "publication", "share_links", "updated_at")
    save_on_top = True
    fieldsets = (
        (None, {"fields": ("title", "slug", "parent", "position", "url_path")}),
        (
            "Publishing",
            {
                "fields": (
                    "status",
                    "publication",
                    "publish_at",
                    "unpublish_at",
                    "share_links",
                )
            },
        ),
        (
            "Search engines and link previews",
            {
                "fields": ("seo_title", "seo_description", "share_image"),
                "classes": ("collapse",),
            },
        ),
    )
    inlines = [
        _inline(RichText, "notes"),
        _inline(ImageBlock, "image", fields=("image", "alt_text", "caption")),
        _inline(
            Banner,
            "view_carousel",
            fields=("image", "alt_text", "heading", "text", "link_label", "link_url"),
        ),
        _inline(
            ProductGrid,
            "grid_view",
            fields=("heading", "source", "category", "products", "count"),
            autocomplete_fields=("category", "products"),
        ),
        _inline(
            CategoryTiles,
            "category",
            fields=("heading", "categories"),
            autocomplete_fields=("categories",),
        ),
        _inline(Question, "help", fields=("question", "answer")),
        _inline(Quote, "format_quote", fields=("text", "author", "role")),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).with_publication()

    @admin.display(description="updated", ordering="updated_at")
    def updated(self, page: Page) -> str:
        return day_time(page.updated_at)

    def render_change_form(self, request, context, **kwargs):
        response = super().render_change_form(request, context, **kwargs)
        # The editor's import map is an inline script: it carries the
        # request's nonce, which the content security policy then allows.
        media = response.context_data["media"]
        response.context_data["media"] = media.with_nonce(request.csp_nonce)
        # Its script also adds a <style> element of fixed rules ("Hide",
        # "Show" on each block), allowed by their hash; the browser test of
        # the policy fails if an upgrade of django-content-editor changes
        # them. Its icons are a font among its static files.
        response._csp_update = {
            "style-src": [EDITOR_STYLE_HASH],
            "font-src": ["'self'"],
        }
        return response

    def save_related(self, request, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        services.page_block_renditions_store(page=form.instance)

    # The trash: a deleted page comes back with its blocks, under its old
    # parent if that is still there, else at the top of the tree.

    def recover_view(self, request, version_id, extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        version = get_object_or_404(Version.objects.get_deleted(Page), pk=version_id)
        if request.method == "POST":
            page = services.page_restore(version=version, user=request.user)
            self.message_user(
                request,
                f"“{page}” is back at /{page.url_path}/ with its blocks.",
                messages.SUCCESS,
            )
            return redirect("admin:content_page_change", page.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Restore “{version.object_repr}”",
            "version": version,
            "blocks": version.revision.version_set.exclude(pk=version.pk).count(),
        }
        return TemplateResponse(
            request, "admin/content/page/recover_confirm.html", context
        )


@admin.register(PagePreviewLink)
class PagePreviewLinkAdmin(PreviewLinkAdmin):
    search_fields = ("page__title",)


class MenuItemInline(admin.TabularInline):
    model = MenuItem
    fields = ("position", "label", "page", "category", "url")
    autocomplete_fields = ("page", "category")
    extra = 0


@admin.register(Menu)
class MenuAdmin(admin.ModelAdmin):
    """The header and footer menus: their links in order, one row each."""

    list_display = ("__str__", "links")
    inlines = [MenuItemInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(link_count=Count("items"))

    @admin.display(description="links", ordering="link_count")
    def links(self, menu: Menu) -> int:
        return menu.link_count
