from django.core.files.storage import default_storage
from django.db import migrations, models


def renditions_record(apps, schema_editor) -> None:
    """Record the renditions of every stored image on its row.

    Renditions already on disk are only looked at; missing ones are made.
    Rows sharing a file (the demo catalog's) are done once per file. A row
    whose file is gone is left empty: its page shows the missing file as it
    did before.
    """
    # The spec fields that name and make renditions are not database
    # fields, so the historical model has none: the app's own model and
    # service compute the data, exactly as an upload does.
    from catalog.models import ProductImage as CurrentProductImage
    from catalog.services import picture_renditions

    ProductImage = apps.get_model("catalog", "ProductImage")
    names = (
        ProductImage.objects.using(schema_editor.connection.alias)
        .order_by("image")
        .values_list("image", flat=True)
        .distinct()
    )
    for name in names.iterator():
        if not name or not default_storage.exists(name):
            continue
        data = picture_renditions(image=CurrentProductImage(image=name))
        ProductImage.objects.using(schema_editor.connection.alias).filter(
            image=name
        ).update(renditions=data)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0007_product_image_cleaned"),
    ]

    operations = [
        migrations.AddField(
            model_name="productimage",
            name="renditions",
            field=models.JSONField(
                blank=True,
                default=dict,
                editable=False,
                help_text="The stored smaller sizes of the image, recorded when "
                "they are made: the source file's name, and for the original "
                "format and WebP the [name, width, height] of each, smallest "
                "first.",
                verbose_name="renditions",
            ),
        ),
        migrations.RunPython(renditions_record, migrations.RunPython.noop),
    ]
