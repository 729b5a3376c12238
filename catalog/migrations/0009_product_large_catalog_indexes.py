"""Indexes for a catalog of a million products (fast-pages issue, item 3)."""

from django.db import migrations, models

# What decides visibility and what lists filter on: the indexes that a
# list's count can start from carry these, so that it reads no table rows.
LISTED = ["status", "publish_at", "unpublish_at", "category", "price", "stock"]


def search_index_install(apps, schema_editor):
    # The search trigger now also keeps the name and SKU words in a column of
    # their own, `name_vector` (catalog/search.py); this adds the column and
    # its index and fills it for existing products.
    from catalog.search import search_index_install

    search_index_install(schema_editor.connection)


def _carrying(*fields: str, name: str) -> models.Index:
    others = tuple(column for column in LISTED if column not in fields)
    return models.Index(fields=list(fields), include=others, name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0008_product_image_renditions"),
    ]

    operations = [
        migrations.RunPython(search_index_install, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="product", name="catalog_product_visible"),
        migrations.RemoveIndex(model_name="product", name="catalog_product_price"),
        migrations.AddIndex(
            model_name="product",
            index=_carrying("status", "publish_at", name="catalog_product_listable"),
        ),
        migrations.AddIndex(
            model_name="product",
            index=_carrying("category", name="catalog_product_in_category"),
        ),
        migrations.AddIndex(
            model_name="product",
            index=_carrying("price", name="catalog_product_priced"),
        ),
        migrations.AddIndex(
            model_name="product",
            index=models.Index(fields=["updated_at"], name="catalog_product_updated"),
        ),
    ]
