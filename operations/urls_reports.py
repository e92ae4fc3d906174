"""URLs of the work report pages (included by operations/urls.py, namespace "operations")."""

from django.urls import path

from operations import views_reports as v

urlpatterns = [
    path("reports/", v.ReportListView.as_view(), name="report_list"),
    path("reports/new/", v.ReportCreateView.as_view(), name="report_create"),
    path("reports/grid/", v.ReportGridView.as_view(), name="report_grid"),
    path("reports/schedules/", v.ReportScheduleView.as_view(), name="report_schedules"),
    path("reports/<int:pk>/", v.ReportDetailView.as_view(), name="report_detail"),
    path("reports/<int:pk>/edit/", v.ReportEditView.as_view(), name="report_edit"),
    path("reports/<int:pk>/submit/", v.ReportSubmitView.as_view(), name="report_submit"),
    path("reports/<int:pk>/return/", v.ReportReturnView.as_view(), name="report_return"),
    path("reports/<int:pk>/review/", v.ReportReviewView.as_view(), name="report_review"),
    path(
        "reports/<int:pk>/action-items/new/",
        v.ActionItemCreateView.as_view(),
        name="action_item_create",
    ),
    path("action-items/", v.ActionItemListView.as_view(), name="action_item_list"),
    path("action-items/<int:pk>/", v.ActionItemDetailView.as_view(), name="action_item_detail"),
    *[
        path(
            f"action-items/<int:pk>/{move}/",
            v.ActionItemMoveView.as_view(move=move),
            name=f"action_item_{move}",
        )
        for move in ("start", "close", "cancel", "reopen")
    ],
]
