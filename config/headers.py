"""Security headers that Django does not send itself.

Django's SecurityMiddleware sends X-Content-Type-Options, Referrer-Policy
and Cross-Origin-Opener-Policy, and django-csp the Content-Security-Policy;
this module adds Permissions-Policy and Cross-Origin-Resource-Policy, and
works out where uploads live for the policy's img-src.
"""

from collections.abc import Callable
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse

# Browser features the site never uses, switched off for every page and for
# anything a page could embed. Only names that current browsers recognise
# are listed: an unknown one makes Chromium log an error on every page.
DENIED_FEATURES = (
    "accelerometer",
    "autoplay",
    "browsing-topics",
    "camera",
    "display-capture",
    "encrypted-media",
    "fullscreen",
    "geolocation",
    "gyroscope",
    "hid",
    "idle-detection",
    "local-fonts",
    "magnetometer",
    "microphone",
    "midi",
    "otp-credentials",
    "payment",
    "picture-in-picture",
    "publickey-credentials-create",
    "publickey-credentials-get",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
)
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in DENIED_FEATURES)

# Pages, images and files of the site are for the site itself: another
# origin may link to them but not load them into its own pages.
CROSS_ORIGIN_RESOURCE_POLICY = "same-origin"


def media_origins(media_url: str) -> list[str]:
    """Return the origin uploads are served from, when it is not this site.

    An absolute MEDIA_URL (a bucket or a CDN) names another origin, which
    the content security policy must allow images from; a path is served
    by the site itself and needs nothing.
    """
    parts = urlsplit(media_url)
    if parts.scheme in ("http", "https") and parts.netloc:
        return [f"{parts.scheme}://{parts.netloc}"]
    return []


class SecurityHeadersMiddleware:
    """Add Permissions-Policy and Cross-Origin-Resource-Policy to responses.

    It sits before WhiteNoise in MIDDLEWARE, so static files get them too,
    as do uploads served by Django.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers["Permissions-Policy"] = PERMISSIONS_POLICY
        response.headers["Cross-Origin-Resource-Policy"] = CROSS_ORIGIN_RESOURCE_POLICY
        return response
