from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = _("Approvals")

    def ready(self) -> None:
        from approvals.selectors import inbox_count
        from core import navigation
        from organization.roles import Role, has_role

        navigation.register(
            navigation.NavItem(
                _("Approvals"),
                "approvals:inbox",
                "bi-check2-square",
                order=50,
                visible=lambda user: user.is_superuser or has_role(user, Role.CEO, Role.COO),
                badge=inbox_count,
            )
        )
