import zoneinfo

from django.utils import timezone, translation


class UserPreferencesMiddleware:
    """Show pages in the user's own time zone, and language when they chose one.

    The language switcher's cookie, when present, wins over the stored preference, so that a
    switch takes effect at once; the browser's language is the default for everyone else.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if user.time_zone:
                try:
                    timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
                except zoneinfo.ZoneInfoNotFoundError:
                    timezone.deactivate()
            else:
                timezone.deactivate()
            from django.conf import settings

            if user.language and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
        else:
            timezone.deactivate()
        return self.get_response(request)
