"""`{% site_menus as menus %}`: the navigation menus, by place."""

from django import template

from content.menus import MenuLink, menu_links

register = template.Library()


@register.simple_tag
def site_menus() -> dict[str, list[MenuLink]]:
    return menu_links()
