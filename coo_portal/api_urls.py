"""The REST API: one router for every app, the schema and its documentation."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from operations.api import assignments as operations_assignments
from operations.api import views as operations
from organization.api import views as organization

router = DefaultRouter()
router.register("departments", organization.DepartmentViewSet, basename="department")
router.register("people", organization.PersonViewSet, basename="person")
router.register("notifications", organization.NotificationViewSet, basename="notification")
router.register("regulations", operations.RegulationViewSet, basename="regulation")
router.register("assignments", operations_assignments.AssignmentViewSet, basename="assignment")

urlpatterns = [
    path("v1/auth/token/", organization.TokenView.as_view(), name="api-token"),
    path("v1/me/", organization.MeView.as_view(), name="api-me"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]
