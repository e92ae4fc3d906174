"""The annual plans API: ``/api/v1/plans/``, ``/api/v1/objectives/``, ``/api/v1/milestones/``.

Scoped as the pages are (``for_user``): outside one's scope answers 404, a forbidden move 403.

- Plans: create takes ``year`` and ``department`` (a code, or null for the company plan); the
  approval moves ``POST .../submit/``, ``approve/``, ``return/`` (``note`` required) and
  ``archive/`` act on the revision being worked on (``archive``: on it, or else on the revision
  in force); ``POST .../new-revision/`` (``summary_of_changes``) starts the next revision.
- Objectives: written in the plan's working revision (create takes the ``plan`` id); monthly
  progress with ``POST .../progress/`` (``month``, ``percent_complete``, ``kpi_value``,
  ``comment``), listed by ``GET .../progress/``.
- Milestones: written in a working revision; ``POST .../update-status/`` records where one
  stands on the plan in force.

Lists show the revisions in force and being worked on (not superseded or archived ones) unless
a ``revision`` number is asked for.
"""

from __future__ import annotations

from collections.abc import Iterable

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from approvals.api import ApprovalActionsMixin
from approvals.models import State
from core.exceptions import ApplicationError, NotAllowed
from operations.models import AnnualPlan, Milestone, Objective, PlanRevision, ProgressUpdate
from operations.services import plans as services
from organization.models import Department, User

#: Revisions that lists leave out unless asked for by number.
PAST_STATES = (State.SUPERSEDED, State.ARCHIVED)


def plan_figures(plans: Iterable[AnnualPlan], user: User) -> dict[int, dict]:
    """Per plan: the progress of its revision in force (weighted by the objectives' weights)
    and whether ``user`` may see its working revision. Two queries for any number of plans."""
    plans = list(plans)
    progress = services.progress_by_revision(
        p.current_revision_id for p in plans if p.current_revision_id
    )
    working_ids = [p.latest_revision_id for p in plans if p.working_revision is not None]
    visible = set(
        PlanRevision.objects.for_user(user).filter(pk__in=working_ids).values_list("pk", flat=True)
    )
    return {
        p.pk: {
            "progress": progress.get(p.current_revision_id, 0) if p.current_revision_id else None,
            "working": p.working_revision if p.latest_revision_id in visible else None,
        }
        for p in plans
    }


# -- serializers --------------------------------------------------------------------------------


class PlanSerializer(serializers.ModelSerializer):
    """A plan with its revision in force and, for those who may see it, the one being worked
    on. ``progress`` is the weighted progress of the revision in force (null when none is)."""

    department = serializers.SlugRelatedField(slug_field="code", read_only=True)
    company = serializers.BooleanField(source="is_company", read_only=True)
    current_revision = serializers.SerializerMethodField()
    current_status = serializers.SerializerMethodField()
    working_revision = serializers.SerializerMethodField()
    working_status = serializers.SerializerMethodField()
    summary_of_changes = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()

    class Meta:
        model = AnnualPlan
        fields = [
            "id",
            "year",
            "department",
            "company",
            "current_revision",
            "current_status",
            "working_revision",
            "working_status",
            "summary_of_changes",
            "progress",
            "created_at",
            "updated_at",
        ]

    def _figures(self, plan: AnnualPlan) -> dict:
        figures = self.context.setdefault("plan_figures", {})
        if plan.pk not in figures:
            figures.update(plan_figures([plan], self.context["request"].user))
        return figures[plan.pk]

    def get_current_revision(self, obj: AnnualPlan) -> int | None:
        return obj.current_revision.number if obj.current_revision_id else None

    def get_current_status(self, obj: AnnualPlan) -> str | None:
        return obj.current_revision.status if obj.current_revision_id else None

    def get_working_revision(self, obj: AnnualPlan) -> int | None:
        working = self._figures(obj)["working"]
        return working.number if working else None

    def get_working_status(self, obj: AnnualPlan) -> str | None:
        working = self._figures(obj)["working"]
        return working.status if working else None

    def get_summary_of_changes(self, obj: AnnualPlan) -> str:
        shown = self._figures(obj)["working"] or obj.current_revision
        return shown.summary_of_changes if shown else ""

    def get_progress(self, obj: AnnualPlan) -> int | None:
        return self._figures(obj)["progress"]


class PlanWriteSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    department = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Department.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="A department code; null (or left out) for the company plan.",
    )


class NewRevisionSerializer(serializers.Serializer):
    summary_of_changes = serializers.CharField(required=False, allow_blank=True, default="")


class _RevisionFields(serializers.Serializer):
    """Where an objective or milestone stands: its plan, year, department and revision."""

    plan = serializers.SerializerMethodField()
    year = serializers.SerializerMethodField()
    department = serializers.SerializerMethodField()
    revision = serializers.SerializerMethodField()
    revision_status = serializers.SerializerMethodField()

    def _revision(self, obj) -> PlanRevision:
        raise NotImplementedError

    def get_plan(self, obj) -> int:
        return self._revision(obj).plan_id

    def get_year(self, obj) -> int:
        return self._revision(obj).plan.year

    def get_department(self, obj) -> str | None:
        plan = self._revision(obj).plan
        return plan.department.code if plan.department_id else None

    def get_revision(self, obj) -> int:
        return self._revision(obj).number

    def get_revision_status(self, obj) -> str:
        return self._revision(obj).status


class ObjectiveSerializer(_RevisionFields, serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Objective
        fields = [
            "id",
            "plan",
            "year",
            "department",
            "revision",
            "revision_status",
            "order",
            "title",
            "description",
            "weight",
            "kpi_name",
            "kpi_unit",
            "baseline",
            "target",
            "owner",
            "percent_complete",
            "kpi_actual",
        ]
        read_only_fields = ["percent_complete", "kpi_actual"]

    def _revision(self, obj: Objective) -> PlanRevision:
        return obj.revision


class ObjectiveWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    weight = serializers.IntegerField(min_value=1, max_value=100)
    kpi_name = serializers.CharField(max_length=120)
    kpi_unit = serializers.CharField(max_length=30, required=False, allow_blank=True)
    baseline = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    target = serializers.DecimalField(max_digits=14, decimal_places=2)
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.filter(is_active=True)
    )
    order = serializers.IntegerField(min_value=0, required=False)


class ObjectiveCreateSerializer(ObjectiveWriteSerializer):
    plan = serializers.PrimaryKeyRelatedField(
        queryset=AnnualPlan.objects.none(),
        help_text="The plan; the objective goes into the revision being worked on.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["plan"].queryset = AnnualPlan.objects.for_user(
                request.user
            ).with_revisions()


class ProgressUpdateSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ProgressUpdate
        fields = [
            "id",
            "objective",
            "month",
            "percent_complete",
            "kpi_value",
            "comment",
            "author",
            "created_at",
        ]


class ProgressWriteSerializer(serializers.Serializer):
    month = serializers.DateField(
        input_formats=["%Y-%m-%d", "%Y-%m"], help_text="The month reported: YYYY-MM or a date."
    )
    percent_complete = serializers.IntegerField(min_value=0, max_value=100)
    kpi_value = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, default=None
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class MilestoneSerializer(_RevisionFields, serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)
    objective_title = serializers.CharField(source="objective.title", read_only=True)
    overdue = serializers.BooleanField(source="is_past_due", read_only=True)

    class Meta:
        model = Milestone
        fields = [
            "id",
            "objective",
            "objective_title",
            "plan",
            "year",
            "department",
            "revision",
            "revision_status",
            "title",
            "due_date",
            "owner",
            "status",
            "percent_complete",
            "completed_on",
            "evidence_note",
            "overdue",
            "updated_at",
        ]

    def _revision(self, obj: Milestone) -> PlanRevision:
        return obj.objective.revision


class MilestoneWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    due_date = serializers.DateField()
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.filter(is_active=True)
    )


class MilestoneCreateSerializer(MilestoneWriteSerializer):
    objective = serializers.PrimaryKeyRelatedField(queryset=Objective.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["objective"].queryset = Objective.objects.for_user(
                request.user
            ).with_relations()


class MilestoneStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Milestone.Status.choices)
    percent_complete = serializers.IntegerField(
        min_value=0, max_value=100, required=False, allow_null=True, default=None
    )
    evidence_note = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, default=None
    )


# -- filters ------------------------------------------------------------------------------------


def _department_filter(field_name: str) -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(
        field_name=field_name,
        queryset=Department.objects.all(),
        to_field_name="code",
        null_label="company",
        label="Department code (null: the company plan)",
    )


def _owner_filter() -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(
        queryset=User.objects.all(), to_field_name="username", label="Owner (username)"
    )


class PlanFilterSet(django_filters.FilterSet):
    year = django_filters.NumberFilter()
    department = _department_filter("department")

    class Meta:
        model = AnnualPlan
        fields = ["year", "department"]


class ObjectiveFilterSet(django_filters.FilterSet):
    plan = django_filters.NumberFilter(field_name="revision__plan")
    year = django_filters.NumberFilter(field_name="revision__plan__year")
    department = _department_filter("revision__plan__department")
    owner = _owner_filter()
    revision = django_filters.NumberFilter(field_name="revision__number")
    in_force = django_filters.BooleanFilter(
        method="filter_in_force", label="Only the revisions in force (or not)"
    )

    class Meta:
        model = Objective
        fields = ["plan", "year", "department", "owner", "revision", "in_force"]

    def filter_in_force(self, queryset, name, value):
        in_force = Q(revision__status=State.APPROVED)
        return queryset.filter(in_force) if value else queryset.exclude(in_force)


class MilestoneFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Milestone.Status.choices)
    owner = _owner_filter()
    objective = django_filters.NumberFilter()
    plan = django_filters.NumberFilter(field_name="objective__revision__plan")
    year = django_filters.NumberFilter(field_name="objective__revision__plan__year")
    department = _department_filter("objective__revision__plan__department")
    revision = django_filters.NumberFilter(field_name="objective__revision__number")
    mine = django_filters.BooleanFilter(
        method="filter_mine", label="Only the milestones I own (or not)"
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", label="Past their due date and not finished"
    )

    class Meta:
        model = Milestone
        fields = [
            "status",
            "owner",
            "objective",
            "plan",
            "year",
            "department",
            "revision",
            "mine",
            "overdue",
        ]

    def filter_mine(self, queryset, name, value):
        mine = Q(owner=self.request.user)
        return queryset.filter(mine) if value else queryset.exclude(mine)

    def filter_overdue(self, queryset, name, value):
        overdue = Q(status=Milestone.Status.LATE) | Q(
            status__in=Milestone.PENDING, due_date__lt=timezone.localdate()
        )
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


# -- views --------------------------------------------------------------------------------------


def _check_author(user: User, plan: AnnualPlan) -> None:
    if not services.may_edit_plan(user, plan):
        raise NotAllowed(_("Only the plan's authors may change it."))


class PlanViewSet(
    ApprovalActionsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Annual plans: the company plan and one plan per department each year.

    The workflow endpoints act on the revision being worked on (``archive``: on it, or else on
    the revision in force). An approved revision is in force at once: plans have no
    ``publish`` step.
    """

    serializer_class = PlanSerializer
    read_serializer_class = PlanSerializer
    filterset_class = PlanFilterSet
    publish = None  # the mixin's publication step does not apply to plans

    def get_queryset(self):
        return (
            AnnualPlan.objects.for_user(self.request.user)
            .with_revisions()
            .order_by("-year", "department__code", "pk")
        )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["plan_figures"] = getattr(self, "_plan_figures", {})
        return context

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self._plan_figures = plan_figures(page if page is not None else queryset, self.request.user)
        return page

    def _read(self, plan: AnnualPlan, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=plan.pk)
        return Response(
            PlanSerializer(fresh, context=super().get_serializer_context()).data, status=code
        )

    def get_approval_target(self, obj: AnnualPlan):
        target = obj.working_revision or (
            obj.current_revision if self.action == "archive" else None
        )
        if target is None:
            raise ApplicationError(_("No revision of this plan awaits that step."))
        return target

    @extend_schema(request=PlanWriteSerializer, responses={201: PlanSerializer})
    def create(self, request, *args, **kwargs):
        serializer = PlanWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        plan = services.plan_create(user=request.user, **serializer.validated_data)
        return self._read(plan, status.HTTP_201_CREATED)

    @extend_schema(request=NewRevisionSerializer, responses={201: PlanSerializer})
    @action(detail=True, methods=["post"], url_path="new-revision")
    def new_revision(self, request, *args, **kwargs):
        """Start the next revision of a plan in force, a copy of it to change and approve."""
        plan = self.get_object()
        serializer = NewRevisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.revision_start(
            plan=plan,
            user=request.user,
            summary_of_changes=serializer.validated_data["summary_of_changes"],
        )
        return self._read(plan, status.HTTP_201_CREATED)


class _CurrentRevisionsListMixin:
    """Lists leave out superseded and archived revisions unless one is asked for by number."""

    revision_status_field: str

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.action == "list" and not self.request.query_params.get("revision"):
            queryset = queryset.exclude(**{f"{self.revision_status_field}__in": PAST_STATES})
        return queryset


class ObjectiveViewSet(
    _CurrentRevisionsListMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Objectives of annual plans: weighted, with a KPI, an owner and monthly progress."""

    serializer_class = ObjectiveSerializer
    filterset_class = ObjectiveFilterSet
    revision_status_field = "revision__status"

    def get_queryset(self):
        return (
            Objective.objects.for_user(self.request.user)
            .with_relations()
            .order_by(
                "-revision__plan__year",
                "revision__plan__department__code",
                "revision__plan_id",
                "-revision__number",
                "order",
                "pk",
            )
        )

    def _read(self, objective: Objective, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=objective.pk)
        return Response(ObjectiveSerializer(fresh).data, status=code)

    @extend_schema(request=ObjectiveCreateSerializer, responses={201: ObjectiveSerializer})
    def create(self, request, *args, **kwargs):
        serializer = ObjectiveCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        plan = fields.pop("plan")
        _check_author(request.user, plan)
        revision = plan.working_revision
        if revision is None:
            raise ApplicationError(
                _("No revision of this plan is being drafted: start a new revision first."),
                field="plan",
            )
        objective = services.objective_save(revision=revision, user=request.user, **fields)
        return self._read(objective, status.HTTP_201_CREATED)

    @extend_schema(request=ObjectiveWriteSerializer, responses=ObjectiveSerializer)
    def update(self, request, *args, **kwargs):
        objective = self.get_object()
        _check_author(request.user, objective.revision.plan)
        serializer = ObjectiveWriteSerializer(
            data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        services.objective_save(
            revision=objective.revision,
            user=request.user,
            objective=objective,
            **serializer.validated_data,
        )
        return self._read(objective)

    def destroy(self, request, *args, **kwargs):
        objective = self.get_object()
        _check_author(request.user, objective.revision.plan)
        services.objective_delete(objective=objective, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        methods=["GET"], request=None, responses=ProgressUpdateSerializer(many=True), filters=False
    )
    @extend_schema(
        methods=["POST"],
        request=ProgressWriteSerializer,
        responses={201: ProgressUpdateSerializer},
        filters=False,
    )
    @action(detail=True, methods=["get", "post"])
    def progress(self, request, *args, **kwargs):
        """The monthly progress updates (newest first); the owner posts one per month, a second
        one for the same month replacing the first."""
        objective = self.get_object()
        if request.method == "POST":
            serializer = ProgressWriteSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            update = services.progress_record(
                objective=objective, user=request.user, **serializer.validated_data
            )
            update = ProgressUpdate.objects.select_related("author").get(pk=update.pk)
            return Response(ProgressUpdateSerializer(update).data, status=status.HTTP_201_CREATED)
        queryset = objective.progress_updates.select_related("author").order_by("-month")
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(ProgressUpdateSerializer(page, many=True).data)


class MilestoneViewSet(
    _CurrentRevisionsListMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Milestones of the plans' objectives: due dates, owners, status and evidence."""

    serializer_class = MilestoneSerializer
    filterset_class = MilestoneFilterSet
    revision_status_field = "objective__revision__status"

    def get_queryset(self):
        return (
            Milestone.objects.for_user(self.request.user)
            .with_relations()
            .order_by("due_date", "pk")
        )

    def _read(self, milestone: Milestone, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=milestone.pk)
        return Response(MilestoneSerializer(fresh).data, status=code)

    @extend_schema(request=MilestoneCreateSerializer, responses={201: MilestoneSerializer})
    def create(self, request, *args, **kwargs):
        serializer = MilestoneCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        objective = fields.pop("objective")
        _check_author(request.user, objective.revision.plan)
        milestone = services.milestone_save(objective=objective, user=request.user, **fields)
        return self._read(milestone, status.HTTP_201_CREATED)

    @extend_schema(request=MilestoneWriteSerializer, responses=MilestoneSerializer)
    def update(self, request, *args, **kwargs):
        milestone = self.get_object()
        _check_author(request.user, milestone.objective.revision.plan)
        serializer = MilestoneWriteSerializer(
            data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        fields = {
            "title": milestone.title,
            "due_date": milestone.due_date,
            "owner": milestone.owner,
            **serializer.validated_data,
        }
        services.milestone_save(
            objective=milestone.objective, user=request.user, milestone=milestone, **fields
        )
        return self._read(milestone)

    def destroy(self, request, *args, **kwargs):
        milestone = self.get_object()
        _check_author(request.user, milestone.objective.revision.plan)
        services.milestone_delete(milestone=milestone, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=MilestoneStatusSerializer, responses=MilestoneSerializer)
    @action(detail=True, methods=["post"], url_path="update-status")
    def update_status(self, request, *args, **kwargs):
        """Where a milestone of the plan in force stands: in progress (with a percentage), done
        or cancelled, with a note of the evidence."""
        milestone = self.get_object()
        serializer = MilestoneStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.milestone_update(
            milestone=milestone, user=request.user, **serializer.validated_data
        )
        return self._read(milestone)
