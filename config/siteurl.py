"""The address the site's own absolute links use.

Canonical links, Open Graph and JSON-LD addresses, sitemaps and
security.txt name the site by SITE_DOMAIN when it is set (the one public
name of a site reached under several), and otherwise by the host the
request came to, so a site served at 127.0.0.1:8080 or shop.example.com
links to itself there. The scheme is the request's (HTTPS behind a proxy
that says so, DJANGO_SECURE_PROXY_SSL_HEADER).
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest


def site_origin(request: HttpRequest) -> str:
    return f"{request.scheme}://{settings.SITE_DOMAIN or request.get_host()}"


def site_url(request: HttpRequest, path: str) -> str:
    """The absolute address of `path`; an address that is absolute already
    (an image in a bucket) is returned as it is."""
    if urlsplit(path).scheme:
        return path
    return site_origin(request) + path
