"""Give the staff groups ("Editors", "Viewers") the content app's permissions.

Editors add, change, delete and view pages, their blocks, menus and page
preview links; Viewers only view pages, blocks and menus. Viewers see no
share-preview links, as with products: a link shows a draft to anyone.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEWED_MODELS = (
    "page",
    "richtext",
    "imageblock",
    "banner",
    "productgrid",
    "categorytiles",
    "question",
    "quote",
    "menu",
    "menuitem",
)
EDITED_MODELS = (*VIEWED_MODELS, "pagepreviewlink")
GROUPS = {
    "Editors": [
        f"{action}_{model}"
        for model in EDITED_MODELS
        for action in ("add", "change", "delete", "view")
    ],
    "Viewers": [f"view_{model}" for model in VIEWED_MODELS],
}


def grant(apps, schema_editor):
    # Permissions are normally made after all migrations ran; make them now
    # so the groups can hold them on a fresh database.
    create_permissions(global_apps.get_app_config("content"), apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="content", codename__in=codenames
            )
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="content")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0003_menus"),
        ("catalog", "0005_staff_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
