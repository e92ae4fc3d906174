"""Create the portal's roles as groups with their permissions.

Later migrations that add models grant their permissions to these groups in the same way.
The permission table is filled here (Django would only do it after all migrations), so that
the groups get their permissions on the first ``migrate``.
"""

from django.db import migrations

from core.migration_helpers import grant_role_permissions

VIEW_ORG = ["organization.view_department", "organization.view_person"]
ROLE_PERMISSIONS = {
    "ceo": [*VIEW_ORG, "organization.view_historicaldepartment",
            "organization.view_historicalperson", "core.view_jobrun"],
    "coo": [
        *VIEW_ORG,
        "organization.add_department", "organization.change_department",
        "organization.add_person", "organization.change_person",
        "organization.view_historicaldepartment", "organization.view_historicalperson",
        "core.view_jobrun", "core.add_jobrun",
        "django_celery_beat.view_periodictask", "django_celery_beat.change_periodictask",
        "django_celery_beat.view_crontabschedule", "django_celery_beat.change_crontabschedule",
    ],
    "department_head": VIEW_ORG,
    "manager": VIEW_ORG,
    "staff": VIEW_ORG,
    "auditor": [*VIEW_ORG, "organization.view_historicaldepartment",
                "organization.view_historicalperson", "core.view_jobrun",
                "django_celery_beat.view_periodictask"],
}


def create_roles(apps, schema_editor):
    grant_role_permissions(apps, ROLE_PERMISSIONS)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("organization", "0001_initial"),
        ("core", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
