"""`next` values for the redirect tests, and how a browser would take them.

Shared by tests/test_next_url.py (the rule itself) and
accounts/tests/test_redirects.py (every view that follows a `next`).
"""

import unicodedata
from urllib.parse import urlsplit

from hypothesis import strategies as st

HOST = "testserver"

# Values a hostile page or a careless link may put in `next`: other hosts,
# other schemes, URL names, the same tricks encoded, control characters.
HOSTILE_NEXT_URLS = [
    "//evil.com",
    "///evil.com",
    "////evil.com",
    "/\\evil.com",
    "\\\\evil.com",
    "\\/evil.com",
    "/\\/evil.com",
    "https://evil.com",
    "http://evil.com/",
    "HTTPS://EVIL.COM/",
    "https:evil.com",
    "https:/evil.com",
    "https:///evil.com",
    "https://testserver@evil.com/",
    "https://testserver.evil.com/",
    "https://evil.com\\@testserver/",
    "https://evil.com#@testserver/",
    "http://testserver:80@evil.com/",
    "//testserver@evil.com",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "ftp://evil.com/",
    "mailto:someone@evil.com",
    "account_logout",
    "accounts:profile",
    "admin:index",
    "foo",
    "foo/bar",
    "./x",
    "../x",
    ".",
    "..",
    "?next=x",
    "#x",
    "/%2F%2Fevil.com",
    "/%2f%2fevil.com",
    "/%5Cevil.com",
    "%2F%2Fevil.com",
    "%2Fx",
    "/%09/evil.com",
    "/%0d%0aSet-Cookie:%20a=b",
    "/%00",
    "\x00",
    "/\x00",
    "\x00/x",
    "/x\nLocation: https://evil.com",
    "/x\r\nSet-Cookie: a=b",
    "\n/x",
    "/\t/evil.com",
    "/\r/evil.com",
    " /x",
    "/x ",
    " //evil.com",
    "\t//evil.com",
    "\x0b/x",
    "/\u2028evil.com",
    "/\u202eevil.com",
    "\u3000//evil.com",
    "\uff0f\uff0fevil.com",
    "https://\uff45vil.com/",
    "/\u200b/evil.com",
    "%",
    " ",
    "/" + "x" * 10_000,
    "x" * 100_000,
    "http://testserver/products/",
]

# Odd but harmless: paths of this site a browser takes as they are. Views
# may follow them or not, but must never fail on them.
ODD_SITE_PATHS = [
    "/%",
    "/%zz",
    "/%252F%252Fevil.com",
    "/\uff3cevil.com",
    "/caf\u00e9/",
    "/\U0001f600/",
    "/.//evil.com",
    "/x?next=//evil.com",
    "/x#//evil.com",
]

# Any text at all, plus text from the characters URL tricks are made of, so
# hypothesis often builds things like "/\\/x" or "https://x" by itself.
_URL_CHARACTERS = "/\\:.%@?#&=;, \t\r\n\x00hHtTpPsSjavcript0123456789exmpl"
NEXT_VALUES = st.one_of(
    st.sampled_from(HOSTILE_NEXT_URLS + ODD_SITE_PATHS),
    st.text(max_size=60),
    st.text(alphabet=_URL_CHARACTERS, max_size=30),
    st.builds(
        lambda scheme, rest: f"{scheme}{rest}",
        st.sampled_from(["/", "//", "http://", "https://", "http://testserver"]),
        st.text(alphabet=_URL_CHARACTERS, max_size=20),
    ),
)


def assert_stays_on_site(location: str, *, secure: bool) -> None:
    """Fail unless a browser would take `location` to this site and scheme.

    Browsers drop some whitespace and control characters and read a
    backslash as a slash, so none of those may appear at all; a scheme-less
    target must be a path with one leading slash.
    """
    assert not any(
        char == "\\" or char.isspace() or unicodedata.category(char)[0] == "C"
        for char in location
    ), f"unsafe character in {location!r}"
    parts = urlsplit(location)
    if parts.scheme or parts.netloc:
        assert parts.scheme == ("https" if secure else "http"), location
        assert parts.netloc == HOST, location
    else:
        assert location.startswith("/"), location
        assert not location.startswith("//"), location
