from django.conf import settings
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

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
