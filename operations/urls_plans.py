"""URLs of the annual plan pages (included by operations/urls.py, namespace "operations")."""

from django.urls import path

from operations import views_plans as v

urlpatterns = [
    path("plans/", v.PlanListView.as_view(), name="plan_list"),
    path("plans/new/", v.PlanCreateView.as_view(), name="plan_create"),
    path("plans/timeline/", v.PlanTimelineView.as_view(), name="plan_timeline"),
    path("plans/my-milestones/", v.MyMilestonesView.as_view(), name="my_milestones"),
    path("plans/<int:pk>/", v.PlanDetailView.as_view(), name="plan_detail"),
    path("plans/<int:pk>/r/<int:number>/", v.PlanRevisionView.as_view(), name="plan_revision"),
    path("plans/<int:pk>/new-revision/", v.PlanNewRevisionView.as_view(), name="plan_new_revision"),
    path(
        "plans/<int:pk>/revision/edit/", v.PlanRevisionEditView.as_view(), name="plan_revision_edit"
    ),
    path(
        "plans/<int:pk>/objectives/new/", v.ObjectiveCreateView.as_view(), name="objective_create"
    ),
    path("objectives/<int:pk>/", v.ObjectiveDetailView.as_view(), name="objective_detail"),
    path("objectives/<int:pk>/edit/", v.ObjectiveEditView.as_view(), name="objective_edit"),
    path("objectives/<int:pk>/delete/", v.ObjectiveDeleteView.as_view(), name="objective_delete"),
    path(
        "objectives/<int:pk>/progress/", v.ProgressRecordView.as_view(), name="objective_progress"
    ),
    path(
        "objectives/<int:pk>/milestones/new/",
        v.MilestoneCreateView.as_view(),
        name="milestone_create",
    ),
    path("milestones/<int:pk>/edit/", v.MilestoneEditView.as_view(), name="milestone_edit"),
    path("milestones/<int:pk>/delete/", v.MilestoneDeleteView.as_view(), name="milestone_delete"),
    path("milestones/<int:pk>/update/", v.MilestoneUpdateView.as_view(), name="milestone_update"),
    path(
        "milestones/<int:pk>/evidence/",
        v.MilestoneEvidenceView.as_view(),
        name="milestone_evidence",
    ),
]
