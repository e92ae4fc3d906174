"""The assignments API: ``/api/v1/assignments/``, scoped as the pages are.

Create takes ``title``, ``description``, ``assignee`` (a username) or ``department`` (a code),
``priority`` and ``due_date``; the moves are ``POST .../start/``, ``complete``, ``confirm``,
``reopen`` (with ``reason``) and ``cancel``. Outside one's scope: 404; a forbidden move: 403.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.exceptions import NotAllowed
from operations.forms_assignments import AssignmentFilterSet
from operations.models import Assignment
from operations.services import assignments as services
from organization.models import Department, User


class AssignmentSerializer(serializers.ModelSerializer):
    assignee = serializers.SlugRelatedField(slug_field="username", read_only=True)
    department = serializers.SlugRelatedField(slug_field="code", read_only=True)
    assigned_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "title",
            "description",
            "priority",
            "due_date",
            "status",
            "assignee",
            "department",
            "assigned_by",
            "from_ceo",
            "overdue",
            "done_at",
            "closed_at",
            "reopen_count",
            "created_at",
        ]


class AssignmentWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    priority = serializers.ChoiceField(
        choices=Assignment.Priority.choices, default=Assignment.Priority.NORMAL
    )
    due_date = serializers.DateField()
    assignee = serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
    )
    department = serializers.SlugRelatedField(
        slug_field="code", queryset=Department.objects.all(), required=False, allow_null=True
    )

    def validate(self, attrs):
        if bool(attrs.get("assignee")) == bool(attrs.get("department")):
            raise serializers.ValidationError(
                {
                    "assignee": [
                        _("Assign it to one person or to one department, not both and not neither.")
                    ]
                }
            )
        return attrs


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class AssignmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Ad hoc assignments from the CEO and the COO to people and departments."""

    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilterSet

    def get_queryset(self):
        return (
            Assignment.objects.for_user(self.request.user).with_people().order_by("due_date", "pk")
        )

    def _read(self, assignment: Assignment, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=assignment.pk)
        return Response(AssignmentSerializer(fresh).data, status=code)

    @extend_schema(request=AssignmentWriteSerializer, responses={201: AssignmentSerializer})
    def create(self, request, *args, **kwargs):
        if not services.may_assign(request.user):
            raise NotAllowed(_("Only the CEO or the COO may give assignments."))
        serializer = AssignmentWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignment = services.assignment_create(user=request.user, **serializer.validated_data)
        return self._read(assignment, status.HTTP_201_CREATED)

    def _move(self, service, **extra) -> Response:
        assignment = self.get_object()
        assignment = service(assignment=assignment, user=self.request.user, **extra)
        return self._read(assignment)

    @extend_schema(request=None, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, *args, **kwargs):
        return self._move(services.assignment_start)

    @extend_schema(request=None, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, *args, **kwargs):
        return self._move(services.assignment_complete)

    @extend_schema(request=None, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, *args, **kwargs):
        return self._move(services.assignment_confirm)

    @extend_schema(request=ReasonSerializer, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, *args, **kwargs):
        assignment = self.get_object()
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignment = services.assignment_reopen(
            assignment=assignment, user=request.user, reason=serializer.validated_data["reason"]
        )
        return self._read(assignment)

    @extend_schema(request=None, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        return self._move(services.assignment_cancel)
