from django.conf import settings
from django.db import migrations

PAGES = {
    "/about/": (
        "About us",
        "We choose well-made things for the home and sell them at fair prices.\n\n"
        "Every product in the catalog is one we would keep ourselves.",
    ),
    "/contact/": (
        "Contact",
        "Write to **hello@example.com** or call +1 555 0100, "
        "Monday to Friday, 9:00 to 17:00.",
    ),
    "/terms/": (
        "Terms and conditions",
        "## Orders\n\nPrices include VAT. Orders are confirmed by email.\n\n"
        "## Returns\n\nYou may return any item within 30 days.",
    ),
}


def create_site_and_pages(apps, schema_editor):
    Site = apps.get_model("sites", "Site")
    FlatPage = apps.get_model("flatpages", "FlatPage")
    site, _ = Site.objects.update_or_create(
        pk=settings.SITE_ID,
        defaults={
            "domain": settings.SITE_DOMAIN or "localhost:8000",
            "name": settings.SITE_NAME,
        },
    )
    for url, (title, content) in PAGES.items():
        page, created = FlatPage.objects.get_or_create(
            url=url, defaults={"title": title, "content": content}
        )
        if created:
            page.sites.add(site)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_search_index"),
        ("sites", "0002_alter_domain_unique"),
        ("flatpages", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_site_and_pages, migrations.RunPython.noop)
    ]
