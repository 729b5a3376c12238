from django.db import migrations


def install(apps, schema_editor):
    from content.search import page_index_install

    page_index_install(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("content", "0003_menus")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
