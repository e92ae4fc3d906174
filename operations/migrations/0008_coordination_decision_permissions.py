"""Grant the roles their permissions on coordination requests and decisions (used by the admin
site; the portal's own rules are in operations/services/coordination.py and decisions.py)."""

from django.db import migrations

from core.migration_helpers import grant_role_permissions, revoke_role_permissions

READ = [
    "operations.view_coordinationrequest",
    "operations.view_coordinationupdate",
    "operations.view_coordinationattachment",
    "operations.view_servicelevel",
]
REQUEST = [
    "operations.add_coordinationrequest",
    "operations.change_coordinationrequest",
    "operations.add_coordinationupdate",
    "operations.add_coordinationattachment",
]
DECISIONS_READ = [
    "operations.view_decisionrequest",
    "operations.view_decisionoption",
    "operations.view_decisionevent",
]
ROLE_PERMISSIONS = {
    "ceo": READ + DECISIONS_READ + ["operations.change_decisionrequest"],
    "coo": READ
    + REQUEST
    + DECISIONS_READ
    + ["operations.add_decisionrequest", "operations.change_servicelevel"],
    "auditor": READ + DECISIONS_READ,
    "department_head": READ + REQUEST + DECISIONS_READ,
    "manager": READ + REQUEST + DECISIONS_READ,
    "staff": READ,
}


def forwards(apps, schema_editor):
    grant_role_permissions(apps, ROLE_PERMISSIONS)


def backwards(apps, schema_editor):
    revoke_role_permissions(apps, ROLE_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("operations", "0007_coordination_and_decisions"),
        ("organization", "0002_roles"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
