from django.conf import settings

from core import navigation


def portal(request):
    """The navigation menu and the portal's name, on every page."""
    user = getattr(request, "user", None)
    return {
        "portal_name": settings.PORTAL_NAME,
        "nav_items": navigation.menu_for(user, request.path) if user is not None else [],
    }
