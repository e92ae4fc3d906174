"""Grant the roles their permissions on assignments and their updates."""

from django.db import migrations

from core.migration_helpers import grant_role_permissions, revoke_role_permissions

READ = [
    "operations.view_assignment",
    "operations.view_assignmentupdate",
    "operations.view_assignmentattachment",
]
WORK = [
    "operations.change_assignment",
    "operations.add_assignmentupdate",
    "operations.add_assignmentattachment",
]
ASSIGN = ["operations.add_assignment"]
ROLE_PERMISSIONS = {
    "ceo": READ + WORK + ASSIGN,
    "coo": READ + WORK + ASSIGN,
    "auditor": READ,
    "department_head": READ + WORK,
    "manager": READ + WORK,
    "staff": READ + WORK,
}


def forwards(apps, schema_editor):
    grant_role_permissions(apps, ROLE_PERMISSIONS)


def backwards(apps, schema_editor):
    revoke_role_permissions(apps, ROLE_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("operations", "0003_assignments"),
        ("organization", "0002_roles"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
