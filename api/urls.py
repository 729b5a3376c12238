from django.urls import path, re_path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView

from api import errors, views

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        TemplateView.as_view(template_name="api/docs.html"),
        name="docs",
    ),
    path("v1/products/", views.ProductListView.as_view(), name="product-list"),
    path(
        "v1/products/<str:slug>/",
        views.ProductDetailView.as_view(),
        name="product-detail",
    ),
    path(
        "v1/products/<str:slug>/images/",
        views.ProductImageView.as_view(),
        name="product-images",
    ),
    path("v1/categories/", views.CategoryListView.as_view(), name="category-list"),
    path(
        "v1/categories/<path:url_path>/",
        views.CategoryDetailView.as_view(),
        name="category-detail",
    ),
    path("v1/changes/", views.ChangeFeedView.as_view(), name="change-list"),
    re_path(r"^", errors.page_not_found_view, name="not-found"),
]
