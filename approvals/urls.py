from django.urls import path

from approvals import views

app_name = "approvals"

urlpatterns = [
    path("", views.InboxView.as_view(), name="inbox"),
    path(
        "<str:label>/<int:pk>/<slug:action>/",
        views.TransitionView.as_view(),
        name="transition",
    ),
]
