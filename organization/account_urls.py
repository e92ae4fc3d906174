"""Login, logout, password change and reset (Django's views), preferences, language."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path

from organization import views

urlpatterns = [
    path(
        "password_reset/",
        auth_views.PasswordResetView.as_view(
            extra_email_context={"portal_name": settings.PORTAL_NAME}
        ),
        name="password_reset",
    ),
    path("preferences/", views.PreferencesView.as_view(), name="preferences"),
    path("language/", views.set_language, name="set_language"),
    path("", include("django.contrib.auth.urls")),
]
