import uuid
from decimal import Decimal
from pathlib import PurePath

from django.core.files.storage import default_storage
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from imagekit.models import ImageSpecField
from pilkit.processors import ResizeToFit

from catalog.images import FORMAT_SUFFIXES, ProductImageField, validate_product_image
from catalog.publishing import (
    PreviewLink,
    Publishable,
    PublishableQuerySet,
)
from catalog.trees import AddressNode

# Widths of the renditions made for each uploaded image, in pixels.
IMAGE_WIDTHS = (320, 640, 1280)


class SearchEngineFields(models.Model):
    """What a page tells search engines and link previews, beyond its name."""

    seo_title = models.CharField(
        "SEO title",
        max_length=70,
        blank=True,
        help_text="Title for search engines; the name or title is used when empty.",
    )
    seo_description = models.CharField(
        "SEO description",
        max_length=160,
        blank=True,
        help_text="Summary for search engine results and link previews.",
    )

    class Meta:
        abstract = True


class Category(SearchEngineFields, AddressNode):
    """A node in the category tree, stored as a materialized path.

    The path lets one query read a whole subtree (`path__startswith`) or all
    ancestors of a node, whatever the depth.
    """

    redirect_kind = "category"

    name = models.CharField("name", max_length=120)
    slug = models.SlugField(
        "slug",
        max_length=120,
        unique=True,
        help_text="The last part of the category's address.",
    )
    description = models.TextField("description", blank=True)
    position = models.PositiveIntegerField(
        "position",
        default=0,
        help_text="Categories with lower numbers come first among their siblings.",
    )
    updated_at = models.DateTimeField("updated", auto_now=True)

    class Meta:
        verbose_name = "category"
        verbose_name_plural = "categories"
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:category-detail", args=[self.url_path])


class ProductQuerySet(PublishableQuerySet):
    def with_images(self) -> "ProductQuerySet":
        """Products with their category and ordered images, in two queries."""
        return self.select_related("category").prefetch_related(
            models.Prefetch(
                "images", queryset=ProductImage.objects.order_by("position", "pk")
            )
        )

    def with_cards(self) -> "ProductQuerySet":
        """What a product card shows; the long description is not read."""
        return self.with_images().defer("description")


class Product(SearchEngineFields, Publishable):
    name = models.CharField("name", max_length=200)
    slug = models.SlugField(
        "slug",
        max_length=200,
        unique=True,
        help_text="The last part of the product's address.",
    )
    sku = models.CharField(
        "SKU", max_length=64, unique=True, help_text="Stock keeping unit."
    )
    summary = models.CharField(
        "summary",
        max_length=300,
        blank=True,
        help_text="One or two sentences shown on product cards.",
    )
    description = models.TextField(
        "description", blank=True, help_text="Markdown. HTML is removed for safety."
    )
    price = models.DecimalField(
        "price",
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    stock = models.PositiveIntegerField(
        "stock", default=0, help_text="Units available to sell."
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="products",
        verbose_name="category",
    )
    featured = models.BooleanField(
        "featured", default=False, help_text="Shown on the home page."
    )
    created_at = models.DateTimeField("created", auto_now_add=True)
    updated_at = models.DateTimeField("updated", auto_now=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        verbose_name = "product"
        verbose_name_plural = "products"
        ordering = ["-publish_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gte=0), name="catalog_product_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(stock__gte=0), name="catalog_product_stock_not_negative"
            ),
        ]
        indexes = [
            # The indexes a list's count can start from (visible products, a
            # category, a price range) carry the other columns that decide
            # visibility and that lists filter on, so that the count reads
            # the index alone, never the table (catalog.listing).
            models.Index(
                fields=["status", "publish_at"],
                include=["unpublish_at", "category", "price", "stock"],
                name="catalog_product_listable",
            ),
            models.Index(
                fields=["category"],
                include=["status", "publish_at", "unpublish_at", "price", "stock"],
                name="catalog_product_in_category",
            ),
            models.Index(
                fields=["price"],
                include=["status", "publish_at", "unpublish_at", "category", "stock"],
                name="catalog_product_priced",
            ),
            models.Index(fields=["name"], name="catalog_product_name"),
            models.Index(fields=["-publish_at", "-id"], name="catalog_product_newest"),
            models.Index(fields=["featured"], name="catalog_product_featured"),
            models.Index(fields=["stock"], name="catalog_product_stock"),
            models.Index(fields=["unpublish_at"], name="catalog_product_unpublish"),
            # The sitemap index's last change reads the newest first.
            models.Index(fields=["updated_at"], name="catalog_product_updated"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:product-detail", args=[self.slug])

    @property
    def in_stock(self) -> bool:
        return self.stock > 0


def picture_path(instance: "Picture | None", filename: str) -> str:
    """Name uploads on the server: never trust a visitor's file name.

    The name is random, in the folder of the kind of picture; its extension
    is that of `filename`, which `image_upload_clean` chose from the format
    it found, and must be one it gives, so that a file that skipped
    cleaning is never stored as a PDF or a web page.
    """
    suffix = PurePath(filename).suffix.lower()
    if suffix not in FORMAT_SUFFIXES.values():
        raise ValueError(
            f"{filename!r} was not made by image_upload_clean; clean uploads first."
        )
    folder = instance.upload_folder if instance is not None else "products"
    return f"{folder}/{uuid.uuid4().hex}{suffix}"


class Picture(models.Model):
    """An uploaded image with its alt text and its stored smaller sizes.

    Product photos and the images of content blocks are pictures: the same
    upload checks, renditions and `<picture>` markup (the `picture` tag).
    """

    upload_folder = "products"

    image = ProductImageField(
        "image",
        upload_to=picture_path,
        width_field="width",
        height_field="height",
        validators=[validate_product_image],
        help_text="A still JPEG, PNG or WebP. It is stored encoded again, without "
        "its metadata, and smaller sizes are made from it.",
    )
    width = models.PositiveIntegerField("width", editable=False, default=0)
    height = models.PositiveIntegerField("height", editable=False, default=0)
    alt_text = models.CharField(
        "alt text",
        max_length=200,
        help_text="Describes the image for people who cannot see it.",
    )
    renditions = models.JSONField(
        "renditions",
        default=dict,
        blank=True,
        editable=False,
        help_text="The stored smaller sizes of the image, recorded when they are "
        "made: the source file's name, and for the original format and WebP the "
        "[name, width, height] of each, smallest first.",
    )

    # imagekit makes the renditions from these specs, when the image is saved
    # (`catalog.services.picture_renditions_store`), never while a
    # visitor waits. Pages read the names recorded in `renditions` instead:
    # imagekit pickles and hashes a spec on every access, which cost two
    # thirds of a product list's time.
    w320 = ImageSpecField(source="image", processors=[ResizeToFit(320, upscale=False)])
    w640 = ImageSpecField(source="image", processors=[ResizeToFit(640, upscale=False)])
    w1280 = ImageSpecField(
        source="image", processors=[ResizeToFit(1280, upscale=False)]
    )
    w320_webp = ImageSpecField(
        source="image", processors=[ResizeToFit(320, upscale=False)], format="WEBP"
    )
    w640_webp = ImageSpecField(
        source="image", processors=[ResizeToFit(640, upscale=False)], format="WEBP"
    )
    w1280_webp = ImageSpecField(
        source="image", processors=[ResizeToFit(1280, upscale=False)], format="WEBP"
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.alt_text

    def renditions_current(self) -> bool:
        """Whether `renditions` describes the image's present file."""
        return bool(self.image) and self.renditions.get("source") == self.image.name

    def rendition_urls(self, *, webp: bool) -> list[tuple[str, int, int]]:
        """(url, width, height) of each rendition, smallest first.

        Renditions are never wider than the image, so one that would repeat
        a width was left out when they were recorded. An image whose
        renditions are not recorded yet (a row written by some other path)
        offers its stored file alone, and no WebP.
        """
        if self.renditions_current():
            entries = self.renditions["webp" if webp else "original"]
        elif webp or not self.image:
            return []
        else:
            entries = [(self.image.name, self.width, self.height)]
        return [
            (default_storage.url(name), width, height)
            for name, width, height in entries
        ]

    def largest_url(self) -> str:
        """The address of the widest rendition in the image's own format."""
        urls = self.rendition_urls(webp=False)
        return urls[-1][0] if urls else ""


class ProductImage(Picture):
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="images", verbose_name="product"
    )
    position = models.PositiveIntegerField("position", default=0)

    class Meta:
        verbose_name = "product image"
        verbose_name_plural = "product images"
        ordering = ["position", "pk"]
        indexes = [
            models.Index(fields=["product", "position"], name="catalog_image_order")
        ]


class SlugRedirect(models.Model):
    """An old product, category or page address that answers 301 to the new one.

    Rows are written when a slug (or a category's place in the tree) changes,
    and older rows are rewritten then, so a chain of changes is one hop.
    """

    class Kind(models.TextChoices):
        PRODUCT = "product", "Product"
        CATEGORY = "category", "Category"
        PAGE = "page", "Page"

    kind = models.CharField("kind", max_length=10, choices=Kind.choices)
    old_path = models.CharField(
        "old path",
        max_length=500,
        help_text="The product slug, or category or page address path, that moved.",
    )
    new_path = models.CharField(
        "new path", max_length=500, help_text="Where the old path leads now."
    )
    created_at = models.DateTimeField("created", auto_now_add=True)

    class Meta:
        verbose_name = "address redirect"
        verbose_name_plural = "address redirects"
        ordering = ["kind", "old_path"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "old_path"], name="catalog_slugredirect_unique_old"
            )
        ]
        indexes = [
            models.Index(fields=["kind", "new_path"], name="catalog_redirect_new")
        ]

    def __str__(self) -> str:
        return f"{self.old_path} \u2192 {self.new_path}"


class ProductPreviewLink(PreviewLink):
    """A share-preview link to one unpublished product."""

    subject_field = "product"

    product = models.ForeignKey(
        Product,
        on_delete=models.CASCADE,
        related_name="preview_links",
        verbose_name="product",
    )

    class Meta(PreviewLink.Meta):
        pass
