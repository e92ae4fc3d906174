"""Grant the roles their permissions on regulations and the approval history."""

from django.db import migrations

from core.migration_helpers import grant_role_permissions, revoke_role_permissions

READ = [
    "operations.view_regulation",
    "operations.view_regulationversion",
    "operations.view_procedurestep",
    "operations.view_attachment",
]
WRITE = [
    "operations.add_regulation",
    "operations.change_regulation",
    "operations.add_regulationversion",
    "operations.change_regulationversion",
    "operations.add_attachment",
    "operations.add_procedurestep",
    "operations.change_procedurestep",
]
OVERSIGHT = [
    "operations.view_acknowledgement",
    "operations.view_historicalregulation",
    "approvals.view_approvalevent",
]
ROLE_PERMISSIONS = {
    "ceo": READ + WRITE + OVERSIGHT,
    "coo": READ + WRITE + OVERSIGHT,
    "auditor": READ + OVERSIGHT,
    "department_head": READ + WRITE + ["operations.view_acknowledgement"],
    "manager": READ,
    "staff": READ,
}


def forwards(apps, schema_editor):
    grant_role_permissions(apps, ROLE_PERMISSIONS)


def backwards(apps, schema_editor):
    revoke_role_permissions(apps, ROLE_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("operations", "0001_initial"),
        ("approvals", "0001_initial"),
        ("organization", "0002_roles"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
