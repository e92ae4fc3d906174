from django.contrib import admin

from approvals.models import ApprovalEvent


@admin.register(ApprovalEvent)
class ApprovalEventAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "content_type",
        "object_id",
        "action",
        "from_state",
        "to_state",
        "actor",
    )
    list_filter = ("action", "content_type")
    readonly_fields = [f.name for f in ApprovalEvent._meta.fields]
