from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from core import jobs, navigation

        navigation.register(
            navigation.NavItem(
                _("Job runs"),
                "core:jobrun_list",
                "bi-clock-history",
                order=900,
                visible=lambda user: user.has_perm("core.view_jobrun"),
            )
        )

        # Periodic schedules are defined in code; store any that are missing once the
        # database (django-celery-beat's tables included) is migrated.
        post_migrate.connect(jobs.schedules_sync_receiver, dispatch_uid="core.schedules_sync")
