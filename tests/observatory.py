"""The MDN HTTP Observatory's score of a page, worked out with the test client.

A port of the grader of mdn/mdn-http-observatory (commit 94042bb, August
2026): the tests in src/analyzer/tests/, the score modifiers in
src/grader/charts.js and their sum in src/scanner/index.js. Like the
scanner, a scan asks for the page over http and over https, following
redirects, then /robots.txt and a CORS preflight; the https response is the
one graded, and every cookie seen on the way counts.

Left out, because they cannot change Showroom's score: certificates (the
test client has none, and TLS is the proxy's job, so the certificate counts
as valid), the HSTS preload list (the site's host is not on it; being on it
would only add a bonus) and policies given in `<meta http-equiv>` or in
several Content-Security-Policy headers, which `scan` refuses rather than
grades. Unlike the real scanner, which stops at a 404, it grades error
pages too: they are pages a visitor sees.

Checked against the grader itself: @mdn/mdn-http-observatory 1.4.8 from
npm, run against gunicorn behind nginx with TLS on localhost, gave every
page the same result for each of its ten tests as this module does (it
predates the opener and embedder policy tests, so its scores are 10 lower).
"""

from dataclasses import dataclass
from html.parser import HTMLParser
from http.cookies import Morsel
from urllib.parse import urljoin, urlsplit

from django.test import Client

# Result -> score modifier (src/grader/charts.js, SCORE_TABLE).
MODIFIERS = {
    "csp-implemented-with-no-unsafe-default-src-none": 10,
    "csp-implemented-with-no-unsafe": 5,
    "csp-implemented-with-unsafe-inline-in-style-src-only": 0,
    "csp-implemented-with-insecure-scheme-in-passive-content-only": -10,
    "csp-implemented-with-unsafe-eval": -10,
    "csp-implemented-with-unsafe-inline": -20,
    "csp-implemented-with-insecure-scheme": -20,
    "csp-header-invalid": -25,
    "csp-not-implemented": -25,
    "csp-not-implemented-but-reporting-enabled": -25,
    "csp-implemented-but-duplicate-directives": 0,
    "cookies-secure-with-httponly-sessions-and-samesite": 5,
    "cookies-secure-with-httponly-sessions": 0,
    "cookies-not-found": 0,
    "cookies-without-secure-flag-but-protected-by-hsts": -5,
    "cookies-session-without-secure-flag-but-protected-by-hsts": -10,
    "cookies-without-secure-flag": -20,
    "cookies-samesite-flag-invalid": -20,
    "cookies-anticsrf-without-samesite-flag": -20,
    "cookies-session-without-httponly-flag": -30,
    "cookies-session-without-secure-flag": -40,
    "cross-origin-resource-sharing-not-implemented": 0,
    "cross-origin-resource-sharing-implemented-with-public-access": 0,
    "cross-origin-resource-sharing-implemented-with-restricted-access": 0,
    "cross-origin-resource-sharing-implemented-with-universal-access": -50,
    "redirection-all-redirects-preloaded": 0,
    "redirection-to-https": 0,
    "redirection-not-needed-no-http": 0,
    "redirection-off-host-from-http": -5,
    "redirection-not-to-https-on-initial-redirection": -10,
    "redirection-not-to-https": -20,
    "redirection-missing": -20,
    "redirection-invalid-cert": -20,
    "referrer-policy-private": 5,
    "referrer-policy-not-implemented": 0,
    "referrer-policy-unsafe": -5,
    "referrer-policy-header-invalid": -5,
    "hsts-preloaded": 5,
    "hsts-implemented-max-age-at-least-six-months": 0,
    "hsts-implemented-max-age-less-than-six-months": -10,
    "hsts-not-implemented": -20,
    "hsts-header-invalid": -20,
    "hsts-not-implemented-no-https": -20,
    "hsts-invalid-cert": -20,
    "sri-implemented-and-all-scripts-loaded-securely": 5,
    "sri-implemented-and-external-scripts-loaded-securely": 5,
    "sri-not-implemented-response-not-html": 0,
    "sri-not-implemented-but-no-scripts-loaded": 0,
    "sri-not-implemented-but-all-scripts-loaded-from-secure-origin": 0,
    "sri-not-implemented-but-external-scripts-loaded-securely": -5,
    "sri-implemented-but-external-scripts-not-loaded-securely": -20,
    "sri-not-implemented-and-external-scripts-not-loaded-securely": -50,
    "x-content-type-options-nosniff": 0,
    "x-content-type-options-not-implemented": -5,
    "x-content-type-options-header-invalid": -5,
    "x-frame-options-implemented-via-csp": 5,
    "x-frame-options-sameorigin-or-deny": 5,
    "x-frame-options-allow-from-origin": 0,
    "x-frame-options-not-implemented": -20,
    "x-frame-options-header-invalid": -20,
    "corp-header-invalid": -5,
    "corp-implemented-with-cross-origin": 0,
    "corp-implemented-with-same-origin": 10,
    "corp-implemented-with-same-site": 10,
    "corp-not-implemented": 0,
    "coep-implemented-with-require-corp": 10,
    "coep-implemented-with-credentialless": 10,
    "coep-implemented-with-unsafe-none": 0,
    "coep-not-implemented": 0,
    "coep-header-invalid": -5,
    "coop-implemented-with-same-origin": 10,
    "coop-implemented-with-same-origin-allow-popups": 10,
    "coop-implemented-with-noopener-allow-popups": 10,
    "coop-implemented-with-unsafe-none": 0,
    "coop-not-implemented": 0,
    "coop-header-invalid": -5,
}
# Bonuses count only when the score without them is already an A.
MINIMUM_SCORE_FOR_EXTRA_CREDIT = 90
GRADES = [
    (100, "A+"), (90, "A"), (85, "A-"), (80, "B+"), (70, "B"), (65, "B-"),
    (60, "C+"), (50, "C"), (45, "C-"), (40, "D+"), (30, "D"), (25, "D-"), (0, "F"),
]  # fmt: skip

REDIRECT_STATUSES = {301, 302, 303, 307, 308}
MAX_REDIRECTS = 10
CORS_ORIGIN = "https://http-observatory.security.mozilla.org"
HTML_TYPES = {"text/html", "application/xhtml+xml"}
SIX_MONTHS = 15_552_000
BROAD = {
    "ftp:",
    "http:",
    "https:",
    "*",
    "http://*",
    "http://*.*",
    "https://*",
    "https://*.*",
}
UNSAFE_INLINE = {"'unsafe-inline'", "data:"}
NONCES_HASHES = ("'sha256-", "'sha384-", "'sha512-", "'nonce-")


@dataclass
class Scan:
    """The results of every test for one page, and the score they make."""

    path: str
    results: dict[str, str]

    @property
    def score(self) -> int:
        modifiers = [MODIFIERS[result] for result in self.results.values()]
        with_bonuses = 100 + sum(modifiers)
        without_bonuses = 100 + sum(m for m in modifiers if m < 0)
        if without_bonuses >= MINIMUM_SCORE_FOR_EXTRA_CREDIT:
            return max(with_bonuses, 0)
        return max(without_bonuses, 0)

    @property
    def grade(self) -> str:
        capped = min(self.score - self.score % 5, 100)
        return next(grade for floor, grade in GRADES if capped >= floor)

    def __str__(self) -> str:
        lines = [f"{self.path}: {self.score} ({self.grade})"]
        lines += [
            f"  {test}: {result} ({MODIFIERS[result]:+d})"
            for test, result in self.results.items()
        ]
        return "\n".join(lines)


def scan(path: str, *, host: str = "testserver") -> Scan:
    """Grade `path` as the Observatory would grade https://host/path."""
    client = Client()
    http_route = _follow(client, f"http://{host}{path}")
    https_route = _follow(client, f"https://{host}{path}")
    page_url, page = https_route[-1]
    _follow(client, f"https://{host}/robots.txt")
    cors = client.options(
        _local(page_url),
        secure=True,
        HTTP_HOST=host,
        HTTP_X_FORWARDED_PROTO="https",
        HTTP_ORIGIN=CORS_ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    html = _html(page)
    if html is not None and _HttpEquiv.present(html):
        raise ValueError(f"{path}: <meta http-equiv> policies are not graded")

    csp_result, csp = _csp(page)
    hsts = _hsts(page)
    results = {
        "content-security-policy": csp_result,
        "cookies": _cookies(page, list(client.cookies.values()), hsts_passes=hsts),
        "cross-origin-embedder-policy": _embedder(page),
        "cross-origin-opener-policy": _opener(page),
        "cross-origin-resource-sharing": _cors(cors),
        "redirection": _redirection(http_route),
        "referrer-policy": _referrer(page),
        "strict-transport-security": hsts,
        "subresource-integrity": _sri(html, host),
        "x-content-type-options": _nosniff(page),
        "x-frame-options": _frame_options(page, csp),
        "cross-origin-resource-policy": _resource_policy(page),
    }
    return Scan(path=path, results=results)


def _local(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _follow(client: Client, url: str) -> list:
    """GET `url` and its redirects, as (url, response) pairs."""
    route = []
    while True:
        parts = urlsplit(url)
        # As behind the TLS proxy, which says which scheme the client used.
        response = client.get(
            _local(url),
            secure=parts.scheme == "https",
            HTTP_HOST=parts.netloc,
            HTTP_X_FORWARDED_PROTO=parts.scheme,
        )
        route.append((url, response))
        if response.status_code not in REDIRECT_STATUSES or len(route) > MAX_REDIRECTS:
            return route
        url = urljoin(url, response["Location"])


def _header(response, name: str) -> str | None:
    return response.headers.get(name)


def _html(response) -> str | None:
    mime = (_header(response, "Content-Type") or "").split(";", 1)[0].strip()
    if mime and mime not in HTML_TYPES:
        return None
    return response.content.decode("utf-8", "replace")


def _parse_csp(policy: str) -> dict[str, set[str]]:
    """One policy as {directive: sources}, as src/analyzer/cspParser.js does."""
    policy = policy.replace("\r", "").replace("\n", "").strip()
    if len(policy) < len("img-src") - 1:
        raise ValueError("policy too short")
    directives: dict[str, set[str]] = {}
    duplicates = set()
    for entry in policy.split(";"):
        directive, *sources = entry.split() or [""]
        if not directive:
            continue
        directive = directive.lower()
        if directive in directives:
            if directive not in {"report-uri", "report-to"}:
                raise ValueError(f"{directive} given twice")
            duplicates.add(directive)
        sources = sorted(source.lower() for source in sources)
        if not sources and directive.endswith("-src"):
            sources = ["'none'"]
        # A source that only lengthens the one before it adds nothing.
        kept = [
            s
            for i, s in enumerate(sources)
            if i == 0 or not s.startswith(sources[i - 1])
        ]
        directives[directive] = set(kept) or {"'none'"}
    if duplicates:
        directives["_duplicates"] = duplicates
    return directives


def _csp(page) -> tuple[str, dict[str, set[str]] | None]:
    """src/analyzer/tests/csp.js; also returns the parsed policy."""
    headers = page.headers.get("Content-Security-Policy")
    if not headers:
        if page.headers.get("Content-Security-Policy-Report-Only"):
            return "csp-not-implemented-but-reporting-enabled", None
        return "csp-not-implemented", None
    if "," in headers:
        raise ValueError("several policies are not graded")
    try:
        csp = _parse_csp(headers)
    except ValueError:
        return "csp-header-invalid", None

    default = csp.get("default-src")
    object_src = set(csp.get("object-src") or default or {"*"})
    script_src = set(csp.get("script-src") or default or {"*"})
    style_src = set(csp.get("style-src") or default or {"*"})
    for sources in (script_src, style_src):
        if any(s.startswith(NONCES_HASHES) for s in sources):
            sources.discard("'unsafe-inline'")
    result = None
    if "'strict-dynamic'" in script_src:
        if any(s.startswith(NONCES_HASHES) for s in script_src):
            script_src = {
                s
                for s in script_src
                if not any(s.startswith(b) for b in BROAD)
                and s not in {"'self'", "'unsafe-inline'"}
            }
        else:
            result = "csp-header-invalid"

    passive = {"img-src", "media-src"}
    active_sources = [
        s
        for directive, sources in csp.items()
        if directive not in passive and directive != "script-src"
        for s in sources
    ] + list(script_src)
    passive_sources = [s for d in passive for s in (csp.get(d) or default or ())]

    def first(candidate: str) -> None:
        nonlocal result
        result = result or candidate

    if script_src & (BROAD | UNSAFE_INLINE) or object_src & BROAD:
        first("csp-implemented-with-unsafe-inline")
    if any(s.startswith(("http:", "ftp:")) for s in active_sources):
        first("csp-implemented-with-insecure-scheme")
    if "'unsafe-eval'" in script_src | style_src:
        first("csp-implemented-with-unsafe-eval")
    if any(s.startswith(("http:", "ftp:")) for s in passive_sources):
        first("csp-implemented-with-insecure-scheme-in-passive-content-only")
    if style_src & (BROAD | UNSAFE_INLINE):
        first("csp-implemented-with-unsafe-inline-in-style-src-only")
    if default == {"'none'"}:
        first("csp-implemented-with-no-unsafe-default-src-none")
    first("csp-implemented-with-no-unsafe")

    passing = {
        "csp-implemented-with-no-unsafe",
        "csp-implemented-with-no-unsafe-default-src-none",
        "csp-implemented-with-unsafe-inline-in-style-src-only",
        "csp-implemented-with-insecure-scheme-in-passive-content-only",
    }
    if result in passing and "_duplicates" in csp:
        result = "csp-implemented-but-duplicate-directives"
    return result, csp


def _hsts(page) -> str:
    """src/analyzer/tests/strict-transport-security.js, certificate valid."""
    header = _header(page, "Strict-Transport-Security")
    if header is None:
        return "hsts-not-implemented"
    if "," in header:
        return "hsts-header-invalid"
    max_age = None
    for parameter in header[:1024].split(";"):
        parameter = parameter.strip().lower()
        if parameter.startswith("max-age="):
            digits = parameter[8:128].strip()
            max_age = int(digits) if digits.isdigit() else None
    if max_age is None:
        return "hsts-header-invalid"
    if max_age < SIX_MONTHS:
        return "hsts-implemented-max-age-less-than-six-months"
    return "hsts-implemented-max-age-at-least-six-months"


_COOKIE_ORDER = [
    "cookies-without-secure-flag-but-protected-by-hsts",
    "cookies-without-secure-flag",
    "cookies-session-without-secure-flag-but-protected-by-hsts",
    "cookies-samesite-flag-invalid",
    "cookies-anticsrf-without-samesite-flag",
    "cookies-session-without-httponly-flag",
    "cookies-session-without-secure-flag",
]


def _cookies(page, jar: list[Morsel], *, hsts_passes: str) -> str:
    """src/analyzer/tests/cookies.js over the cookies of the whole scan."""
    hsts = hsts_passes in {
        "hsts-implemented-max-age-at-least-six-months",
        "hsts-preloaded",
    }
    worst: str | None = None

    def worse(candidate: str) -> None:
        nonlocal worst
        if worst is None or _COOKIE_ORDER.index(candidate) > _COOKIE_ORDER.index(worst):
            worst = candidate

    for morsel in page.cookies.values():
        samesite = morsel["samesite"]
        if samesite and samesite.lower() not in {"lax", "strict", "none"}:
            worse("cookies-samesite-flag-invalid")
    if not jar:
        return "cookies-not-found"
    missing_samesite = False
    for cookie in jar:
        key = cookie.key.lower()
        session = "login" in key or "sess" in key
        secure = bool(cookie["secure"])
        samesite = (cookie["samesite"] or "").lower()
        if not secure and samesite == "none":
            worse("cookies-samesite-flag-invalid")
        if not secure:
            worse(
                "cookies-without-secure-flag-but-protected-by-hsts"
                if hsts
                else "cookies-without-secure-flag"
            )
        if "csrf" in key and not samesite:
            worse("cookies-anticsrf-without-samesite-flag")
        if session and not secure:
            worse(
                "cookies-session-without-secure-flag-but-protected-by-hsts"
                if hsts
                else "cookies-session-without-secure-flag"
            )
        if session and not cookie["httponly"]:
            worse("cookies-session-without-httponly-flag")
        missing_samesite = missing_samesite or not samesite
    if worst:
        return worst
    if missing_samesite:
        return "cookies-secure-with-httponly-sessions"
    return "cookies-secure-with-httponly-sessions-and-samesite"


def _token(value: str) -> str | None:
    """The token of a structured-field item, parameters ignored."""
    token = value.strip().split(";", 1)[0].strip()
    allowed = set("!#$%&'*+-.^_`|~:/")
    starts_well = token[:1].isalpha() or token[:1] == "*"
    if starts_well and all(c.isalnum() or c in allowed for c in token):
        return token
    return None


def _policy_token(page, header_name: str, prefix: str, values: set[str]) -> str:
    """src/analyzer/tests/cross-origin-{embedder,opener}-policy.js.

    Both grade a single token the same way, with results named after it.
    """
    header = _header(page, header_name)
    if header is None:
        return f"{prefix}-not-implemented"
    token = _token(header[:1024])
    if token in values:
        return f"{prefix}-implemented-with-{token}"
    return f"{prefix}-header-invalid"


def _embedder(page) -> str:
    return _policy_token(
        page,
        "Cross-Origin-Embedder-Policy",
        "coep",
        {"require-corp", "credentialless", "unsafe-none"},
    )


def _opener(page) -> str:
    return _policy_token(
        page,
        "Cross-Origin-Opener-Policy",
        "coop",
        {
            "same-origin",
            "same-origin-allow-popups",
            "noopener-allow-popups",
            "unsafe-none",
        },
    )


def _cors(preflight) -> str:
    """src/analyzer/tests/cors.js on the answer to a CORS preflight."""
    allow_origin = _header(preflight, "Access-Control-Allow-Origin")
    if not allow_origin:
        return "cross-origin-resource-sharing-not-implemented"
    if allow_origin.strip().lower() == "*":
        return "cross-origin-resource-sharing-implemented-with-public-access"
    credentials = (_header(preflight, "Access-Control-Allow-Credentials") or "").strip()
    if allow_origin == CORS_ORIGIN and credentials.lower() == "true":
        return "cross-origin-resource-sharing-implemented-with-universal-access"
    return "cross-origin-resource-sharing-implemented-with-restricted-access"


def _redirection(route: list) -> str:
    """src/analyzer/tests/redirection.js on the redirects from http."""
    urls = [urlsplit(url) for url, _ in route]
    if len(urls) == 1:
        return "redirection-missing"
    if urls[-1].scheme != "https":
        return "redirection-not-to-https"
    if urls[1].scheme == "http":
        return "redirection-not-to-https-on-initial-redirection"
    if urls[0].hostname != urls[1].hostname:
        return "redirection-off-host-from-http"
    return "redirection-to-https"


def _referrer(page) -> str:
    """src/analyzer/tests/referrer-policy.js."""
    header = _header(page, "Referrer-Policy")
    if header is None:
        return "referrer-policy-not-implemented"
    private = {
        "no-referrer",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
    }
    unsafe = {
        "origin",
        "origin-when-cross-origin",
        "unsafe-url",
        "no-referrer-when-downgrade",
    }
    valid = [p.strip().lower() for p in header.split(",")]
    valid = [p for p in valid if p in private | unsafe]
    policy = valid[-1] if valid else ""
    if policy in private:
        return "referrer-policy-private"
    if policy in unsafe:
        return "referrer-policy-unsafe"
    return "referrer-policy-header-invalid"


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "script":
            self.scripts.append(dict(attrs))


class _HttpEquiv(HTMLParser):
    GRADED = {
        "content-security-policy",
        "referrer-policy",
        "cross-origin-resource-policy",
    }

    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def handle_starttag(self, tag, attrs) -> None:
        equiv = (dict(attrs).get("http-equiv") or "").lower()
        self.found = self.found or (tag == "meta" and equiv in self.GRADED)

    @classmethod
    def present(cls, html: str) -> bool:
        parser = cls()
        parser.feed(html)
        return parser.found


def _domain(host: str) -> str:
    # The scanner compares registrable domains from the public suffix list;
    # the last two labels are the same thing for the hosts Showroom uses.
    return ".".join(host.lower().split(".")[-2:])


_SRI_ORDER = [
    "sri-implemented-and-all-scripts-loaded-securely",
    "sri-implemented-and-external-scripts-loaded-securely",
    "sri-implemented-but-external-scripts-not-loaded-securely",
    "sri-not-implemented-but-external-scripts-loaded-securely",
    "sri-not-implemented-and-external-scripts-not-loaded-securely",
    "sri-not-implemented-response-not-html",
]


def _sri(html: str | None, host: str) -> str:
    """src/analyzer/tests/subresource-integrity.js for an https page."""
    if html is None:
        return "sri-not-implemented-response-not-html"
    parser = _Scripts()
    parser.feed(html)
    if not parser.scripts:
        return "sri-not-implemented-but-no-scripts-loaded"
    result = None
    foreign = False

    def worse(candidate: str) -> None:
        nonlocal result
        if result is None or _SRI_ORDER.index(candidate) > _SRI_ORDER.index(result):
            result = candidate

    for script in parser.scripts:
        src = script.get("src")
        if not src:
            continue
        integrity = script.get("integrity")
        relative_protocol = src.startswith("//") and not src.startswith("///")
        absolute = src.lower().startswith(("http://", "https://"))
        relative_origin = not relative_protocol and not absolute
        same_domain = relative_protocol or relative_origin
        if absolute:
            same_domain = _domain(urlsplit(src).hostname or "") == _domain(host)
        secure_origin = relative_origin or (same_domain and not relative_protocol)
        secure_scheme = relative_origin or urlsplit(src).scheme == "https"
        if not secure_origin:
            foreign = True
            if integrity and not secure_scheme:
                worse("sri-implemented-but-external-scripts-not-loaded-securely")
            elif not integrity and secure_scheme:
                worse("sri-not-implemented-but-external-scripts-loaded-securely")
            elif not integrity:
                worse("sri-not-implemented-and-external-scripts-not-loaded-securely")
        elif integrity and secure_scheme and result is None:
            result = "sri-implemented-and-all-scripts-loaded-securely"
    if result:
        return result
    if foreign:
        return "sri-implemented-and-external-scripts-loaded-securely"
    return "sri-not-implemented-but-all-scripts-loaded-from-secure-origin"


def _nosniff(page) -> str:
    """src/analyzer/tests/x-content-type-options.js."""
    header = _header(page, "X-Content-Type-Options")
    if header is None:
        return "x-content-type-options-not-implemented"
    if header[:256].strip().lower() == "nosniff":
        return "x-content-type-options-nosniff"
    return "x-content-type-options-header-invalid"


def _frame_options(page, csp: dict[str, set[str]] | None) -> str:
    """src/analyzer/tests/x-frame-options.js: frame-ancestors wins."""
    if csp and "frame-ancestors" in csp:
        return "x-frame-options-implemented-via-csp"
    header = _header(page, "X-Frame-Options")
    if header is None:
        return "x-frame-options-not-implemented"
    value = header[:1024].strip().lower()
    if value in {"deny", "sameorigin"}:
        return "x-frame-options-sameorigin-or-deny"
    if value.startswith("allow-from"):
        return "x-frame-options-allow-from-origin"
    return "x-frame-options-header-invalid"


def _resource_policy(page) -> str:
    """src/analyzer/tests/cross-origin-resource-policy.js."""
    header = _header(page, "Cross-Origin-Resource-Policy")
    if not header:
        return "corp-not-implemented"
    names = {
        "same-site": "corp-implemented-with-same-site",
        "same-origin": "corp-implemented-with-same-origin",
        "cross-origin": "corp-implemented-with-cross-origin",
    }
    return names.get(header[:256].strip().lower(), "corp-header-invalid")
