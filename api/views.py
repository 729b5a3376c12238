"""The API's endpoints. Each calls the catalog's selectors and services."""

import hashlib
import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, prefetch_related_objects
from django.http import HttpResponsePermanentRedirect, QueryDict
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import conditional
from api.permissions import reads_drafts
from api.serializers import (
    CategorySerializer,
    ChangeFeedSerializer,
    ErrorSerializer,
    ImageSerializer,
    ImageUploadSerializer,
    Links,
    ProductDetailSerializer,
    ProductListSerializer,
    ProductWriteSerializer,
    category_data,
    image_data,
    product_detail,
    product_summary,
)
from catalog import listing, redirects, services
from catalog.cache import cached
from catalog.changes import Cursor, CursorError, change_feed
from catalog.history import revision_recorded
from catalog.models import Category, Product, ProductImage
from catalog.selectors import category_lineage

# Reads need no token; one lets staff read drafts.
READ_AUTH = [{"token": []}, {}]
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 24
MAX_FEED_LIMIT = 500
DEFAULT_FEED_LIMIT = 100

ERRORS = {
    code: OpenApiResponse(ErrorSerializer, description=text)
    for code, text in {
        400: "Bad input; `fields` says which.",
        401: "The token is not valid.",
        403: "The token's user may not do this.",
        404: "Not found.",
        412: "If-Match names an older version.",
        415: "Unsupported content type.",
        429: "Too many requests; see Retry-After.",
    }.items()
}


def _errors(*codes: int) -> dict:
    return {code: ERRORS[code] for code in codes}


def _products_for(user):
    """What `user` may read: every product for staff, visible ones otherwise."""
    return Product.objects.all() if reads_drafts(user) else Product.objects.visible()


def _with_validators(response: Response, validators) -> Response:
    if validators is None:
        # Without the content version the tag is the body's own.
        body = json.dumps(response.data, sort_keys=True, default=str).encode()
        response["ETag"] = '"' + hashlib.sha256(body).hexdigest()[:40] + '"'
        return response
    conditional.validators_set(response, *validators)
    return response


def _vary(response: Response) -> Response:
    # Staff tokens read drafts: a shared cache must keep answers apart.
    response["Vary"] = "Authorization"
    return response


class ProductQuerySerializer(serializers.Serializer):
    q = serializers.CharField(max_length=200, required=False, allow_blank=True)
    category = serializers.SlugField(
        required=False, help_text="A category's slug; its subcategories count too."
    )
    min_price = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, required=False
    )
    max_price = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, required=False
    )
    in_stock = serializers.BooleanField(required=False, default=False)
    sort = serializers.ChoiceField(
        choices=[listing.RELEVANCE, *listing.SORTS], required=False
    )
    page = serializers.IntegerField(
        min_value=1, max_value=listing.MAX_PAGES, required=False
    )
    page_size = serializers.IntegerField(
        min_value=1, max_value=MAX_PAGE_SIZE, required=False
    )

    def validate_category(self, slug: str) -> str:
        if not Category.objects.filter(slug=slug).exists():
            raise serializers.ValidationError("No category has this slug.")
        return slug


class ProductListView(APIView):
    queryset = Product.objects.none()
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="products_list",
        auth=READ_AUTH,
        parameters=[ProductQuerySerializer],
        responses={
            200: ProductListSerializer,
            304: None,
            **_errors(400, 401, 404, 429),
        },
    )
    def get(self, request: Request) -> Response:
        """Visible products (staff: all), filtered, sorted or searched as on
        the site, a page at a time."""
        query = ProductQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        drafts = reads_drafts(request.user)
        validators = conditional.content_validators(request, drafts)
        if validators and (answer := conditional.not_modified(request, *validators)):
            return _vary(answer)
        params = QueryDict(mutable=True)
        for name, value in values.items():
            if name == "in_stock":
                if value:
                    params[name] = "1"
            elif name != "page_size":
                params[name] = str(value)
        page_size = values.get("page_size", DEFAULT_PAGE_SIZE)
        found = listing.product_listing(
            params,
            products=Product.objects.all() if drafts else None,
            per_page=page_size,
            highlight=False,
        )
        links = Links(request)
        page = found.page

        def page_url(number: int | None) -> str | None:
            if number is None:
                return None
            query_params = request.query_params.copy()
            query_params["page"] = str(number)
            return request.build_absolute_uri(
                f"{request.path}?{query_params.urlencode()}"
            )

        data = {
            "count": page.paginator.count,
            "next": page_url(page.next_page_number() if page.has_next() else None),
            "previous": page_url(
                page.previous_page_number() if page.has_previous() else None
            ),
            "results": [product_summary(product, links) for product in page],
        }
        return _vary(_with_validators(Response(data), validators))

    @extend_schema(
        operation_id="products_create",
        request=ProductWriteSerializer,
        responses={201: ProductDetailSerializer, **_errors(400, 401, 403, 415, 429)},
    )
    def post(self, request: Request) -> Response:
        """Create a product (Editors)."""
        writer = ProductWriteSerializer(data=request.data)
        writer.is_valid(raise_exception=True)
        product = Product(**writer.validated_data)
        with revision_recorded(user=request.user, comment="Added through the API"):
            services.product_save(product=product)
        response = _detail_response(request, product, status.HTTP_201_CREATED)
        response["Location"] = Links(request).product(product.slug)
        return response


def _detail_response(request: Request, product: Product, code: int = 200) -> Response:
    product = (
        Product.objects.select_related("category")
        .prefetch_related(
            Prefetch("images", queryset=ProductImage.objects.order_by("position", "pk"))
        )
        .get(pk=product.pk)
    )
    names = [category.name for category in category_lineage(product.category)]
    response = Response(product_detail(product, Links(request), names), status=code)
    conditional.validators_set(
        response,
        conditional.product_etag(product),
        conditional.product_last_modified(product),
    )
    return _vary(response)


def _product_locked(request: Request, slug: str) -> Product:
    """The product to write, locked until the transaction ends, after its
    `If-Match` check."""
    product = (
        Product.objects.select_for_update(of=("self",))
        .select_related("category")
        .filter(slug=slug)
        .first()
    )
    if product is None:
        raise exceptions.NotFound("No product has this slug.")
    conditional.if_match_check(request, conditional.product_etag(product))
    return product


class ProductDetailView(APIView):
    queryset = Product.objects.none()
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="products_retrieve",
        auth=READ_AUTH,
        responses={
            200: ProductDetailSerializer,
            301: OpenApiResponse(description="The slug changed; see Location."),
            304: None,
            **_errors(401, 404, 429),
        },
    )
    def get(self, request: Request, slug: str) -> Response:
        """One product, with its images' renditions and category path."""
        product = (
            _products_for(request.user)
            .select_related("category")
            .filter(slug=slug)
            .first()
        )
        if product is None:
            target = redirects.product_redirect_target(slug)
            if target:
                return HttpResponsePermanentRedirect(Links(request).product(target))
            raise exceptions.NotFound("No product has this slug.")
        etag = conditional.product_etag(product)
        last_modified = conditional.product_last_modified(product)
        if answer := conditional.not_modified(request, etag, last_modified):
            return _vary(answer)
        prefetch_related_objects(
            [product],
            Prefetch(
                "images", queryset=ProductImage.objects.order_by("position", "pk")
            ),
        )
        names = [category.name for category in category_lineage(product.category)]
        response = Response(product_detail(product, Links(request), names))
        conditional.validators_set(response, etag, last_modified)
        return _vary(response)

    def _change(self, request: Request, slug: str, *, partial: bool) -> Response:
        with transaction.atomic():
            product = _product_locked(request, slug)
            writer = ProductWriteSerializer(product, data=request.data, partial=partial)
            writer.is_valid(raise_exception=True)
            slug_before, status_before = product.slug, product.status
            for name, value in writer.validated_data.items():
                setattr(product, name, value)
            with revision_recorded(
                user=request.user, comment="Changed through the API"
            ):
                services.product_save(
                    product=product,
                    slug_before=slug_before,
                    status_before=status_before,
                )
        return _detail_response(request, product)

    @extend_schema(
        operation_id="products_update",
        request=ProductWriteSerializer,
        parameters=[
            OpenApiParameter("If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER)
        ],
        responses={
            200: ProductDetailSerializer,
            **_errors(400, 401, 403, 404, 412, 415, 429),
        },
    )
    def put(self, request: Request, slug: str) -> Response:
        """Replace a product's fields (Editors)."""
        return self._change(request, slug, partial=False)

    @extend_schema(
        operation_id="products_partial_update",
        request=ProductWriteSerializer(partial=True),
        parameters=[
            OpenApiParameter("If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER)
        ],
        responses={
            200: ProductDetailSerializer,
            **_errors(400, 401, 403, 404, 412, 415, 429),
        },
    )
    def patch(self, request: Request, slug: str) -> Response:
        """Change some of a product's fields (Editors)."""
        return self._change(request, slug, partial=True)

    @extend_schema(
        operation_id="products_destroy",
        parameters=[
            OpenApiParameter("If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER)
        ],
        responses={204: None, **_errors(401, 403, 404, 412, 429)},
    )
    def delete(self, request: Request, slug: str) -> Response:
        """Delete a product (Editors); staff can recover it in the admin."""
        with transaction.atomic():
            product = _product_locked(request, slug)
            services.product_delete(products=Product.objects.filter(pk=product.pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProductImageView(APIView):
    queryset = ProductImage.objects.none()
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="products_images_create",
        request={"multipart/form-data": ImageUploadSerializer},
        parameters=[
            OpenApiParameter("If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER)
        ],
        responses={201: ImageSerializer, **_errors(400, 401, 403, 404, 412, 415, 429)},
    )
    def post(self, request: Request, slug: str) -> Response:
        """Add an image to a product (Editors), with the admin's upload checks."""
        upload = ImageUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        values = upload.validated_data
        with transaction.atomic():
            product = _product_locked(request, slug)
            try:
                with revision_recorded(
                    user=request.user, comment="Image added through the API"
                ):
                    image = services.product_image_add(
                        product=product,
                        file=values["image"],
                        alt_text=values["alt_text"],
                        position=values.get("position"),
                    )
            except DjangoValidationError as error:
                raise exceptions.ValidationError({"image": error.messages}) from None
        response = Response(image_data(image, Links(request)), status=201)
        product.refresh_from_db(fields=["updated_at"])
        response["ETag"] = conditional.product_etag(product)
        return response


def _category_counts() -> dict[str, int]:
    """Visible products in each category and below, by the category's path."""

    def compute() -> dict[str, int]:
        totals: dict[str, int] = {}
        rows = (
            Product.objects.visible()
            .order_by()
            .values_list("category__path")
            .annotate(count=Count("pk"))
        )
        step = Category.steplen
        for path, count in rows:
            for end in range(step, len(path) + 1, step):
                totals[path[:end]] = totals.get(path[:end], 0) + count
        return totals

    return cached("api:category-counts", compute)


def _category_item(category: Category, counts: dict, links: Links) -> dict:
    parent = category.url_path.rpartition("/")[0] or None
    return {
        **category_data(category),
        "parent": parent,
        "depth": category.depth,
        "description": category.description,
        "product_count": counts.get(category.path, 0),
        "url": links.absolute(reverse("api:category-detail", args=[category.url_path])),
    }


class CategoryListView(APIView):
    queryset = Category.objects.none()

    @extend_schema(
        operation_id="categories_list",
        auth=READ_AUTH,
        responses={200: CategorySerializer(many=True), 304: None, **_errors(401, 429)},
    )
    def get(self, request: Request) -> Response:
        """Every category, top-down in tree order, with its visible products'
        count (subcategories included)."""
        validators = conditional.content_validators(request)
        if validators and (answer := conditional.not_modified(request, *validators)):
            return answer
        counts = _category_counts()
        links = Links(request)
        data = [
            _category_item(category, counts, links)
            for category in Category.objects.order_by("path")
        ]
        return _with_validators(Response(data), validators)


class CategoryDetailView(APIView):
    queryset = Category.objects.none()

    @extend_schema(
        operation_id="categories_retrieve",
        auth=READ_AUTH,
        responses={
            200: CategorySerializer,
            301: OpenApiResponse(description="The category moved; see Location."),
            304: None,
            **_errors(401, 404, 429),
        },
    )
    def get(self, request: Request, url_path: str) -> Response:
        """One category by its path (slugs from the top, joined by /)."""
        url_path = url_path.strip("/")
        category = Category.objects.filter(url_path=url_path).first()
        if category is None:
            target = redirects.node_redirect_target(Category, url_path)
            if target:
                return HttpResponsePermanentRedirect(
                    Links(request).absolute(
                        reverse("api:category-detail", args=[target])
                    )
                )
            raise exceptions.NotFound("No category has this path.")
        validators = conditional.content_validators(request)
        if validators and (answer := conditional.not_modified(request, *validators)):
            return answer
        data = _category_item(category, _category_counts(), Links(request))
        return _with_validators(Response(data), validators)


class ChangeQuerySerializer(serializers.Serializer):
    since = serializers.RegexField(
        r"^(0|[0-9]{1,19}-[0-9]{1,19}-[0-9]{1,19})?$",
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="The cursor of the last change you applied; leave out to start.",
    )
    limit = serializers.IntegerField(
        min_value=1, max_value=MAX_FEED_LIMIT, required=False
    )

    def validate_since(self, value: str) -> Cursor:
        try:
            return Cursor.parse(value)
        except CursorError as error:
            raise serializers.ValidationError(str(error)) from None


class ChangeFeedView(APIView):
    queryset = Product.objects.none()

    @extend_schema(
        operation_id="changes_list",
        auth=READ_AUTH,
        parameters=[ChangeQuerySerializer],
        responses={200: ChangeFeedSerializer, 304: None, **_errors(400, 401, 429)},
    )
    def get(self, request: Request) -> Response:
        """Products created, updated, shown or hidden since a cursor.

        Apply the entries in order to a mirror keyed by `id`: a `product`
        replaces the entry, null removes it. Following `cursor` from the
        start leaves the mirror holding exactly the visible catalog.
        """
        query = ChangeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        after = query.validated_data.get("since") or Cursor()
        limit = query.validated_data.get("limit", DEFAULT_FEED_LIMIT)
        validators = conditional.content_validators(request)
        if validators and (answer := conditional.not_modified(request, *validators)):
            return answer
        page = change_feed(after=after, limit=limit)
        links = Links(request)
        next_url = request.build_absolute_uri(
            reverse("api:change-list") + f"?since={page.cursor}&limit={limit}"
        )
        data = {
            "changes": [
                {
                    "cursor": str(entry.cursor),
                    "id": entry.product_id,
                    "slug": entry.slug,
                    "change": entry.kind,
                    "product": product_summary(entry.product, links)
                    if entry.product is not None
                    else None,
                }
                for entry in page.entries
            ],
            "cursor": str(page.cursor),
            "more": page.more,
            "next": next_url,
        }
        return _with_validators(Response(data), validators)
