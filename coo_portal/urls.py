from django.contrib import admin
from django.urls import include, path

from core.views import HomeView, healthz

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("healthz", healthz, name="healthz"),
    path("", include("core.urls")),
    path("org/", include("organization.urls")),
    path("operations/", include("operations.urls")),
    path("approvals/", include("approvals.urls")),
    path("accounts/", include("organization.account_urls")),
    path("admin/", admin.site.urls),
    path("api/", include("coo_portal.api_urls")),
]

handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
# Uploaded files are never served as plain media: each app serves its files through a view
# that applies the user's scope (for example a regulation's attachments).
