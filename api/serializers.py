"""What the API reads and writes.

Reads are built by plain functions (`product_summary`, `product_detail`):
a list page builds thousands of small dicts, and DRF's field machinery cost
several times the time of the whole query (bench/api.py). The serializer
classes that wrap them declare the same fields, for the schema, and their
`to_representation` is the function. Writes go through a ModelSerializer,
whose validation follows the model's fields.
"""

from datetime import datetime

from django.conf import settings
from django.urls import reverse
from rest_framework import serializers

from catalog.models import Category, Product, ProductImage

FORMATS = {".jpg": "jpeg", ".jpeg": "jpeg", ".png": "png", ".webp": "webp"}


def iso(moment: datetime | None) -> str | None:
    """A time as DRF writes it: ISO 8601, UTC as Z."""
    if moment is None:
        return None
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class Links:
    """Absolute addresses for one request, the host read once."""

    def __init__(self, request) -> None:
        self.base = request.build_absolute_uri("/")[:-1]
        self.api_products = self.base + reverse("api:product-list")

    def absolute(self, url: str) -> str:
        return self.base + url if url.startswith("/") else url

    def product(self, slug: str) -> str:
        return f"{self.api_products}{slug}/"


def image_data(image: ProductImage, links: Links) -> dict:
    renditions = [
        {
            "url": links.absolute(url),
            "width": width,
            "height": height,
            "format": "webp" if webp else FORMATS.get(url[url.rfind(".") :].lower()),
        }
        for webp in (False, True)
        for url, width, height in image.rendition_urls(webp=webp)
    ]
    return {
        "id": image.pk,
        "alt_text": image.alt_text,
        "width": image.width,
        "height": image.height,
        "position": image.position,
        "renditions": renditions,
    }


def category_data(category: Category) -> dict:
    return {"slug": category.slug, "name": category.name, "path": category.url_path}


def product_summary(product: Product, links: Links) -> dict:
    """A product as lists and the change feed give it."""
    images = product.images.all()
    return {
        "id": product.pk,
        "slug": product.slug,
        "url": links.product(product.slug),
        "web_url": links.absolute(f"/products/{product.slug}/"),
        "name": product.name,
        "summary": product.summary,
        "price": f"{product.price:.2f}",
        "currency": settings.CATALOG_CURRENCY,
        "stock": product.stock,
        "in_stock": product.stock > 0,
        "category": category_data(product.category),
        "image": image_data(images[0], links) if images else None,
        "updated_at": iso(product.updated_at),
    }


def product_detail(product: Product, links: Links, category_names: list[str]) -> dict:
    """A product with everything an editor can write, and all its images."""
    data = product_summary(product, links)
    data.update(
        {
            "sku": product.sku,
            "description": product.description,
            "category": {**data["category"], "names": category_names},
            "images": [image_data(image, links) for image in product.images.all()],
            "featured": product.featured,
            "status": product.status,
            "publish_at": iso(product.publish_at),
            "unpublish_at": iso(product.unpublish_at),
            "seo_title": product.seo_title,
            "seo_description": product.seo_description,
            "created_at": iso(product.created_at),
        }
    )
    return data


# Serializers that describe the functions' output, for the schema.


class RenditionSerializer(serializers.Serializer):
    url = serializers.URLField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    format = serializers.ChoiceField(choices=["jpeg", "png", "webp"])


class ImageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    alt_text = serializers.CharField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    position = serializers.IntegerField()
    renditions = RenditionSerializer(many=True)


class CategoryRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    path = serializers.CharField(help_text="Slugs from the top category down.")


class CategoryPathSerializer(CategoryRefSerializer):
    names = serializers.ListField(
        child=serializers.CharField(), help_text="Names from the top category down."
    )


class ProductSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    url = serializers.URLField()
    web_url = serializers.URLField()
    name = serializers.CharField()
    summary = serializers.CharField(allow_blank=True)
    price = serializers.DecimalField(max_digits=10, decimal_places=2)
    currency = serializers.CharField()
    stock = serializers.IntegerField()
    in_stock = serializers.BooleanField()
    category = CategoryRefSerializer()
    image = ImageSerializer(allow_null=True)
    updated_at = serializers.DateTimeField()

    def to_representation(self, instance: Product) -> dict:
        return product_summary(instance, self.context["links"])


class ProductDetailSerializer(ProductSummarySerializer):
    sku = serializers.CharField()
    description = serializers.CharField(allow_blank=True, help_text="Markdown.")
    category = CategoryPathSerializer()
    images = ImageSerializer(many=True)
    featured = serializers.BooleanField()
    status = serializers.ChoiceField(choices=Product.Status.choices)
    publish_at = serializers.DateTimeField()
    unpublish_at = serializers.DateTimeField(allow_null=True)
    seo_title = serializers.CharField(allow_blank=True)
    seo_description = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()

    def to_representation(self, instance: Product) -> dict:
        return product_detail(
            instance, self.context["links"], self.context["category_names"]
        )


class ProductListSerializer(serializers.Serializer):
    count = serializers.IntegerField(
        help_text="Matching products, up to what the pages can show."
    )
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ProductSummarySerializer(many=True)


class ProductWriteSerializer(serializers.ModelSerializer):
    """A product as an editor sends it; the category by its slug."""

    category = serializers.SlugRelatedField(
        slug_field="slug", queryset=Category.objects.all()
    )
    # The range PostgreSQL's column holds, whatever the engine, so that the
    # schema is the same on both.
    stock = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False)

    class Meta:
        model = Product
        fields = [
            "name",
            "slug",
            "sku",
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
        ]


class ImageUploadSerializer(serializers.Serializer):
    image = serializers.FileField(
        help_text="A still JPEG, PNG or WebP, checked as the admin checks uploads."
    )
    alt_text = serializers.CharField(max_length=200)
    position = serializers.IntegerField(
        min_value=0, max_value=2**31 - 1, required=False
    )


class CategorySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    path = serializers.CharField()
    parent = serializers.CharField(allow_null=True, help_text="The parent's path.")
    depth = serializers.IntegerField()
    description = serializers.CharField(allow_blank=True)
    product_count = serializers.IntegerField(
        help_text="Visible products in this category and below."
    )
    url = serializers.URLField()


class ChangeSerializer(serializers.Serializer):
    cursor = serializers.CharField(help_text="Resume the feed after this entry.")
    id = serializers.IntegerField()
    slug = serializers.CharField()
    change = serializers.ChoiceField(
        choices=["created", "updated", "shown", "hidden", "deleted"]
    )
    product = ProductSummarySerializer(
        allow_null=True,
        help_text="The product as visitors see it now; null is a tombstone: "
        "remove it from the mirror.",
    )


class ChangeFeedSerializer(serializers.Serializer):
    changes = ChangeSerializer(many=True)
    cursor = serializers.CharField(help_text="Pass as `since` for the next page.")
    more = serializers.BooleanField(help_text="Whether more changes wait already.")
    next = serializers.URLField()


class ErrorSerializer(serializers.Serializer):
    status = serializers.IntegerField()
    code = serializers.CharField()
    detail = serializers.CharField()
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )
