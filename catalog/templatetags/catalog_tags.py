from decimal import Decimal

from django import template
from django.conf import settings
from django.utils.safestring import SafeString

from catalog.markdown import markdown_to_html

register = template.Library()


@register.filter
def markdown(text: str) -> SafeString:
    return markdown_to_html(text or "")


@register.filter
def money(amount: Decimal) -> str:
    """Format a price with the site's currency, e.g. "1,250.00 EUR"."""
    return f"{amount:,.2f} {settings.CATALOG_CURRENCY}"
