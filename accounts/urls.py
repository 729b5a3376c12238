from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/data.json", views.data_export, name="data-export"),
    path("profile/delete/", views.account_delete, name="delete"),
    path("saved/<slug:slug>/add/", views.saved_product_add, name="saved-product-add"),
    path(
        "saved/<slug:slug>/remove/",
        views.saved_product_remove,
        name="saved-product-remove",
    ),
]
