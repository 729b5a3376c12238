from django.urls import path

from content import views

app_name = "content"

urlpatterns = [
    path("", views.home, name="home"),
    path("pages/<path:url_path>/", views.page, name="page"),
]
