from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from organization.api.serializers import (
    DepartmentSerializer,
    DepartmentWriteSerializer,
    MeSerializer,
    NotificationSerializer,
    PersonSerializer,
    PersonWriteSerializer,
)
from organization.filtersets import DepartmentFilterSet, PersonFilterSet
from organization.models import Department, Notification, Person
from organization.roles import may_manage_organization, roles_of
from organization.services.departments import department_create, department_update
from organization.services.notifications import notification_mark_read
from organization.services.people import person_create, person_update


class ManageOrganization(permissions.BasePermission):
    """Reading for every logged-in user (within their scope); writing for the COO and admins."""

    message = _("Only the COO and administrators may change departments and people.")

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        return request.method in permissions.SAFE_METHODS or may_manage_organization(request.user)


class TokenView(ObtainAuthToken):
    """``POST username, password`` -> ``{"token": "..."}``; use it as ``Authorization: Token ...``."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth_token"

    def post(self, request, *args, **kwargs):
        # django-axes marks a lockout on the Django request, which DRF wraps: ask it directly,
        # so that a locked account is told so instead of "unable to log in".
        credentials = {"username": request.data.get("username", "")}
        if AxesProxyHandler.is_locked(request._request, credentials):
            return Response(
                {
                    "detail": _(
                        "Too many failed log-in attempts: this account is locked for a while."
                    )
                },
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        return super().post(request, *args, **kwargs)


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user = request.user
        person = Person.objects.filter(user=user).select_related("department").first()
        data = {
            "username": user.username,
            "full_name": user.display_name,
            "email": user.email,
            "roles": sorted(roles_of(user)),
            "department": person.department.code if person and person.department else None,
            "position": person.position if person else None,
            "language": user.language,
            "time_zone": user.time_zone,
        }
        return Response(MeSerializer(data).data)


class DepartmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Departments (the org chart: every logged-in user may read them)."""

    permission_classes = [ManageOrganization]
    filterset_class = DepartmentFilterSet
    lookup_field = "code"
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        return (
            Department.objects.for_user(self.request.user)
            .with_headcount()
            .select_related("parent", "head__user")
            .order_by("code")
        )

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return DepartmentWriteSerializer
        return DepartmentSerializer

    @extend_schema(request=DepartmentWriteSerializer, responses={201: DepartmentSerializer})
    def create(self, request, *args, **kwargs):
        serializer = DepartmentWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        department = department_create(**serializer.validated_data)
        return Response(
            DepartmentSerializer(self.get_queryset().get(pk=department.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=DepartmentWriteSerializer, responses=DepartmentSerializer)
    def update(self, request, *args, **kwargs):
        department = self.get_object()
        serializer = DepartmentWriteSerializer(
            department, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        department_update(department=department, **serializer.validated_data)
        return Response(DepartmentSerializer(self.get_queryset().get(pk=department.pk)).data)


class PersonViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """People records, scoped to the user: company-wide roles see all, heads and managers their
    departments, everyone else themselves."""

    permission_classes = [ManageOrganization]
    filterset_class = PersonFilterSet
    lookup_field = "user__username"
    lookup_url_kwarg = "username"
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        return Person.objects.for_user(self.request.user).with_relations()

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return PersonWriteSerializer
        return PersonSerializer

    @extend_schema(request=PersonWriteSerializer, responses={201: PersonSerializer})
    def create(self, request, *args, **kwargs):
        serializer = PersonWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("active", None)
        person = person_create(**data)
        return Response(
            PersonSerializer(self.get_queryset().get(pk=person.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=PersonWriteSerializer, responses=PersonSerializer)
    def update(self, request, *args, **kwargs):
        person = self.get_object()
        serializer = PersonWriteSerializer(
            person, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("username", None)
        person_update(person=person, **data)
        return Response(PersonSerializer(self.get_queryset().get(pk=person.pk)).data)


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The user's own notifications, newest first (``?unread=1`` for unread only)."""

    serializer_class = NotificationSerializer

    def get_queryset(self):
        queryset = Notification.objects.for_user(self.request.user)
        if self.request.query_params.get("unread") == "1":
            queryset = queryset.unread()
        return queryset

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_object()
        notification_mark_read(user=request.user, ids=[notification.pk])
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={204: None})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        notification_mark_read(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
