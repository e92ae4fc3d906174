"""URLs of the coordination request pages (included by operations/urls.py)."""

from django.urls import path

from operations import views_coordination as v

urlpatterns = [
    path("coordination/", v.CoordinationListView.as_view(), name="coordination_list"),
    path("coordination/new/", v.CoordinationCreateView.as_view(), name="coordination_create"),
    path("coordination/matrix/", v.CoordinationMatrixView.as_view(), name="coordination_matrix"),
    path(
        "coordination/service-levels/",
        v.ServiceLevelView.as_view(),
        name="coordination_service_levels",
    ),
    path("coordination/<int:pk>/", v.CoordinationDetailView.as_view(), name="coordination_detail"),
    *[
        path(
            f"coordination/<int:pk>/{move}/",
            v.CoordinationMoveView.as_view(move=move),
            name=f"coordination_{move}",
        )
        for move in ("accept", "decline", "start", "resolve", "close", "reopen")
    ],
    path(
        "coordination/<int:pk>/comment/",
        v.CoordinationCommentView.as_view(),
        name="coordination_comment",
    ),
    path(
        "coordination/<int:pk>/reassign/",
        v.CoordinationReassignView.as_view(),
        name="coordination_reassign",
    ),
    path(
        "coordination/<int:pk>/attachments/",
        v.CoordinationAttachmentAddView.as_view(),
        name="coordination_attachment_add",
    ),
    path(
        "coordination/<int:pk>/attachments/<int:attachment_id>/",
        v.CoordinationAttachmentDownloadView.as_view(),
        name="coordination_attachment_download",
    ),
]
