"""The coordination requests API: ``/api/v1/coordination-requests/``, scoped as the pages are.

A department sees only the requests it sent or received (404 otherwise); the CEO, the COO and
the auditor see all of them.

- Create takes ``to_department`` (a code), ``subject``, ``details``, ``needed_by``, ``priority``
  (low, normal, high, urgent) and, for the COO (who must give it), ``from_department`` (a code;
  others default to their own department).
- The moves: ``POST .../accept/``, ``decline/`` (``reason``), ``start/``, ``resolve/``
  (``resolution``) for the department asked; ``close/`` and ``reopen/`` (``reason``) for the
  department that asked; the COO may make any of them and ``reassign/`` (``to_department``
  and/or ``handler``, ``note``).
- ``GET .../comments/`` is the thread (comments and moves); ``POST .../comments/`` (``text``)
  adds a comment.

Writes go through :mod:`operations.services.coordination`; a refused move is a 400 (wrong
state, missing text, with the field) or a 403 (wrong side).
"""

from __future__ import annotations

import django_filters
from django.db.models import F, Q
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from operations.models import Assignment, CoordinationRequest, CoordinationUpdate
from operations.services import coordination as services
from organization.models import Department, User
from organization.scoping import scope_of

Status = CoordinationRequest.Status
Priority = Assignment.Priority

# -- serializers --------------------------------------------------------------------------------


class CoordinationRequestSerializer(serializers.ModelSerializer):
    from_department = serializers.SlugRelatedField(slug_field="code", read_only=True)
    to_department = serializers.SlugRelatedField(slug_field="code", read_only=True)
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    handler = serializers.SlugRelatedField(slug_field="username", read_only=True)
    response_breached = serializers.BooleanField(read_only=True)
    resolution_breached = serializers.BooleanField(read_only=True)

    class Meta:
        model = CoordinationRequest
        fields = [
            "id",
            "status",
            "from_department",
            "to_department",
            "subject",
            "details",
            "needed_by",
            "priority",
            "requested_by",
            "handler",
            "decline_reason",
            "resolution",
            "response_due_at",
            "resolution_due_at",
            "first_response_at",
            "resolved_at",
            "closed_at",
            "reopen_count",
            "response_breached",
            "resolution_breached",
            "created_at",
        ]


class CoordinationCreateSerializer(serializers.Serializer):
    to_department = serializers.SlugRelatedField(
        slug_field="code", queryset=Department.objects.all(), help_text="Department code."
    )
    subject = serializers.CharField(max_length=200)
    details = serializers.CharField(required=False, allow_blank=True, default="")
    needed_by = serializers.DateField()
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    from_department = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Department.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Department code; the COO must give it, others default to their own.",
    )


class CoordinationReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Required."
    )


class CoordinationResolutionSerializer(serializers.Serializer):
    resolution = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="How it was resolved (required)."
    )


class ReassignSerializer(serializers.Serializer):
    to_department = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Department.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Department code.",
    )
    handler = serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Username of the person who handles it.",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CommentSerializer(serializers.Serializer):
    text = serializers.CharField(required=False, allow_blank=True, default="")


class CoordinationUpdateSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    is_comment = serializers.BooleanField(read_only=True)

    class Meta:
        model = CoordinationUpdate
        fields = ["id", "author", "from_status", "to_status", "text", "is_comment", "created_at"]


# -- filters ------------------------------------------------------------------------------------


def _department_filter(label: str) -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(
        queryset=Department.objects.all(), to_field_name="code", label=label
    )


def breached_condition() -> Q:
    """The database form of ``response_breached or resolution_breached``."""
    now = timezone.now()
    response = Q(first_response_at__isnull=False, first_response_at__gt=F("response_due_at")) | Q(
        first_response_at__isnull=True, status=Status.OPEN, response_due_at__lt=now
    )
    resolution = Q(resolved_at__isnull=False, resolved_at__gt=F("resolution_due_at")) | Q(
        resolved_at__isnull=True,
        status__in=CoordinationRequest.ACTIVE,
        resolution_due_at__lt=now,
    )
    return response | resolution


class CoordinationRequestFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices)
    priority = django_filters.ChoiceFilter(choices=Priority.choices)
    from_department = _department_filter("From department (code)")
    to_department = _department_filter("To department (code)")
    box = django_filters.ChoiceFilter(
        choices=[("inbox", "inbox"), ("outbox", "outbox")],
        method="filter_box",
        label="inbox: sent to my departments (or handled by me); outbox: sent by them (or me)",
    )
    breached = django_filters.BooleanFilter(
        method="filter_breached", label="Past its first-response or resolution target"
    )
    search = django_filters.CharFilter(method="filter_search", label="Words in subject or details")

    class Meta:
        model = CoordinationRequest
        fields = [
            "status",
            "priority",
            "from_department",
            "to_department",
            "box",
            "breached",
            "search",
        ]

    def _my_departments(self) -> set[int]:
        scope = scope_of(self.request.user)
        ids = set(scope.department_ids)
        if scope.own_department_id is not None:
            ids.add(scope.own_department_id)
        return ids

    def filter_box(self, queryset, name, value):
        user = self.request.user
        departments = self._my_departments()
        if value == "inbox":
            return queryset.filter(Q(to_department_id__in=departments) | Q(handler=user))
        return queryset.filter(Q(from_department_id__in=departments) | Q(requested_by=user))

    def filter_breached(self, queryset, name, value):
        condition = breached_condition()
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def filter_search(self, queryset, name, value):
        condition = Q()
        for word in value.split():
            condition &= Q(subject__icontains=word) | Q(details__icontains=word)
        return queryset.filter(condition)


# -- views --------------------------------------------------------------------------------------


class CoordinationRequestViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Requests from one department to another, with their service-level targets."""

    serializer_class = CoordinationRequestSerializer
    filterset_class = CoordinationRequestFilterSet

    def get_queryset(self):
        return (
            CoordinationRequest.objects.for_user(self.request.user)
            .with_relations()
            .order_by("-created_at", "-pk")
        )

    def _read(self, request: CoordinationRequest, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=request.pk)
        return Response(CoordinationRequestSerializer(fresh).data, status=code)

    @extend_schema(
        request=CoordinationCreateSerializer, responses={201: CoordinationRequestSerializer}
    )
    def create(self, request, *args, **kwargs):
        serializer = CoordinationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        made = services.request_create(user=request.user, **serializer.validated_data)
        return self._read(made, status.HTTP_201_CREATED)

    def _move(self, move: str, text: str = "") -> Response:
        obj = self.get_object()
        obj = services.request_move(request=obj, user=self.request.user, move=move, text=text)
        return self._read(obj)

    @extend_schema(request=None, responses=CoordinationRequestSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, *args, **kwargs):
        """The department asked takes the request on."""
        return self._move("accept")

    @extend_schema(request=CoordinationReasonSerializer, responses=CoordinationRequestSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, *args, **kwargs):
        """The department asked declines, giving the reason."""
        serializer = CoordinationReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._move("decline", serializer.validated_data["reason"])

    @extend_schema(request=None, responses=CoordinationRequestSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, *args, **kwargs):
        """The department asked starts work on it."""
        return self._move("start")

    @extend_schema(
        request=CoordinationResolutionSerializer, responses=CoordinationRequestSerializer
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request, *args, **kwargs):
        """The department asked says how it was resolved; the requester then confirms."""
        serializer = CoordinationResolutionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._move("resolve", serializer.validated_data["resolution"])

    @extend_schema(request=None, responses=CoordinationRequestSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, *args, **kwargs):
        """The department that asked confirms the resolution."""
        return self._move("close")

    @extend_schema(request=CoordinationReasonSerializer, responses=CoordinationRequestSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, *args, **kwargs):
        """The department that asked reopens a resolved or declined request, saying why."""
        serializer = CoordinationReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._move("reopen", serializer.validated_data["reason"])

    @extend_schema(request=ReassignSerializer, responses=CoordinationRequestSerializer)
    @action(detail=True, methods=["post"])
    def reassign(self, request, *args, **kwargs):
        """The COO sends an active request to another department and/or names its handler."""
        obj = self.get_object()
        serializer = ReassignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        obj = services.request_reassign(request=obj, user=request.user, **serializer.validated_data)
        return self._read(obj)

    @extend_schema(methods=["GET"], request=None, responses=CoordinationUpdateSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=CommentSerializer, responses={201: CoordinationUpdateSerializer}
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def comments(self, request, *args, **kwargs):
        """The thread, oldest first: comments and moves. POST adds a comment (``text``)."""
        obj = self.get_object()
        if request.method == "POST":
            serializer = CommentSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            update = services.request_comment(
                request=obj, user=request.user, text=serializer.validated_data["text"]
            )
            update = CoordinationUpdate.objects.select_related("author").get(pk=update.pk)
            return Response(
                CoordinationUpdateSerializer(update).data, status=status.HTTP_201_CREATED
            )
        updates = obj.updates.select_related("author").order_by("created_at", "pk")
        return Response(CoordinationUpdateSerializer(updates, many=True).data)
