from django.urls import path

from operations import views, views_assignments
from operations.urls_coordination import urlpatterns as coordination_urls
from operations.urls_decisions import urlpatterns as decision_urls
from operations.urls_plans import urlpatterns as plan_urls
from operations.urls_reports import urlpatterns as report_urls

app_name = "operations"

urlpatterns = [
    path("regulations/", views.RegulationListView.as_view(), name="regulation_list"),
    path("regulations/new/", views.RegulationCreateView.as_view(), name="regulation_create"),
    path(
        "regulations/to-acknowledge/",
        views.ToAcknowledgeListView.as_view(),
        name="regulation_to_acknowledge",
    ),
    path(
        "regulations/compliance/",
        views.ComplianceView.as_view(),
        name="regulation_compliance",
    ),
    path(
        "regulations/due-for-review/",
        views.DueForReviewListView.as_view(),
        name="regulation_due_for_review",
    ),
    path("regulations/<int:pk>/", views.RegulationDetailView.as_view(), name="regulation_detail"),
    path("regulations/<int:pk>/edit/", views.RegulationEditView.as_view(), name="regulation_edit"),
    path(
        "regulations/<int:pk>/new-version/",
        views.RegulationNewVersionView.as_view(),
        name="regulation_new_version",
    ),
    path(
        "regulations/<int:pk>/acknowledge/",
        views.RegulationAcknowledgeView.as_view(),
        name="regulation_acknowledge",
    ),
    path(
        "regulations/<int:pk>/attachments/",
        views.AttachmentAddView.as_view(),
        name="regulation_attachment_add",
    ),
    path(
        "regulations/<int:pk>/attachments/<int:attachment_id>/",
        views.AttachmentDownloadView.as_view(),
        name="regulation_attachment_download",
    ),
    path(
        "regulations/<int:pk>/attachments/<int:attachment_id>/delete/",
        views.AttachmentDeleteView.as_view(),
        name="regulation_attachment_delete",
    ),
    path("regulations/<int:pk>/diff/", views.RegulationDiffView.as_view(), name="regulation_diff"),
    path(
        "regulations/<int:pk>/not-acknowledged/",
        views.NotAcknowledgedListView.as_view(),
        name="regulation_not_acknowledged",
    ),
    path("assignments/", views_assignments.AssignmentListView.as_view(), name="assignment_list"),
    path(
        "assignments/new/",
        views_assignments.AssignmentCreateView.as_view(),
        name="assignment_create",
    ),
    path(
        "assignments/<int:pk>/",
        views_assignments.AssignmentDetailView.as_view(),
        name="assignment_detail",
    ),
    *[
        path(
            f"assignments/<int:pk>/{move}/",
            views_assignments.AssignmentMoveView.as_view(move=move),
            name=f"assignment_{move}",
        )
        for move in views_assignments.MOVES
    ],
    path(
        "assignments/<int:pk>/reopen/",
        views_assignments.AssignmentReopenView.as_view(),
        name="assignment_reopen",
    ),
    path(
        "assignments/<int:pk>/comment/",
        views_assignments.AssignmentCommentView.as_view(),
        name="assignment_comment",
    ),
    path(
        "assignments/<int:pk>/attachments/",
        views_assignments.AssignmentAttachmentAddView.as_view(),
        name="assignment_attachment_add",
    ),
    path(
        "assignments/<int:pk>/attachments/<int:attachment_id>/",
        views_assignments.AssignmentAttachmentDownloadView.as_view(),
        name="assignment_attachment_download",
    ),
]
urlpatterns += plan_urls + report_urls + coordination_urls + decision_urls
