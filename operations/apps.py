from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from approvals import registry
        from core import home, navigation
        from operations import jobs, panels  # noqa: F401  (registers the reminders)
        from operations.models import RegulationVersion

        registry.register(RegulationVersion)
        navigation.register(
            navigation.NavItem(
                _("Regulations"), "operations:regulation_list", "bi-journal-text", order=30
            )
        )
        for panel in panels.PANELS:
            home.register(panel)
