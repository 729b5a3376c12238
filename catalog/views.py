from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from catalog.models import Category, Product


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "catalog/home.html",
        {
            "categories": Category.objects.filter(depth=1).order_by("position", "name"),
            "products": Product.objects.visible().with_cards()[:12],
        },
    )


def category_detail(request: HttpRequest, slug: str) -> HttpResponse:
    category = get_object_or_404(Category, slug=slug)
    products = (
        Product.objects.visible()
        .with_cards()
        .filter(category__path__startswith=category.path)
    )
    return render(
        request,
        "catalog/category_detail.html",
        {"category": category, "products": products[:24]},
    )


def product_detail(request: HttpRequest, slug: str) -> HttpResponse:
    product = get_object_or_404(Product.objects.visible().with_cards(), slug=slug)
    return render(request, "catalog/product_detail.html", {"product": product})
