import uuid
from decimal import Decimal
from pathlib import PurePath

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from treebeard.mp_tree import MP_Node


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

    def get_absolute_url(self) -> str:
        return reverse("catalog:category-detail", args=[self.slug])


class ProductQuerySet(models.QuerySet):
    def visible(self, *, at=None) -> "ProductQuerySet":
        """Products a visitor may see: published, and inside their window.

        The window is checked against the clock on every query, so scheduled
        products appear and disappear on time without a cron job.
        """
        now = at or timezone.now()
        return self.filter(
            Q(unpublish_at__isnull=True) | Q(unpublish_at__gt=now),
            status=Product.Status.PUBLISHED,
            publish_at__lte=now,
        )

    def with_cards(self) -> "ProductQuerySet":
        """Everything a product card shows, in a fixed number of queries."""
        return self.select_related("category").prefetch_related(
            models.Prefetch(
                "images", queryset=ProductImage.objects.order_by("position", "pk")
            )
        )


class Product(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

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
            models.Index(
                fields=["status", "publish_at"], name="catalog_product_visible"
            ),
            models.Index(fields=["price"], name="catalog_product_price"),
            models.Index(fields=["name"], name="catalog_product_name"),
            models.Index(fields=["-publish_at", "-id"], name="catalog_product_newest"),
            models.Index(fields=["featured"], name="catalog_product_featured"),
            models.Index(fields=["stock"], name="catalog_product_stock"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:product-detail", args=[self.slug])

    @property
    def in_stock(self) -> bool:
        return self.stock > 0


def product_image_path(instance: "ProductImage", filename: str) -> str:
    """Name uploads on the server: never trust a visitor's file name."""
    suffix = PurePath(filename).suffix.lower()
    return f"products/{uuid.uuid4().hex}{suffix}"


class ProductImage(models.Model):
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="images", verbose_name="product"
    )
    image = models.ImageField(
        "image",
        upload_to=product_image_path,
        width_field="width",
        height_field="height",
    )
    width = models.PositiveIntegerField("width", editable=False, default=0)
    height = models.PositiveIntegerField("height", editable=False, default=0)
    alt_text = models.CharField(
        "alt text",
        max_length=200,
        help_text="Describes the image for people who cannot see it.",
    )
    position = models.PositiveIntegerField("position", default=0)

    class Meta:
        verbose_name = "product image"
        verbose_name_plural = "product images"
        ordering = ["position", "pk"]
        indexes = [
            models.Index(fields=["product", "position"], name="catalog_image_order")
        ]

    def __str__(self) -> str:
        return self.alt_text
