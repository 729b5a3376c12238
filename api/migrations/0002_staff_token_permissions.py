"""Let Editors and Viewers make, see and revoke their own API tokens."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = ("add_apitoken", "view_apitoken", "delete_apitoken")
GROUPS = ("Editors", "Viewers")


def grant(apps, schema_editor):
    create_permissions(global_apps.get_app_config("api"), apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="api", codename__in=PERMISSIONS
    )
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    permissions = Permission.objects.filter(
        content_type__app_label="api", codename__in=PERMISSIONS
    )
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_initial"),
        ("catalog", "0005_staff_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
