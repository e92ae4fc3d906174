from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from organization.models import Department, Notification, Person
from organization.roles import Role


class DepartmentSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(
        slug_field="code", queryset=Department.objects.all(), allow_null=True, required=False
    )
    head = serializers.SerializerMethodField()
    headcount = serializers.SerializerMethodField()

    class Meta:
        model = Department
        fields = ["id", "code", "name", "description", "parent", "head", "headcount", "active"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_head(self, obj: Department) -> str | None:
        return obj.head.user.username if obj.head else None

    def get_headcount(self, obj: Department) -> int:
        return getattr(obj, "headcount", 0)


@extend_schema_field(serializers.CharField(help_text="username"))
class PersonByUsernameField(serializers.SlugRelatedField):
    """A person given by their login's username."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="user__username", queryset=Person.objects.all(), **kwargs)

    def to_representation(self, obj: Person) -> str:
        return obj.user.username


class DepartmentWriteSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(
        slug_field="code", queryset=Department.objects.all(), allow_null=True, required=False
    )
    head = PersonByUsernameField(allow_null=True, required=False)

    class Meta:
        model = Department
        fields = ["code", "name", "description", "parent", "head", "active"]
        # Uniqueness is checked by the service, which gives the same message as the pages.
        extra_kwargs = {"code": {"validators": []}}


class PersonSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")
    full_name = serializers.CharField()
    first_name = serializers.CharField(source="user.first_name")
    last_name = serializers.CharField(source="user.last_name")
    email = serializers.EmailField(source="user.email")
    department = serializers.SlugRelatedField(slug_field="code", read_only=True)
    manager = serializers.SerializerMethodField()
    roles = serializers.ListField(source="role_names", child=serializers.CharField())

    class Meta:
        model = Person
        fields = [
            "id",
            "username",
            "full_name",
            "first_name",
            "last_name",
            "email",
            "department",
            "position",
            "manager",
            "hire_date",
            "phone",
            "active",
            "roles",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_manager(self, obj: Person) -> str | None:
        return obj.manager.user.username if obj.manager else None


class PersonWriteSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150)
    email = serializers.EmailField(required=False, allow_blank=True)
    department = serializers.SlugRelatedField(
        slug_field="code", queryset=Department.objects.all(), allow_null=True, required=False
    )
    position = serializers.CharField(max_length=120, required=False, allow_blank=True)
    manager = PersonByUsernameField(allow_null=True, required=False)
    hire_date = serializers.DateField(required=False, allow_null=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.choices), required=False
    )
    active = serializers.BooleanField(required=False)

    def validate_username(self, value: str) -> str:
        if self.instance is not None and value != self.instance.user.username:
            raise serializers.ValidationError(_("The username cannot be changed."))
        return value


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField()
    email = serializers.EmailField()
    roles = serializers.ListField(child=serializers.CharField())
    department = serializers.CharField(allow_null=True)
    position = serializers.CharField(allow_null=True)
    language = serializers.CharField()
    time_zone = serializers.CharField()


class NotificationSerializer(serializers.ModelSerializer):
    read = serializers.BooleanField(source="is_read", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "title", "body", "url", "level", "created_at", "read_at", "read"]
