"""Create the staff groups "Editors" and "Viewers" with their permissions."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

CATALOG_MODELS = ("product", "productimage", "category", "productpreviewlink")
EDITOR_PERMISSIONS = [
    *(
        f"catalog.{action}_{model}"
        for model in CATALOG_MODELS
        for action in ("add", "change", "delete", "view")
    ),
    "catalog.view_slugredirect",
    *(f"flatpages.{action}_flatpage" for action in ("add", "change", "delete", "view")),
    "reversion.view_revision",
    "reversion.view_version",
]
VIEWER_PERMISSIONS = [
    "catalog.view_product",
    "catalog.view_productimage",
    "catalog.view_category",
    "flatpages.view_flatpage",
    "reversion.view_revision",
    "reversion.view_version",
]
GROUPS = {"Editors": EDITOR_PERMISSIONS, "Viewers": VIEWER_PERMISSIONS}


def create_groups(apps, schema_editor):
    # Permissions are normally made after all migrations ran; make them now
    # so the groups can hold them on a fresh database.
    for app_label in ("catalog", "flatpages", "reversion"):
        app_config = global_apps.get_app_config(app_label)
        create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = []
        for code in codes:
            app_label, codename = code.split(".")
            permissions.append(
                Permission.objects.get(
                    content_type__app_label=app_label, codename=codename
                )
            )
        group.permissions.add(*permissions)


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0004_admin_redirects_previews"),
        ("flatpages", "0001_initial"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]
