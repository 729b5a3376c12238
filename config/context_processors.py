"""Template context shared by every page."""

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from config import sitecache


def site(request: HttpRequest) -> dict[str, str]:
    return {"site_name": settings.SITE_NAME, "currency": settings.CATALOG_CURRENCY}


def content_version(request: HttpRequest) -> dict:
    """The content version's token, for `{% cache %}` fragment keys.

    Looked up only when a template uses it; "none" while the cache cannot
    be reached, when fragments are not stored anyway.
    """

    def token() -> str:
        version = sitecache.content_version()
        return version.token if version else "none"

    return {"content_version": SimpleLazyObject(token)}
