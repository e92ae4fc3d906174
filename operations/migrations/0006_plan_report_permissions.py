"""Grant the roles their permissions on plans, work reports and action items (used by the
admin site; the portal's own rules are in operations/services/plans.py and reports.py)."""

from django.db import migrations

from core.migration_helpers import grant_role_permissions, revoke_role_permissions

READ = [
    "operations.view_annualplan",
    "operations.view_planrevision",
    "operations.view_objective",
    "operations.view_milestone",
    "operations.view_progressupdate",
    "operations.view_workreport",
    "operations.view_workreportkpi",
    "operations.view_actionitem",
    "operations.view_reportschedule",
]
WORK = [
    "operations.add_workreport",
    "operations.change_workreport",
    "operations.add_progressupdate",
    "operations.change_milestone",
    "operations.add_actionitem",
    "operations.change_actionitem",
]
PLAN = [
    "operations.add_annualplan",
    "operations.add_planrevision",
    "operations.change_planrevision",
    "operations.add_objective",
    "operations.change_objective",
    "operations.add_milestone",
]
SCHEDULE = ["operations.change_reportschedule", "operations.add_reportschedule"]
ROLE_PERMISSIONS = {
    "ceo": READ + WORK + PLAN,
    "coo": READ + WORK + PLAN + SCHEDULE,
    "auditor": READ,
    "department_head": READ + WORK + PLAN,
    "manager": READ + WORK,
    "staff": READ + WORK,
}


def forwards(apps, schema_editor):
    grant_role_permissions(apps, ROLE_PERMISSIONS)


def backwards(apps, schema_editor):
    revoke_role_permissions(apps, ROLE_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("operations", "0005_plans_and_work_reports"),
        ("organization", "0002_roles"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
