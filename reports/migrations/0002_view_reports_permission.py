"""Give the "view reports" permission to the Editors and Viewers groups."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = ("Editors", "Viewers")


def grant(apps, schema_editor):
    # Permissions are made after migrate; this migration needs its own now.
    create_permissions(global_apps.get_app_config("reports"), apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(
        content_type__app_label="reports", codename="view_reports"
    )
    for name in GROUPS:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(
        content_type__app_label="reports", codename="view_reports"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_daily_counts"),
        ("catalog", "0005_staff_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
