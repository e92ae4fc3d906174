"""The decision requests API: ``/api/v1/decisions/``, scoped as the pages are.

The CEO, the COO and the auditor see every decision request; heads and managers those linked to
a department they oversee (404 otherwise).

- Create (the COO only) takes ``title``, ``context``, ``options`` (a list of ``title``, ``pros``,
  ``cons``), ``recommendation``, ``deadline`` and, optionally, ``department`` (a code) and the
  records behind it: ``coordination_request``, ``action_item``, ``assignment`` (ids).
- The CEO's moves: ``POST .../decide/`` (``option``: its 1-based index or its id,
  ``instructions``, ``follow_ups``: assignments to create in the same step),
  ``request-info/`` (``question``) and ``defer/`` (``new_deadline``, ``note``); the COO answers
  with ``provide-info/`` (``answer``).

Writes go through :mod:`operations.services.decisions`: anyone but the CEO deciding gets a 403,
bad input a 400 with the field, and nothing partial is saved.
"""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch, Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.exceptions import ApplicationError, NotAllowed
from operations.models import (
    ActionItem,
    Assignment,
    CoordinationRequest,
    DecisionEvent,
    DecisionOption,
    DecisionRequest,
)
from operations.services import decisions as services
from organization.models import Department, User

Status = DecisionRequest.Status

# -- serializers --------------------------------------------------------------------------------


class DecisionOptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    index = serializers.IntegerField(help_text="1-based position, accepted by decide/.")
    title = serializers.CharField()
    pros = serializers.CharField()
    cons = serializers.CharField()


class DecisionEventSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = DecisionEvent
        fields = ["action", "actor", "note", "created_at"]


class SourcesSerializer(serializers.Serializer):
    coordination_request = serializers.IntegerField(allow_null=True)
    action_item = serializers.IntegerField(allow_null=True)
    assignment = serializers.IntegerField(allow_null=True)


class DecisionSerializer(serializers.ModelSerializer):
    department = serializers.SlugRelatedField(slug_field="code", read_only=True)
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    chosen_option = serializers.PrimaryKeyRelatedField(read_only=True)
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)
    options = serializers.SerializerMethodField()
    sources = serializers.SerializerMethodField()
    follow_up_assignments = serializers.SerializerMethodField()
    events = DecisionEventSerializer(many=True, read_only=True)

    class Meta:
        model = DecisionRequest
        fields = [
            "id",
            "title",
            "status",
            "context",
            "recommendation",
            "options",
            "deadline",
            "overdue",
            "department",
            "requested_by",
            "decided_by",
            "decided_at",
            "chosen_option",
            "instructions",
            "info_request",
            "times_deferred",
            "sources",
            "follow_up_assignments",
            "events",
            "created_at",
        ]

    @extend_schema_field(DecisionOptionSerializer(many=True))
    def get_options(self, obj: DecisionRequest) -> list[dict]:
        return [
            {"id": o.pk, "index": i, "title": o.title, "pros": o.pros, "cons": o.cons}
            for i, o in enumerate(obj.options.all(), start=1)
        ]

    @extend_schema_field(SourcesSerializer)
    def get_sources(self, obj: DecisionRequest) -> dict:
        return {
            "coordination_request": obj.coordination_request_id,
            "action_item": obj.action_item_id,
            "assignment": obj.assignment_id,
        }

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_follow_up_assignments(self, obj: DecisionRequest) -> list[int]:
        return [a.pk for a in obj.follow_up_assignments.all()]


class OptionInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    pros = serializers.CharField(required=False, allow_blank=True, default="")
    cons = serializers.CharField(required=False, allow_blank=True, default="")


class DecisionCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    context = serializers.CharField()
    options = OptionInputSerializer(many=True, help_text="At least one, each with a title.")
    recommendation = serializers.CharField(required=False, allow_blank=True, default="")
    deadline = serializers.DateField(help_text="Decide by; today or later.")
    department = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Department.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Department code (by default the department of the record behind it).",
    )
    coordination_request = serializers.PrimaryKeyRelatedField(
        queryset=CoordinationRequest.objects.none(), required=False, allow_null=True, default=None
    )
    action_item = serializers.PrimaryKeyRelatedField(
        queryset=ActionItem.objects.none(), required=False, allow_null=True, default=None
    )
    assignment = serializers.PrimaryKeyRelatedField(
        queryset=Assignment.objects.none(), required=False, allow_null=True, default=None
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            user = request.user
            self.fields["coordination_request"].queryset = CoordinationRequest.objects.for_user(
                user
            )
            self.fields["action_item"].queryset = ActionItem.objects.for_user(user)
            self.fields["assignment"].queryset = Assignment.objects.for_user(user)


class FollowUpSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    assignee = serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        default=None,
        help_text="Username (or give a department).",
    )
    department = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Department.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Department code (or give an assignee).",
    )
    due_date = serializers.DateField()
    priority = serializers.ChoiceField(
        choices=Assignment.Priority.choices, default=Assignment.Priority.NORMAL
    )
    description = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="By default the instructions."
    )

    def validate(self, attrs: dict) -> dict:
        if bool(attrs.get("assignee")) == bool(attrs.get("department")):
            raise serializers.ValidationError(
                {
                    "assignee": [
                        _("Assign it to one person or to one department, not both and not neither.")
                    ]
                }
            )
        return attrs


class DecideSerializer(serializers.Serializer):
    option = serializers.IntegerField(help_text="The option's 1-based index or its id.")
    instructions = serializers.CharField(required=False, allow_blank=True, default="")
    follow_ups = FollowUpSerializer(
        many=True, required=False, default=list, help_text="Assignments created with it."
    )


class QuestionSerializer(serializers.Serializer):
    question = serializers.CharField(required=False, allow_blank=True, default="")


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(required=False, allow_blank=True, default="")


class DeferSerializer(serializers.Serializer):
    new_deadline = serializers.DateField(help_text="After today and after the current deadline.")
    note = serializers.CharField(required=False, allow_blank=True, default="")


# -- filters ------------------------------------------------------------------------------------


class DecisionFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices)
    pending = django_filters.BooleanFilter(
        method="filter_pending", label="Awaiting a decision (true) or decided (false)"
    )
    search = django_filters.CharFilter(
        method="filter_search", label="Words in the title, context, recommendation or instructions"
    )

    class Meta:
        model = DecisionRequest
        fields = ["status", "pending", "search"]

    def filter_pending(self, queryset, name, value):
        decided = Q(status=Status.DECIDED)
        return queryset.exclude(decided) if value else queryset.filter(decided)

    def filter_search(self, queryset, name, value):
        condition = Q()
        for word in value.split():
            condition &= (
                Q(title__icontains=word)
                | Q(context__icontains=word)
                | Q(recommendation__icontains=word)
                | Q(instructions__icontains=word)
            )
        return queryset.filter(condition)


# -- views --------------------------------------------------------------------------------------

#: Fields of errors that come from the follow-up assignments (assignment_create's rules).
FOLLOW_UP_FIELDS = {"title", "due_date", "assignee", "department", "priority", "description"}


class DecisionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Problems the COO escalates to the CEO, by deadline, and the CEO's decisions."""

    serializer_class = DecisionSerializer
    filterset_class = DecisionFilterSet

    def get_queryset(self):
        return (
            DecisionRequest.objects.for_user(self.request.user)
            .select_related("requested_by", "decided_by", "department")
            .prefetch_related(
                Prefetch("options", queryset=DecisionOption.objects.order_by("order", "pk")),
                Prefetch("events", queryset=DecisionEvent.objects.select_related("actor")),
                Prefetch(
                    "follow_up_assignments",
                    queryset=Assignment.objects.only("pk", "decision_id").order_by("pk"),
                ),
            )
            .order_by("deadline", "pk")
        )

    def _read(self, decision: DecisionRequest, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=decision.pk)
        return Response(DecisionSerializer(fresh).data, status=code)

    @extend_schema(request=DecisionCreateSerializer, responses={201: DecisionSerializer})
    def create(self, request, *args, **kwargs):
        """The COO escalates a problem to the CEO."""
        if not services.may_escalate(request.user):
            raise NotAllowed(_("Only the COO escalates problems to the CEO."))
        serializer = DecisionCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        decision = services.decision_create(user=request.user, **serializer.validated_data)
        return self._read(decision, status.HTTP_201_CREATED)

    @extend_schema(request=DecideSerializer, responses=DecisionSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, *args, **kwargs):
        """The CEO chooses an option, gives instructions and may create follow-up assignments."""
        decision = self.get_object()
        if not services.may_decide(request.user):
            raise NotAllowed(_("Only the CEO decides."))
        serializer = DecideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        follow_ups = [services.FollowUp(**row) for row in data["follow_ups"]]
        try:
            decision = services.decision_decide(
                decision=decision,
                user=request.user,
                option=data["option"],
                instructions=data["instructions"],
                follow_ups=follow_ups,
            )
        except ApplicationError as error:
            if type(error) is ApplicationError and error.field in FOLLOW_UP_FIELDS:
                raise ApplicationError(error.message, field="follow_ups") from error
            raise
        return self._read(decision)

    @extend_schema(request=QuestionSerializer, responses=DecisionSerializer)
    @action(detail=True, methods=["post"], url_path="request-info", url_name="request-info")
    def request_info(self, request, *args, **kwargs):
        """The CEO asks the COO for more information before deciding."""
        decision = self.get_object()
        serializer = QuestionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decision = services.decision_request_info(
            decision=decision, user=request.user, question=serializer.validated_data["question"]
        )
        return self._read(decision)

    @extend_schema(request=AnswerSerializer, responses=DecisionSerializer)
    @action(detail=True, methods=["post"], url_path="provide-info", url_name="provide-info")
    def provide_info(self, request, *args, **kwargs):
        """The COO answers the CEO's question; the request is open again."""
        decision = self.get_object()
        serializer = AnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decision = services.decision_provide_info(
            decision=decision, user=request.user, answer=serializer.validated_data["answer"]
        )
        return self._read(decision)

    @extend_schema(request=DeferSerializer, responses=DecisionSerializer)
    @action(detail=True, methods=["post"])
    def defer(self, request, *args, **kwargs):
        """The CEO puts the decision off to a later date."""
        decision = self.get_object()
        if not services.may_decide(request.user):
            raise NotAllowed(_("Only the CEO decides."))
        serializer = DeferSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decision = services.decision_defer(
            decision=decision, user=request.user, **serializer.validated_data
        )
        return self._read(decision)
