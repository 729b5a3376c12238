import json
from decimal import Decimal

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from catalog.markdown import markdown_to_html
from catalog.models import ProductImage

register = template.Library()

# The characters that could end a <script> element or start a comment
# inside it, escaped as Django's json_script does.
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def markdown(text: str) -> SafeString:
    return markdown_to_html(text or "")


@register.filter
def money(amount: Decimal) -> str:
    """Format a price with the site's currency, e.g. "1,250.00 EUR"."""
    return f"{amount:,.2f} {settings.CATALOG_CURRENCY}"


@register.filter
def json_ld(data) -> SafeString:
    """Structured data in a script element that page content cannot break."""
    payload = json.dumps(data, cls=DjangoJSONEncoder).translate(_SCRIPT_ESCAPES)
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(payload),  # noqa: S308 - JSON with the breaking characters escaped.
    )


@register.inclusion_tag("includes/picture.html")
def picture(
    image: ProductImage,
    sizes: str,
    *,
    eager: bool = False,
    priority: bool = False,
    decorative: bool = False,
) -> dict:
    """A responsive <picture>: WebP first, the original format as fallback.

    The addresses come from the renditions recorded on the image's row, so
    no file is made or looked for here. Images below the fold load lazily;
    `eager` ones at once, and the one `priority` image (the product photo)
    before anything else. A `decorative` copy (a gallery thumbnail, whose
    button has its own label) has an empty alt text, so screen readers do
    not read the same description twice.
    """
    fallback = image.rendition_urls(webp=False)
    src, width, height = fallback[min(1, len(fallback) - 1)]
    return {
        "image": image,
        "sizes": sizes,
        "eager": eager or priority,
        "priority": priority,
        "decorative": decorative,
        "src": src,
        "width": width,
        "height": height,
        "srcset": ", ".join(f"{url} {w}w" for url, w, _ in fallback),
        "webp_srcset": ", ".join(
            f"{url} {w}w" for url, w, _ in image.rendition_urls(webp=True)
        ),
    }


@register.filter
def get_item(mapping: dict | None, key):
    return mapping.get(key) if mapping else None


@register.filter
def page_url(listing, number: int) -> str:
    """The link to page `number` of a listing, keeping its filters."""
    query = listing.querystring(page=number if number > 1 else None)
    return f"?{query}" if query else "?"


# Cards in the first row of a desktop grid are visible without scrolling.
FIRST_ROW = 4


@register.filter
def above_the_fold(position: int) -> bool:
    """Whether the card at this 1-based position shows before any scroll."""
    return position <= FIRST_ROW


@register.filter
def pks(objects) -> str:
    """The primary keys of `objects`, as a fragment cache key part."""
    return ",".join(str(item.pk) for item in objects)
