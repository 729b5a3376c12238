import uuid
from datetime import datetime
from decimal import Decimal
from pathlib import PurePath

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Concat, Substr
from django.urls import reverse
from django.utils import timezone
from imagekit.models import ImageSpecField
from pilkit.processors import ResizeToFit
from treebeard.mp_tree import MP_Node

from catalog.images import FORMAT_SUFFIXES, ProductImageField, validate_product_image

# Widths of the renditions made for each uploaded image, in pixels.
IMAGE_WIDTHS = (320, 640, 1280)


class Category(MP_Node):
    """A node in the category tree, stored as a materialized path.

    The path lets one query read a whole subtree (`path__startswith`) or all
    ancestors of a node, whatever the depth.
    """

    name = models.CharField("name", max_length=120)
    slug = models.SlugField(
        "slug",
        max_length=120,
        unique=True,
        help_text="The last part of the category's address.",
    )
    url_path = models.CharField(
        "address path",
        max_length=500,
        unique=True,
        editable=False,
        help_text="The slugs from the top category down to this one.",
    )
    description = models.TextField("description", blank=True)
    position = models.PositiveIntegerField(
        "position",
        default=0,
        help_text="Categories with lower numbers come first among their siblings.",
    )
    seo_title = models.CharField(
        "SEO title",
        max_length=70,
        blank=True,
        help_text="Title for search engines; the name is used when empty.",
    )
    seo_description = models.CharField(
        "SEO description",
        max_length=160,
        blank=True,
        help_text="Summary for search engine results.",
    )
    updated_at = models.DateTimeField("updated", auto_now=True)

    class Meta:
        verbose_name = "category"
        verbose_name_plural = "categories"
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # The address path is derived from the tree, so it is kept right
        # wherever the tree changes: here for new and renamed categories
        # (including reverts from history), and in `category_move`.
        old_url_path = self.url_path
        self.url_path = self.build_url_path()
        super().save(*args, **kwargs)
        if old_url_path and old_url_path != self.url_path and not self.is_leaf():
            self.descendants_url_paths_replace(old_url_path)

    def get_absolute_url(self) -> str:
        return reverse("catalog:category-detail", args=[self.url_path])

    def descendants_url_paths_replace(self, old_prefix: str) -> None:
        """Give every descendant's address path this category's new prefix."""
        Category.objects.filter(
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
            Category.objects.filter(path=parent_path)
            .values_list("url_path", flat=True)
            .get()
        )
        return f"{parent_url}/{self.slug}"


def visibility_condition(now) -> Q:
    """Whether a product is visible to visitors at `now`.

    The one definition of visibility: the list pages, the product page, the
    sitemap and search all go through it, and because it is checked
    against the clock on every query, scheduled products appear and
    disappear on time without a cron job.
    """
    return Q(
        Q(unpublish_at__isnull=True) | Q(unpublish_at__gt=now),
        status=Product.Status.PUBLISHED,
        publish_at__lte=now,
    )


def publication_conditions(now) -> "dict[str, Q]":
    """Each publication state of a product at `now`, as a condition.

    Built from the visibility rule alone: live is the rule at `now`;
    scheduled is the rule at the product's own publish time, still to come,
    so a product that will appear by itself; withdrawn is every other
    published product (its unpublish time has passed, or comes before its
    publish time). The conditions exclude one another, so each can filter a
    list on its own and all of them can label one.
    """
    live = visibility_condition(now)
    scheduled = Q(publish_at__gt=now) & visibility_condition(F("publish_at"))
    return {
        Product.Publication.DRAFT: Q(status=Product.Status.DRAFT),
        Product.Publication.SCHEDULED: scheduled,
        Product.Publication.LIVE: live,
        Product.Publication.WITHDRAWN: Q(status=Product.Status.PUBLISHED)
        & ~live
        & ~scheduled,
    }


class ProductQuerySet(models.QuerySet):
    def visible(self, *, at=None) -> "ProductQuerySet":
        """Products a visitor may see."""
        return self.filter(visibility_condition(at or timezone.now()))

    def visibility_moments(self, *, at) -> "tuple[datetime | None, datetime | None]":
        """The last moment at or before `at` when a published product
        appeared or disappeared, and the next one after it; either None.
        """
        published = self.filter(status=Product.Status.PUBLISHED).order_by()
        # One range scan of an index per moment, in one query: asked for
        # all at once in one aggregate, PostgreSQL read every published
        # product's row (5 ms against 100 to 270 ms at a million products,
        # 20,000 of them scheduled). Grouping by status (one group) makes
        # each extreme a query of its own that the union can join.
        parts = [
            published.filter(**{f"{field}__{lookup}": at})
            .values("status")
            .annotate(moment=extreme(field), kind=Value(kind))
            .values_list("kind", "moment")
            for field in ("publish_at", "unpublish_at")
            for lookup, extreme, kind in (
                ("lte", models.Max, "last"),
                ("gt", models.Min, "next"),
            )
        ]
        found: dict[str, list[datetime]] = {"last": [], "next": []}
        for kind, moment in parts[0].union(*parts[1:], all=True):
            found[kind].append(moment)
        return max(found["last"], default=None), min(found["next"], default=None)

    def with_visibility(self, *, at=None) -> "ProductQuerySet":
        """Annotate each product with `is_visible`, for staff previews."""
        condition = visibility_condition(at or timezone.now())
        return self.annotate(
            is_visible=models.ExpressionWrapper(
                condition, output_field=models.BooleanField()
            )
        )

    def with_publication(self, *, at=None) -> "ProductQuerySet":
        """Annotate each product with `publication`, its state for staff."""
        conditions = publication_conditions(at or timezone.now())
        return self.annotate(
            publication=models.Case(
                *(
                    models.When(condition, then=Value(state))
                    for state, condition in conditions.items()
                ),
                output_field=models.CharField(),
            )
        )

    def in_publication(self, state: str, *, at=None) -> "ProductQuerySet":
        """Products in one publication state (see `publication_conditions`)."""
        return self.filter(publication_conditions(at or timezone.now())[state])

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


class Product(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    class Publication(models.TextChoices):
        """Where a product stands for visitors; derived, never stored."""

        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        LIVE = "live", "Live"
        WITHDRAWN = "withdrawn", "Withdrawn"

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
    status = models.CharField(
        "status", max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    publish_at = models.DateTimeField(
        "publish at",
        default=timezone.now,
        help_text="A published product becomes visible at this time.",
    )
    unpublish_at = models.DateTimeField(
        "unpublish at",
        null=True,
        blank=True,
        help_text="Optional: the product stops being visible at this time.",
    )
    seo_title = models.CharField("SEO title", max_length=70, blank=True)
    seo_description = models.CharField("SEO description", max_length=160, blank=True)
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


def product_image_path(instance: "ProductImage", filename: str) -> str:
    """Name uploads on the server: never trust a visitor's file name.

    The name is random; its extension is that of `filename`, which
    `image_upload_clean` chose from the format it found, and must be one it
    gives, so that a file that skipped cleaning is never stored as a PDF or
    a web page.
    """
    suffix = PurePath(filename).suffix.lower()
    if suffix not in FORMAT_SUFFIXES.values():
        raise ValueError(
            f"{filename!r} was not made by image_upload_clean; clean uploads first."
        )
    return f"products/{uuid.uuid4().hex}{suffix}"


class ProductImage(models.Model):
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="images", verbose_name="product"
    )
    image = ProductImageField(
        "image",
        upload_to=product_image_path,
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
    position = models.PositiveIntegerField("position", default=0)
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
    # (`catalog.services.product_image_renditions_store`), never while a
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
        verbose_name = "product image"
        verbose_name_plural = "product images"
        ordering = ["position", "pk"]
        indexes = [
            models.Index(fields=["product", "position"], name="catalog_image_order")
        ]

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


class SlugRedirect(models.Model):
    """An old product or category address that answers 301 to the new one.

    Rows are written when a slug (or a category's place in the tree) changes,
    and older rows are rewritten then, so a chain of changes is one hop.
    """

    class Kind(models.TextChoices):
        PRODUCT = "product", "Product"
        CATEGORY = "category", "Category"

    kind = models.CharField("kind", max_length=10, choices=Kind.choices)
    old_path = models.CharField(
        "old path",
        max_length=500,
        help_text="The product slug or category address path that moved.",
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


class ProductPreviewLink(models.Model):
    """A revocable, expiring grant to see one unpublished product.

    The address carries a signed form of `token`; the row is what lets staff
    revoke a link before it expires.
    """

    product = models.ForeignKey(
        Product,
        on_delete=models.CASCADE,
        related_name="preview_links",
        verbose_name="product",
    )
    token = models.UUIDField("token", default=uuid.uuid4, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="created by",
    )
    created_at = models.DateTimeField("created", auto_now_add=True)
    expires_at = models.DateTimeField("expires")
    revoked_at = models.DateTimeField("revoked", null=True, blank=True)

    class Meta:
        verbose_name = "share preview link"
        verbose_name_plural = "share preview links"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Preview of {self.product}"

    def is_usable(self, *, at=None) -> bool:
        """Whether the link still opens its product: not revoked nor expired."""
        return self.revoked_at is None and self.expires_at > (at or timezone.now())


class ProductChange(models.Model):
    """A write that changed what visitors see of a product.

    The API's change feed (`catalog.changes`) lists these together with the
    moments the clock shows or hides a scheduled product, which need no row.
    Writes that leave a product hidden before and after record nothing. The
    product is named by its id, not a foreign key, so that a deletion's row
    outlives the product.
    """

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"
        SHOWN = "shown", "Shown"
        HIDDEN = "hidden", "Hidden"
        DELETED = "deleted", "Deleted"

    product_id = models.BigIntegerField("product id")
    slug = models.SlugField("slug", max_length=200, db_index=False)
    kind = models.CharField("what happened", max_length=10, choices=Kind.choices)
    recorded_at = models.DateTimeField("recorded", default=timezone.now)

    class Meta:
        verbose_name = "product change"
        verbose_name_plural = "product changes"
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.slug} {self.kind}"
