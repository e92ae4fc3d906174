from django.urls import path

from core import views

app_name = "core"

urlpatterns = [
    path("jobs/", views.JobRunListView.as_view(), name="jobrun_list"),
    path("jobs/<slug:name>/run/", views.JobRunNowView.as_view(), name="jobrun_run"),
]
