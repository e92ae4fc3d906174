from django.urls import path

from organization import views

app_name = "organization"

urlpatterns = [
    path("departments/", views.DepartmentListView.as_view(), name="department_list"),
    path("departments/new/", views.DepartmentCreateView.as_view(), name="department_create"),
    path("departments/<str:code>/", views.DepartmentDetailView.as_view(), name="department_detail"),
    path(
        "departments/<str:code>/edit/", views.DepartmentUpdateView.as_view(), name="department_edit"
    ),
    path("people/", views.PersonListView.as_view(), name="person_list"),
    path("people/new/", views.PersonCreateView.as_view(), name="person_create"),
    path("people/<str:username>/", views.PersonDetailView.as_view(), name="person_detail"),
    path("people/<str:username>/edit/", views.PersonUpdateView.as_view(), name="person_edit"),
    path("notifications/", views.NotificationListView.as_view(), name="notification_list"),
    path(
        "notifications/read-all/",
        views.NotificationReadAllView.as_view(),
        name="notification_read_all",
    ),
    path(
        "notifications/<int:pk>/read/",
        views.NotificationReadView.as_view(),
        name="notification_read",
    ),
]
