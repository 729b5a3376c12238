"""The one rule for where a `next` parameter may send a visitor.

Every view that redirects to a URL the request names (`?next=`, a hidden
`next` field) asks `is_safe_next_url` first: our own saved-product views
and, through the account adapter, every allauth page (sign-in, sign-up,
sign-out, password and email pages, the second factor, the admin's sign-in).
"""

import unicodedata
from urllib.parse import unquote

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

# Longer targets are not links a page of ours would make, and some proxies
# refuse a response whose Location header is this large.
MAX_LENGTH = 2000


def is_safe_next_url(url: object, *, request: HttpRequest | None) -> bool:
    """Whether `url` is a page of this site, reached the way the request was.

    Accepted are paths on this site ("/products/?page=2": one leading slash,
    never two) and absolute URLs that start with the request's own scheme
    and host exactly as `request.build_absolute_uri()` writes them, so an
    https page never sends a visitor to http. Refused are other hosts,
    other schemes (`javascript:`), scheme-relative and backslash tricks
    (`//evil.com`, `/\\evil.com`), the same tricks percent-encoded, control
    characters and whitespace (browsers drop some of them, turning
    `/<TAB>/evil.com` into `//evil.com`), bare words such as URL names
    (`account_logout`), and anything longer than MAX_LENGTH.

    Without a request only paths are accepted, since there is no origin to
    compare with.
    """
    if not isinstance(url, str) or not url or len(url) > MAX_LENGTH:
        return False
    if url.startswith("/"):
        rest = url
    elif request is None:
        return False
    else:
        origin = f"{request.scheme}://{request.get_host()}"
        if not url.startswith(origin):
            return False
        rest = url[len(origin) :]
        if rest[:1] not in ("", "/", "?", "#"):
            # "https://example.com.evil.net/" starts with the origin too.
            return False
    if not _is_plain(url) or _has_control_or_backslash(unquote(url)):
        return False
    if rest.startswith("/") and unquote(rest).startswith("//"):
        return False
    # Django's own check as a second opinion, with only this host allowed.
    return url_has_allowed_host_and_scheme(
        url,
        allowed_hosts={request.get_host()} if request is not None else set(),
        require_https=request is not None and request.is_secure(),
    )


def _is_plain(text: str) -> bool:
    """No backslash, whitespace, control, format or unassigned character."""
    return not _has_control_or_backslash(text) and not any(
        char.isspace() for char in text
    )


def _has_control_or_backslash(text: str) -> bool:
    # Percent-encoded, a space is an ordinary part of a path ("%20"), but a
    # control character or a backslash is there to trick whatever decodes it.
    return any(char == "\\" or unicodedata.category(char)[0] == "C" for char in text)
