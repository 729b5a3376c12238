"""Menus, made with the links the site's header and footer had before."""

import django.db.models.deletion
from django.db import migrations, models

import content.models

# (label, page address path or None, address), in order.
LINKS = {
    "header": [("Home", "home", "/"), ("All products", None, "/products/")],
    "footer": [
        ("About", "about", "/pages/about/"),
        ("Contact", "contact", "/pages/contact/"),
        ("Terms", "terms", "/pages/terms/"),
        ("Sitemap", None, "/sitemap.xml"),
    ],
}


def create_menus(apps, schema_editor):
    Menu = apps.get_model("content", "Menu")
    MenuItem = apps.get_model("content", "MenuItem")
    Page = apps.get_model("content", "Page")
    for place, links in LINKS.items():
        menu, created = Menu.objects.get_or_create(place=place)
        if not created:
            continue
        for position, (label, url_path, url) in enumerate(links, start=1):
            page = Page.objects.filter(url_path=url_path).first() if url_path else None
            MenuItem.objects.create(
                menu=menu,
                position=position * 10,
                label=label,
                page=page,
                url="" if page else url,
            )


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0010_publishing_shared"),
        ("content", "0002_flat_pages_and_home"),
    ]

    operations = [
        migrations.CreateModel(
            name="Menu",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                (
                    "place",
                    models.CharField(
                        choices=[("header", "Header"), ("footer", "Footer")],
                        max_length=20,
                        unique=True,
                        verbose_name="place",
                    ),
                ),
            ],
            options={
                "verbose_name": "menu",
                "verbose_name_plural": "menus",
                "ordering": ["place"],
            },
        ),
        migrations.CreateModel(
            name="MenuItem",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                (
                    "position",
                    models.PositiveIntegerField(
                        default=0,
                        help_text="Links with lower numbers come first.",
                        verbose_name="position",
                    ),
                ),
                (
                    "label",
                    models.CharField(
                        blank=True,
                        help_text="The link's text. For a page or a category, its title or name is used when empty.",
                        max_length=60,
                        verbose_name="label",
                    ),
                ),
                (
                    "url",
                    models.CharField(
                        blank=True,
                        help_text="An address on this site, like /products/, or a full https:// address.",
                        max_length=500,
                        validators=[content.models.validate_link],
                        verbose_name="address",
                    ),
                ),
                (
                    "category",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="catalog.category",
                        verbose_name="category",
                    ),
                ),
                (
                    "menu",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="items",
                        to="content.menu",
                        verbose_name="menu",
                    ),
                ),
                (
                    "page",
                    models.ForeignKey(
                        blank=True,
                        help_text="Left out of the menu while the page is not published.",
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="content.page",
                        verbose_name="page",
                    ),
                ),
            ],
            options={
                "verbose_name": "link",
                "verbose_name_plural": "links",
                "ordering": ["position", "pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(
                                ("category__isnull", True),
                                ("page__isnull", False),
                                ("url", ""),
                            ),
                            models.Q(
                                ("category__isnull", False),
                                ("page__isnull", True),
                                ("url", ""),
                            ),
                            models.Q(
                                ("category__isnull", True),
                                ("page__isnull", True),
                                models.Q(("url", ""), _negated=True),
                                models.Q(("label", ""), _negated=True),
                            ),
                            _connector="OR",
                        ),
                        name="content_menuitem_one_target",
                        violation_error_message="Choose one page, one category or one address, and give an address a label.",
                    )
                ],
            },
        ),
        migrations.RunPython(create_menus, migrations.RunPython.noop),
    ]
