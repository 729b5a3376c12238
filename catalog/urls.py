from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("products/", views.product_list, name="product-list"),
    path("products/<slug:slug>/", views.product_detail, name="product-detail"),
    path("search/", views.search, name="search"),
    path("categories/<path:url_path>/", views.category_detail, name="category-detail"),
]
