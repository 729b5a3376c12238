"""Static files are hashed by the manifest storage and served as immutable."""

import pytest
from django.core.management import call_command
from django.http import HttpResponse
from django.templatetags.static import static
from django.test import RequestFactory
from whitenoise.middleware import WhiteNoiseMiddleware

MANIFEST = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}


@pytest.fixture
def collected(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = MANIFEST
    call_command("collectstatic", interactive=False, verbosity=0)
    return settings.STATIC_ROOT


def test_stylesheet_is_hashed_and_served_immutable_and_compressed(collected):
    url = static("css/site.css")
    assert url != "/static/css/site.css"
    assert list((collected / "css").glob("site.*.css.br"))

    middleware = WhiteNoiseMiddleware(lambda request: HttpResponse(status=404))
    response = middleware(RequestFactory().get(url, HTTP_ACCEPT_ENCODING="br"))

    assert response.status_code == 200
    assert "immutable" in response["Cache-Control"]
    assert response["Content-Encoding"] == "br"
