from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from approvals.api import ApprovalActionsMixin
from core.exceptions import ApplicationError
from operations.api.serializers import (
    AcknowledgementSerializer,
    RegulationSerializer,
    RegulationWriteSerializer,
)
from operations.filtersets import RegulationFilterSet
from operations.models import Acknowledgement, ProcedureStep, Regulation, RegulationVersion
from operations.selectors import may_oversee
from operations.services.regulations import (
    METADATA_FIELDS,
    StepData,
    acknowledgement_record,
    regulation_create,
    regulation_update,
    version_start_new,
    version_update,
)


class RegulationViewSet(
    ApprovalActionsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Regulations, policies, procedures and department rules, scoped as the pages are.

    The workflow endpoints act on the version being worked on (``archive``: on it, or else on
    the version in force).
    """

    filterset_class = RegulationFilterSet
    read_serializer_class = RegulationSerializer

    def get_queryset(self):
        steps = Prefetch("steps", queryset=ProcedureStep.objects.order_by("order"))
        return (
            Regulation.objects.for_user(self.request.user)
            .with_versions()
            .prefetch_related(
                "audience_departments",
                Prefetch("latest_version__steps", queryset=steps.queryset),
                Prefetch("current_version__steps", queryset=steps.queryset),
            )
            .order_by("title", "pk")
        )

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return RegulationWriteSerializer
        return RegulationSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["visible_version_ids"] = getattr(self, "_visible_version_ids", set())
        return context

    def _remember_visible(self, regulations) -> None:
        """Which of these regulations' latest versions the user may see (one query)."""
        latest_ids = [r.latest_version_id for r in regulations if r.latest_version_id]
        self._visible_version_ids = set(
            RegulationVersion.objects.for_user(self.request.user)
            .filter(pk__in=latest_ids)
            .values_list("pk", flat=True)
        )

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self._remember_visible(page if page is not None else queryset)
        return page

    def get_object(self):
        obj = super().get_object()
        self._remember_visible([obj])
        return obj

    def _read(self, regulation: Regulation, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=regulation.pk)
        self._remember_visible([fresh])
        return Response(
            RegulationSerializer(fresh, context=self.get_serializer_context()).data, status=code
        )

    def get_approval_target(self, obj: Regulation):
        target = obj.working_version or (obj.current_version if self.action == "archive" else None)
        if target is None:
            raise ApplicationError(_("No version of this regulation awaits that step."))
        return target

    @extend_schema(request=RegulationWriteSerializer, responses={201: RegulationSerializer})
    def create(self, request, *args, **kwargs):
        serializer = RegulationWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["steps"] = [StepData(**s) for s in data.pop("steps", [])]
        regulation = regulation_create(user=request.user, **data)
        return self._read(regulation, status.HTTP_201_CREATED)

    @extend_schema(request=RegulationWriteSerializer, responses=RegulationSerializer)
    def update(self, request, *args, **kwargs):
        regulation = self.get_object()
        partial = kwargs.get("partial", False)
        serializer = RegulationWriteSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        text_fields = {k: data.pop(k) for k in ("body", "summary_of_changes", "steps") if k in data}
        metadata = {k: v for k, v in data.items() if k in METADATA_FIELDS}
        audience = data.get("audience_departments")
        version = regulation.working_version
        if text_fields and (version is None or not version.is_editable):
            raise ApplicationError(
                _(
                    "The text of a submitted or published version cannot be edited in place; "
                    "start a new version first."
                )
            )
        if metadata or audience is not None:
            regulation_update(
                regulation=regulation,
                user=request.user,
                audience_departments=audience,
                **metadata,
            )
        if text_fields:
            steps = text_fields.get("steps")
            version_update(
                version=version,
                user=request.user,
                body=text_fields.get("body", version.body),
                summary_of_changes=text_fields.get(
                    "summary_of_changes", version.summary_of_changes
                ),
                steps=[StepData(**s) for s in steps] if steps is not None else None,
            )
        return self._read(regulation)

    @extend_schema(request=None, responses=RegulationSerializer)
    @action(detail=True, methods=["post"], url_path="new-version")
    def new_version(self, request, *args, **kwargs):
        regulation = self.get_object()
        version_start_new(regulation=regulation, user=request.user)
        return self._read(regulation, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={201: AcknowledgementSerializer})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, *args, **kwargs):
        regulation = self.get_object()
        acknowledgement = acknowledgement_record(regulation=regulation, user=request.user)
        acknowledgement = Acknowledgement.objects.select_related(
            "user__person__department", "version"
        ).get(pk=acknowledgement.pk)
        return Response(AcknowledgementSerializer(acknowledgement).data, status=201)

    @extend_schema(responses=AcknowledgementSerializer(many=True))
    @action(detail=True, methods=["get"])
    def acknowledgements(self, request, *args, **kwargs):
        """Who acknowledged the version in force (overseers see everyone, others themselves)."""
        regulation = self.get_object()
        queryset = Acknowledgement.objects.filter(
            version_id=regulation.current_version_id
        ).select_related("user__person__department", "version")
        if not may_oversee(request.user, regulation):
            queryset = queryset.filter(user=request.user)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            queryset.order_by("-acknowledged_at"), request, view=self
        )
        return paginator.get_paginated_response(AcknowledgementSerializer(page, many=True).data)
