"""Who is asking: the client's address and the account a sign-in is for."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """Return the address of the client, trusting only our own proxies.

    Each of the DJANGO_TRUSTED_PROXY_COUNT proxies appends the address it was
    reached from to X-Forwarded-For, so the client is the N-th entry from the
    right. Entries further left come from the client and may be forged. When
    the header is shorter than expected, the request did not come through the
    proxies, and the connecting address is the only one to believe.
    """
    remote_addr = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote_addr
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) < count:
        return remote_addr
    return forwarded[-count]


def login_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """Return the email a sign-in attempt is for, in one spelling.

    allauth passes the address as `email`, Django's own forms as `username`.
    Lower-casing it means "Ada@x" and "ada@x" count towards the same lockout,
    as they are the same account.
    """
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("username")
    if value is None:
        value = request.POST.get("login") or request.POST.get("username")
    return value.strip().lower() if value else None


def client_description(
    username: str, ip_address: str, user_agent: str, path_info: str, request
) -> str:
    """Describe a sign-in attempt for axes' log lines without personal data."""
    return f"{{path_info: {path_info!r}}}"
