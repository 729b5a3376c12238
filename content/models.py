"""Content pages: a tree of pages whose bodies are ordered blocks.

Pages are published like products (`catalog.publishing`), have addresses
from their place in the tree like categories (`catalog.trees`), and their
bodies are django-content-editor plugins: each block is a row of its own
kind, ordered within the page's one region.
"""

from content_editor.models import Region, create_plugin_base
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from treebeard.mp_tree import MP_NodeManager, MP_NodeQuerySet

from catalog.images import ProductImageField, validate_product_image
from catalog.models import (
    Category,
    Picture,
    Product,
    SearchEngineFields,
    picture_path,
)
from catalog.publishing import PreviewLink, Publishable, PublishableQuerySet
from catalog.trees import AddressNode

# The page whose address path is this is the home page, served at "/".
HOME_PATH = "home"


def validate_link(value: str) -> None:
    """Allow an address on this site ("/…") or a full http(s) address."""
    if value.startswith("/") and not value.startswith("//"):
        return
    if value.startswith(("https://", "http://")) and len(value) > 8:
        return
    raise ValidationError(
        "Enter an address on this site starting with /, or a full address "
        "starting with https://.",
        code="invalid_link",
    )


class PageQuerySet(PublishableQuerySet, MP_NodeQuerySet):
    """Pages; deleting them takes their subtrees along (treebeard's)."""


class PageManager(MP_NodeManager.from_queryset(PageQuerySet)):
    def get_queryset(self) -> PageQuerySet:
        return PageQuerySet(self.model, using=self._db).order_by("path")


class Page(SearchEngineFields, Publishable, AddressNode):
    redirect_kind = "page"
    upload_folder = "pages"

    title = models.CharField("title", max_length=200)
    slug = models.SlugField(
        "slug",
        max_length=120,
        help_text="The last part of the page's address. The page called "
        f"“{HOME_PATH}” at the top of the tree is the home page.",
    )
    position = models.PositiveIntegerField(
        "position",
        default=0,
        help_text="Pages with lower numbers come first among their siblings.",
    )
    share_image = ProductImageField(
        "link preview image",
        upload_to=picture_path,
        blank=True,
        validators=[validate_product_image],
        help_text="The image shown when the page is shared (Open Graph); the "
        "first image block's when empty.",
    )
    created_at = models.DateTimeField("created", auto_now_add=True)
    updated_at = models.DateTimeField("updated", auto_now=True)

    objects = PageManager()

    regions = [Region(key="main", title="Content")]

    class Meta:
        verbose_name = "page"
        verbose_name_plural = "pages"
        ordering = ["path"]
        indexes = [
            models.Index(fields=["status", "publish_at"], name="content_page_listable"),
            models.Index(fields=["updated_at"], name="content_page_updated"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        if self.url_path == HOME_PATH:
            return reverse("content:home")
        return reverse("content:page", args=[self.url_path])

    @property
    def is_home(self) -> bool:
        return self.url_path == HOME_PATH

    @property
    def name(self) -> str:
        """The title, under the name breadcrumbs and menus read."""
        return self.title


class PagePreviewLink(PreviewLink):
    """A share-preview link to one unpublished page."""

    subject_field = "page"

    page = models.ForeignKey(
        Page,
        on_delete=models.CASCADE,
        related_name="preview_links",
        verbose_name="page",
    )

    class Meta(PreviewLink.Meta):
        pass


_PluginBase = create_plugin_base(Page)


class PageBlock(_PluginBase):
    """A block of a page's body, drawn by `content/blocks/<kind>.html`."""

    class Meta(_PluginBase.Meta):
        abstract = True

    @property
    def template_name(self) -> str:
        return f"content/blocks/{self._meta.model_name}.html"


class RichText(PageBlock):
    text = models.TextField("text", help_text="Markdown. HTML is removed for safety.")

    class Meta:
        verbose_name = "text"
        verbose_name_plural = "texts"

    def __str__(self) -> str:
        return self.text[:60]


class ImageBlock(PageBlock, Picture):
    upload_folder = "pages"

    caption = models.CharField("caption", max_length=300, blank=True)

    class Meta:
        verbose_name = "image"
        verbose_name_plural = "images"


class ProductGrid(PageBlock):
    class Source(models.TextChoices):
        CHOSEN = "chosen", "The products chosen below"
        NEWEST = "newest", "The newest products"
        FEATURED = "featured", "Featured products"

    heading = models.CharField("heading", max_length=200, blank=True)
    source = models.CharField(
        "products", max_length=10, choices=Source.choices, default=Source.FEATURED
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="category",
        help_text="For the newest or featured: only this category and those "
        "below it. Empty for the whole catalog.",
    )
    products = models.ManyToManyField(
        Product, blank=True, related_name="+", verbose_name="chosen products"
    )
    count = models.PositiveSmallIntegerField(
        "how many",
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
    )

    class Meta:
        verbose_name = "product grid"
        verbose_name_plural = "product grids"

    @classmethod
    def get_queryset(cls):
        return cls.objects.select_related("category")

    def __str__(self) -> str:
        return self.heading or self.get_source_display()


class CategoryTiles(PageBlock):
    heading = models.CharField("heading", max_length=200, blank=True)
    categories = models.ManyToManyField(
        Category,
        blank=True,
        related_name="+",
        verbose_name="categories",
        help_text="Empty for every top-level category.",
    )

    class Meta:
        verbose_name = "category tiles"
        verbose_name_plural = "category tiles"

    def __str__(self) -> str:
        return self.heading or "Categories"


class Banner(PageBlock, Picture):
    upload_folder = "pages"

    heading = models.CharField("heading", max_length=200)
    text = models.CharField("text", max_length=400, blank=True)
    link_label = models.CharField("link text", max_length=60)
    link_url = models.CharField(
        "link address",
        max_length=500,
        validators=[validate_link],
        help_text="An address on this site, like /categories/lighting/, or a "
        "full https:// address.",
    )

    class Meta:
        verbose_name = "banner"
        verbose_name_plural = "banners"

    def __str__(self) -> str:
        return self.heading


class Question(PageBlock):
    question = models.CharField("question", max_length=300)
    answer = models.TextField(
        "answer", help_text="Markdown. HTML is removed for safety."
    )

    class Meta:
        verbose_name = "question and answer"
        verbose_name_plural = "questions and answers"

    def __str__(self) -> str:
        return self.question


class Quote(PageBlock):
    text = models.TextField("quote")
    author = models.CharField("who said it", max_length=120)
    role = models.CharField(
        "who they are", max_length=120, blank=True, help_text="For example: customer."
    )

    class Meta:
        verbose_name = "quote"
        verbose_name_plural = "quotes"

    def __str__(self) -> str:
        return self.author


# Every kind of block, in the order the editor offers them, and the name of
# each kind's rows on a page (django-content-editor's related name).
BLOCKS = (RichText, ImageBlock, Banner, ProductGrid, CategoryTiles, Question, Quote)
BLOCK_RELATIONS = tuple(f"content_{block._meta.model_name}_set" for block in BLOCKS)


class Menu(models.Model):
    """One of the site's navigation menus, shown in its place on every page."""

    class Place(models.TextChoices):
        HEADER = "header", "Header"
        FOOTER = "footer", "Footer"

    place = models.CharField("place", max_length=20, choices=Place.choices, unique=True)

    class Meta:
        verbose_name = "menu"
        verbose_name_plural = "menus"
        ordering = ["place"]

    def __str__(self) -> str:
        return f"{self.get_place_display()} menu"


class MenuItem(models.Model):
    """A link in a menu: to a page, a category, or an address."""

    menu = models.ForeignKey(
        Menu, on_delete=models.CASCADE, related_name="items", verbose_name="menu"
    )
    position = models.PositiveIntegerField(
        "position", default=0, help_text="Links with lower numbers come first."
    )
    label = models.CharField(
        "label",
        max_length=60,
        blank=True,
        help_text="The link's text. For a page or a category, its title or "
        "name is used when empty.",
    )
    page = models.ForeignKey(
        Page,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="page",
        help_text="Left out of the menu while the page is not published.",
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="category",
    )
    url = models.CharField(
        "address",
        max_length=500,
        blank=True,
        validators=[validate_link],
        help_text="An address on this site, like /products/, or a full "
        "https:// address.",
    )

    class Meta:
        verbose_name = "link"
        verbose_name_plural = "links"
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(page__isnull=False, category__isnull=True, url="")
                    | models.Q(page__isnull=True, category__isnull=False, url="")
                    | (
                        models.Q(page__isnull=True, category__isnull=True)
                        & ~models.Q(url="")
                        & ~models.Q(label="")
                    )
                ),
                name="content_menuitem_one_target",
                violation_error_message="Choose one page, one category or one "
                "address, and give an address a label.",
            )
        ]

    def __str__(self) -> str:
        return self.label or str(self.page or self.category or self.url)

    def clean(self) -> None:
        targets = [
            self.page_id is not None,
            self.category_id is not None,
            bool(self.url),
        ]
        if sum(targets) != 1:
            raise ValidationError(
                "Choose one page, one category or one address for the link.",
                code="one_target",
            )
        if self.url and not self.label:
            raise ValidationError(
                {"label": "A link to an address needs a label."},
                code="label_required",
            )
