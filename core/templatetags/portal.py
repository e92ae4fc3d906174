from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def minutes(value: timedelta | None) -> int:
    """Whole minutes in a time span, rounded up (``15`` for a 15-minute lock)."""
    if not value:
        return 0
    return int(-(-value.total_seconds() // 60))
