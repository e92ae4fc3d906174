from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from approvals import registry
        from core import demo, home, navigation
        from operations import demo as operations_demo
        from operations import jobs, panels  # noqa: F401  (registers the reminders)
        from operations.models import RegulationVersion

        registry.register(RegulationVersion)
        demo.register("regulations", operations_demo.build, order=20)
        from operations import demo_assignments

        demo.register("assignments", demo_assignments.build, order=30)
        from operations.selectors import pending_acknowledgement_count

        navigation.register(
            navigation.NavItem(
                _("Regulations"), "operations:regulation_list", "bi-journal-text", order=30
            )
        )
        navigation.register(
            navigation.NavItem(
                _("To acknowledge"),
                "operations:regulation_to_acknowledge",
                "bi-journal-check",
                order=31,
                visible=lambda user: pending_acknowledgement_count(user) > 0,
                badge=pending_acknowledgement_count,
            )
        )
        navigation.register(
            navigation.NavItem(
                _("Assignments"), "operations:assignment_list", "bi-list-check", order=40
            )
        )
        for panel in panels.PANELS:
            home.register(panel)
