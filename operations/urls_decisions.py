"""URLs of the decision queue pages (included by operations/urls.py)."""

from django.urls import path

from operations import views_decisions as v

urlpatterns = [
    path("decisions/", v.DecisionQueueView.as_view(), name="decision_queue"),
    path("decisions/log/", v.DecisionLogView.as_view(), name="decision_log"),
    path("decisions/new/", v.DecisionCreateView.as_view(), name="decision_create"),
    path("decisions/<int:pk>/", v.DecisionDetailView.as_view(), name="decision_detail"),
    path("decisions/<int:pk>/decide/", v.DecisionDecideView.as_view(), name="decision_decide"),
    path(
        "decisions/<int:pk>/request-info/",
        v.DecisionRequestInfoView.as_view(),
        name="decision_request_info",
    ),
    path(
        "decisions/<int:pk>/provide-info/",
        v.DecisionProvideInfoView.as_view(),
        name="decision_provide_info",
    ),
    path("decisions/<int:pk>/defer/", v.DecisionDeferView.as_view(), name="decision_defer"),
]
