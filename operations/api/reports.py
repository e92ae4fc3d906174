"""The work reports API: ``/api/v1/work-reports/`` and ``/api/v1/action-items/``.

Scoped as the pages are (``for_user``): heads and managers see their departments' reports, the
COO, the CEO and the auditor all of them, everyone the reports they wrote or review; outside
one's scope answers 404, a forbidden move 403.

- Work reports: create takes ``kind`` (weekly or monthly), ``period_start``, ``individual``,
  ``department`` (a code), the text sections and ``kpis`` (rows of ``name``, ``value``, ``unit``,
  ``target``); ``PATCH`` changes the sections and KPI rows of a draft or returned report; the
  moves are ``POST .../submit/``, ``return/`` (``comment``) and ``review/`` (``rating`` 1 to 5,
  ``comment``).
- Action items: create takes ``report``, ``title``, ``description``, ``owner`` (a username) and
  ``due_date``; the moves are ``POST .../start/``, ``close/`` (``resolution``), ``cancel/`` and
  ``reopen/`` (the reason as ``resolution``).
"""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch, Q
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from operations.models import ActionItem, ReportKind, WorkReport, WorkReportKpi
from operations.services import reports as services
from organization.models import Department, User

# -- serializers --------------------------------------------------------------------------------


class KpiSerializer(serializers.ModelSerializer):
    met = serializers.BooleanField(read_only=True, allow_null=True)

    class Meta:
        model = WorkReportKpi
        fields = ["name", "value", "unit", "target", "met"]


class KpiInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    value = serializers.DecimalField(max_digits=14, decimal_places=2)
    unit = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    target = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, default=None
    )


class WorkReportSerializer(serializers.ModelSerializer):
    department = serializers.SlugRelatedField(slug_field="code", read_only=True)
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    reviewer = serializers.SlugRelatedField(slug_field="username", read_only=True)
    reviewed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    kpis = KpiSerializer(many=True, read_only=True)
    review_duration = serializers.SerializerMethodField(
        help_text="Seconds from the last submission to the review."
    )

    class Meta:
        model = WorkReport
        fields = [
            "id",
            "kind",
            "period_start",
            "period_end",
            "individual",
            "department",
            "author",
            "reviewer",
            "status",
            "summary",
            "accomplishments",
            "problems",
            "next_steps",
            "support_needed",
            "kpis",
            "due_at",
            "first_submitted_at",
            "submitted_at",
            "on_time",
            "return_comment",
            "rating",
            "review_comment",
            "reviewed_by",
            "reviewed_at",
            "review_duration",
            "created_at",
            "updated_at",
        ]

    def get_review_duration(self, obj: WorkReport) -> int | None:
        if obj.review_duration is None:
            return None
        return round(obj.review_duration.total_seconds())


def _section() -> serializers.CharField:
    return serializers.CharField(required=False, allow_blank=True)


class WorkReportUpdateSerializer(serializers.Serializer):
    """The text sections and KPI rows; those left out stay as they are."""

    summary = _section()
    accomplishments = _section()
    problems = _section()
    next_steps = _section()
    support_needed = _section()
    kpis = KpiInputSerializer(many=True, required=False, help_text="Replaces every KPI row.")


class WorkReportCreateSerializer(WorkReportUpdateSerializer):
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    period_start = serializers.DateField(
        help_text="A Monday for a weekly report, the first of the month for a monthly one."
    )
    individual = serializers.BooleanField(
        required=False, default=False, help_text="A person's report to their manager."
    )
    department = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Department.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Department code (by default the author's department).",
    )


class ReturnSerializer(serializers.Serializer):
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="What needs revising."
    )


class ReviewSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ActionItemSerializer(serializers.ModelSerializer):
    department = serializers.SlugRelatedField(slug_field="code", read_only=True)
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)

    class Meta:
        model = ActionItem
        fields = [
            "id",
            "report",
            "department",
            "title",
            "description",
            "owner",
            "due_date",
            "status",
            "resolution",
            "overdue",
            "closed_at",
            "created_by",
            "created_at",
            "updated_at",
        ]


class ActionItemWriteSerializer(serializers.Serializer):
    report = serializers.PrimaryKeyRelatedField(queryset=WorkReport.objects.none())
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.filter(is_active=True)
    )
    due_date = serializers.DateField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["report"].queryset = WorkReport.objects.for_user(request.user)


class ResolutionSerializer(serializers.Serializer):
    resolution = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="How it was resolved (close), or why (cancel, reopen).",
    )


# -- filters ------------------------------------------------------------------------------------


def _department_filter() -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(
        queryset=Department.objects.all(), to_field_name="code", label="Department code"
    )


class WorkReportFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ReportKind.choices)
    status = django_filters.ChoiceFilter(choices=WorkReport.Status.choices)
    department = _department_filter()
    individual = django_filters.BooleanFilter()
    period_start = django_filters.DateFromToRangeFilter(
        label="Period start from (_after) and to (_before), both included"
    )

    class Meta:
        model = WorkReport
        fields = ["kind", "status", "department", "individual", "period_start"]


class ActionItemFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ActionItem.Status.choices)
    department = _department_filter()
    owner = django_filters.ModelChoiceFilter(
        queryset=User.objects.all(), to_field_name="username", label="Owner (username)"
    )
    report = django_filters.NumberFilter()
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", label="Past their due date and still open"
    )

    class Meta:
        model = ActionItem
        fields = ["status", "department", "owner", "report", "overdue"]

    def filter_overdue(self, queryset, name, value):
        overdue = Q(status__in=ActionItem.ACTIVE, due_date__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


# -- views --------------------------------------------------------------------------------------


class WorkReportViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Weekly and monthly work reports of departments (reviewed and rated by the COO) and of
    people (reviewed by their manager)."""

    serializer_class = WorkReportSerializer
    filterset_class = WorkReportFilterSet

    def get_queryset(self):
        kpis = Prefetch("kpis", queryset=WorkReportKpi.objects.order_by("order", "pk"))
        return (
            WorkReport.objects.for_user(self.request.user)
            .with_people()
            .prefetch_related(kpis)
            .order_by("-period_start", "department__name", "pk")
        )

    def _read(self, report: WorkReport, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=report.pk)
        return Response(WorkReportSerializer(fresh).data, status=code)

    @extend_schema(request=WorkReportCreateSerializer, responses={201: WorkReportSerializer})
    def create(self, request, *args, **kwargs):
        serializer = WorkReportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = services.report_create(user=request.user, **serializer.validated_data)
        return self._read(report, status.HTTP_201_CREATED)

    @extend_schema(request=WorkReportUpdateSerializer, responses=WorkReportSerializer)
    def partial_update(self, request, *args, **kwargs):
        report = self.get_object()
        serializer = WorkReportUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.report_update(report=report, user=request.user, **serializer.validated_data)
        return self._read(report)

    @extend_schema(request=None, responses=WorkReportSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, *args, **kwargs):
        """Send the report for review; the first submission fixes whether it was on time."""
        report = services.report_submit(report=self.get_object(), user=request.user)
        return self._read(report)

    @extend_schema(request=ReturnSerializer, responses=WorkReportSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_for_revision(self, request, *args, **kwargs):
        """The reviewer sends a submitted report back, saying what needs revising."""
        report = self.get_object()
        serializer = ReturnSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = services.report_return(
            report=report, user=request.user, comment=serializer.validated_data["comment"]
        )
        return self._read(report)

    @extend_schema(request=ReviewSerializer, responses=WorkReportSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, *args, **kwargs):
        """The reviewer rates a submitted report's efficiency from 1 to 5."""
        report = self.get_object()
        serializer = ReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = services.report_review(
            report=report, user=request.user, **serializer.validated_data
        )
        return self._read(report)


class ActionItemViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Problems found in work reports, tracked until they are closed with a resolution."""

    serializer_class = ActionItemSerializer
    filterset_class = ActionItemFilterSet

    def get_queryset(self):
        return (
            ActionItem.objects.for_user(self.request.user)
            .with_relations()
            .order_by("due_date", "pk")
        )

    def _read(self, item: ActionItem, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=item.pk)
        return Response(ActionItemSerializer(fresh).data, status=code)

    @extend_schema(request=ActionItemWriteSerializer, responses={201: ActionItemSerializer})
    def create(self, request, *args, **kwargs):
        serializer = ActionItemWriteSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        item = services.action_item_create(user=request.user, **serializer.validated_data)
        return self._read(item, status.HTTP_201_CREATED)

    def _move(self, request, move: str) -> Response:
        item = self.get_object()
        serializer = ResolutionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = services.action_item_move(
            item=item,
            user=request.user,
            move=move,
            resolution=serializer.validated_data["resolution"],
        )
        return self._read(item)

    @extend_schema(request=None, responses=ActionItemSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, *args, **kwargs):
        return self._move(request, "start")

    @extend_schema(request=ResolutionSerializer, responses=ActionItemSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, *args, **kwargs):
        return self._move(request, "close")

    @extend_schema(request=ResolutionSerializer, responses=ActionItemSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        return self._move(request, "cancel")

    @extend_schema(request=ResolutionSerializer, responses=ActionItemSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, *args, **kwargs):
        return self._move(request, "reopen")
