from django.contrib import admin

from core.models import JobRun


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ("job", "period", "status", "trigger", "started_at", "finished_at", "host")
    list_filter = ("job", "status", "trigger")
    readonly_fields = [f.name for f in JobRun._meta.fields]
