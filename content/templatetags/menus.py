"""`{% site_menus as menus %}`: the navigation menus, by place."""

from django import template

from content.menus import MenuLink, menu_links

register = template.Library()


@register.simple_tag(takes_context=True)
def site_menus(context: template.Context) -> dict[str, list[MenuLink]]:
    """The menus' links, or none on a page rendered without a request.

    The 500 page is rendered so (django.views.defaults.server_error), maybe
    with the database down: it must not query.
    """
    if context.get("request") is None:
        return {}
    return menu_links()
