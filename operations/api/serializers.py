from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from operations.models import Acknowledgement, Regulation
from organization.models import Department


class StepSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    responsible_role = serializers.CharField(max_length=120)
    inputs = serializers.CharField(required=False, allow_blank=True, default="")
    outputs = serializers.CharField(required=False, allow_blank=True, default="")
    time_limit = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")


class RegulationSerializer(serializers.ModelSerializer):
    """A regulation as the user sees it: the version shown is the one being worked on for
    those who may see it, and the version in force for everyone else."""

    department = serializers.SlugRelatedField(slug_field="code", read_only=True)
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)
    audience_departments = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )
    status = serializers.SerializerMethodField()
    version = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()
    summary_of_changes = serializers.SerializerMethodField()
    version_in_force = serializers.SerializerMethodField()
    steps = serializers.SerializerMethodField()

    class Meta:
        model = Regulation
        fields = [
            "id",
            "title",
            "kind",
            "department",
            "category",
            "owner",
            "status",
            "version",
            "version_in_force",
            "body",
            "summary_of_changes",
            "steps",
            "audience_all",
            "audience_departments",
            "review_interval_months",
            "next_review_date",
            "created_at",
            "updated_at",
        ]

    def _shown(self, obj: Regulation):
        visible = self.context.get("visible_version_ids", set())
        if obj.latest_version_id and obj.latest_version_id in visible:
            return obj.latest_version
        return obj.current_version

    def get_status(self, obj) -> str | None:
        version = self._shown(obj)
        return version.status if version else None

    def get_version(self, obj) -> int | None:
        version = self._shown(obj)
        return version.number if version else None

    def get_body(self, obj) -> str:
        version = self._shown(obj)
        return version.body if version else ""

    def get_summary_of_changes(self, obj) -> str:
        version = self._shown(obj)
        return version.summary_of_changes if version else ""

    def get_version_in_force(self, obj) -> int | None:
        return obj.current_version.number if obj.current_version else None

    @extend_schema_field(StepSerializer(many=True))
    def get_steps(self, obj):
        version = self._shown(obj)
        if version is None:
            return []
        return StepSerializer(version.steps.all(), many=True).data


class RegulationWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=Regulation.Kind.choices)
    department = serializers.SlugRelatedField(
        slug_field="code", queryset=Department.objects.all(), allow_null=True, required=False
    )
    category = serializers.CharField(max_length=80, required=False, allow_blank=True)
    review_interval_months = serializers.IntegerField(min_value=1, max_value=60, required=False)
    audience_all = serializers.BooleanField(required=False)
    audience_departments = serializers.SlugRelatedField(
        slug_field="code", queryset=Department.objects.all(), many=True, required=False
    )
    body = serializers.CharField(allow_blank=False, trim_whitespace=False)
    summary_of_changes = serializers.CharField(required=False, allow_blank=True)
    steps = StepSerializer(many=True, required=False)

    def validate_body(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError(_("Write the text."))
        return value


class AcknowledgementSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")
    full_name = serializers.CharField(source="user.display_name")
    department = serializers.SerializerMethodField()
    version = serializers.IntegerField(source="version.number")

    class Meta:
        model = Acknowledgement
        fields = ["username", "full_name", "department", "version", "acknowledged_at"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_department(self, obj) -> str | None:
        person = getattr(obj.user, "person", None)
        return person.department.code if person and person.department else None
