from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from organization.models import Department, Notification, Person, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Preferences"), {"fields": ("language", "time_zone")}),
    )
    list_display = ("username", "first_name", "last_name", "email", "is_active", "is_staff")


class PersonInline(admin.StackedInline):
    model = Person
    fk_name = "user"
    can_delete = False
    autocomplete_fields = ("department", "manager")


@admin.register(Department)
class DepartmentAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "parent", "head", "active")
    list_filter = ("active", "parent")
    search_fields = ("code", "name")
    autocomplete_fields = ("parent", "head")
    list_select_related = ("parent", "head__user")


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "department", "position", "manager", "hire_date", "active")
    list_filter = ("active", "department")
    search_fields = ("user__username", "user__first_name", "user__last_name", "position")
    autocomplete_fields = ("user", "department", "manager")
    list_select_related = ("user", "department", "manager__user")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "recipient", "level", "created_at", "read_at", "emailed_at")
    list_filter = ("level",)
    search_fields = ("title", "recipient__username")
    raw_id_fields = ("recipient",)
