"""Login, logout, password change and reset (Django's views), preferences, language."""

from django.urls import include, path

from organization import views

urlpatterns = [
    path("preferences/", views.PreferencesView.as_view(), name="preferences"),
    path("language/", views.set_language, name="set_language"),
    path("", include("django.contrib.auth.urls")),
]
