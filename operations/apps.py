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
        from operations.models import PlanRevision
        from operations.services.plans import POLICY as PLAN_POLICY

        registry.register(PlanRevision, PLAN_POLICY)
        demo.register("regulations", operations_demo.build, order=20)
        from operations import demo_assignments

        demo.register("assignments", demo_assignments.build, order=30)
        from operations import demo_plans, demo_reports

        demo.register("plans", demo_plans.build, order=40)
        demo.register("work_reports", demo_reports.build, order=50)
        from operations import demo_coordination, demo_decisions

        demo.register("coordination", demo_coordination.build, order=60)
        demo.register("decisions", demo_decisions.build, order=70)
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
        navigation.register(
            navigation.NavItem(_("Plans"), "operations:plan_list", "bi-bullseye", order=35)
        )
        navigation.register(
            navigation.NavItem(
                _("Work reports"), "operations:report_list", "bi-clipboard-data", order=45
            )
        )
        navigation.register(
            navigation.NavItem(
                _("Coordination"), "operations:coordination_list", "bi-arrow-left-right", order=50
            )
        )
        from operations.services.decisions import pending_count, sees_queue

        navigation.register(
            navigation.NavItem(
                _("Decisions"),
                "operations:decision_queue",
                "bi-signpost-split",
                order=55,
                visible=sees_queue,
                badge=pending_count,
            )
        )
        from operations import (
            panels_coordination,
            panels_decisions,
            panels_plans,
            panels_reports,
        )

        for module in (panels, panels_plans, panels_reports, panels_coordination, panels_decisions):
            for panel in module.PANELS:
                home.register(panel)
