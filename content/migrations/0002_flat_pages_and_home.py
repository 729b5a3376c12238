"""Flat pages become content pages, and the home page becomes a page.

Each flat page's address `/x/` was served at `/pages/x/`; the page made
from it is a top-level page with the slug `x`, so the same address answers.
A deeper address `/x/y/` becomes the top-level page `x-y`, with a redirect
from `x/y`. Its Markdown becomes one text
block. The flat pages are then deleted: flatpages stays installed only for
its own migration history.
"""

from django.db import migrations
from django.utils import timezone

STEPLEN = 4
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _step(number: int) -> str:
    digits = ""
    while True:
        number, rest = divmod(number, len(ALPHABET))
        digits = ALPHABET[rest] + digits
        if not number:
            break
    return digits.rjust(STEPLEN, "0")


def _slug(url: str) -> str:
    return "-".join(part for part in url.strip("/").split("/") if part)[:120]


def migrate_pages(apps, schema_editor):
    FlatPage = apps.get_model("flatpages", "FlatPage")
    Page = apps.get_model("content", "Page")
    RichText = apps.get_model("content", "RichText")
    ProductGrid = apps.get_model("content", "ProductGrid")
    CategoryTiles = apps.get_model("content", "CategoryTiles")
    SlugRedirect = apps.get_model("catalog", "SlugRedirect")
    now = timezone.now()
    roots = Page.objects.filter(depth=1).count()

    def add_root(**fields):
        nonlocal roots
        roots += 1
        return Page.objects.create(
            path=_step(roots), depth=1, numchild=0, publish_at=now, **fields
        )

    if not Page.objects.filter(url_path="home").exists():
        home = add_root(
            title="Home",
            slug="home",
            url_path="home",
            status="published",
            seo_description="Well-made things for the home, at fair prices.",
        )
        RichText.objects.create(
            parent=home,
            region="main",
            ordering=10,
            text="## Well-made things for the home\n\nFurniture, lighting and "
            "small things we would keep ourselves, at fair prices.",
        )
        ProductGrid.objects.create(
            parent=home,
            region="main",
            ordering=20,
            heading="Featured",
            source="featured",
            count=8,
        )
        CategoryTiles.objects.create(
            parent=home, region="main", ordering=30, heading="Shop by category"
        )
        ProductGrid.objects.create(
            parent=home,
            region="main",
            ordering=40,
            heading="New arrivals",
            source="newest",
            count=8,
        )

    for flat in FlatPage.objects.order_by("url"):
        url_path = flat.url.strip("/") or "index"
        if Page.objects.filter(url_path=url_path).exists():
            continue
        slug = base = _slug(flat.url) or "index"
        suffix = 1
        while Page.objects.filter(url_path=slug).exists():
            suffix += 1
            slug = f"{base}-{suffix}"
        page = add_root(
            title=flat.title,
            slug=slug,
            url_path=slug,
            status="draft" if flat.registration_required else "published",
        )
        RichText.objects.create(
            parent=page, region="main", ordering=10, text=flat.content
        )
        if slug != url_path:
            SlugRedirect.objects.update_or_create(
                kind="page", old_path=url_path, defaults={"new_path": slug}
            )
    FlatPage.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0001_initial"),
        ("catalog", "0010_publishing_shared"),
        ("flatpages", "0001_initial"),
    ]

    operations = [migrations.RunPython(migrate_pages, migrations.RunPython.noop)]
