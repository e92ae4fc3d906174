from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationConfig(AppConfig):
    name = "organization"
    verbose_name = _("Organization")

    def ready(self) -> None:
        from core import home, navigation
        from organization import jobs, panels  # noqa: F401  (registers the periodic jobs)

        navigation.register(navigation.NavItem(_("Home"), "home", "bi-house", order=0))
        navigation.register(
            navigation.NavItem(
                _("Departments"), "organization:department_list", "bi-diagram-3", order=10
            )
        )
        navigation.register(
            navigation.NavItem(_("People"), "organization:person_list", "bi-people", order=20)
        )
        for panel in panels.PANELS:
            home.register(panel)
