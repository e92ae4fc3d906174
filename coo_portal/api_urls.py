"""The REST API: one router for every app, the schema and its documentation."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from operations.api import assignments as operations_assignments
from operations.api import coordination as operations_coordination
from operations.api import decisions as operations_decisions
from operations.api import plans as operations_plans
from operations.api import reports as operations_reports
from operations.api import views as operations
from organization.api import views as organization

router = DefaultRouter()
router.register("departments", organization.DepartmentViewSet, basename="department")
router.register("people", organization.PersonViewSet, basename="person")
router.register("notifications", organization.NotificationViewSet, basename="notification")
router.register("regulations", operations.RegulationViewSet, basename="regulation")
router.register("assignments", operations_assignments.AssignmentViewSet, basename="assignment")
router.register("plans", operations_plans.PlanViewSet, basename="plan")
router.register("objectives", operations_plans.ObjectiveViewSet, basename="objective")
router.register("milestones", operations_plans.MilestoneViewSet, basename="milestone")
router.register("work-reports", operations_reports.WorkReportViewSet, basename="work-report")
router.register("action-items", operations_reports.ActionItemViewSet, basename="action-item")
router.register(
    "coordination-requests",
    operations_coordination.CoordinationRequestViewSet,
    basename="coordination-request",
)
router.register("decisions", operations_decisions.DecisionViewSet, basename="decision")

urlpatterns = [
    path("v1/auth/token/", organization.TokenView.as_view(), name="api-token"),
    path("v1/me/", organization.MeView.as_view(), name="api-me"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]
