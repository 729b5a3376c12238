from django.db import migrations


def install(apps, schema_editor):
    from catalog.search import search_index_install

    search_index_install(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
