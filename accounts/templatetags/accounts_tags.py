"""Account pieces that other apps' pages show."""

from django import template

from accounts.models import SavedProduct

register = template.Library()


@register.inclusion_tag("accounts/includes/save_product_form.html", takes_context=True)
def save_product_form(context: template.Context, product) -> dict:
    """The save/unsave button for a product page: one query when signed in."""
    request = context["request"]
    user = request.user
    is_saved = (
        user.is_authenticated
        and SavedProduct.objects.filter(user=user, product=product).exists()
    )
    return {
        "product": product,
        "user": user,
        "is_saved": is_saved,
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
