from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def minutes(value: timedelta | None) -> int:
    """Whole minutes in a time span, rounded up (``15`` for a 15-minute lock)."""
    if not value:
        return 0
    return int(-(-value.total_seconds() // 60))


@register.filter(name="markdown")
def markdown_filter(value: str):
    """Render Markdown as sanitised HTML (see core.markdown)."""
    from core.markdown import render_markdown

    return render_markdown(value)


@register.filter
def pct_class(value) -> str:
    """The width class of a progress bar for a percentage (``pct-0`` to ``pct-100``, clamped),
    so that a bar needs no style attribute."""
    try:
        number = float(value or 0)
    except (TypeError, ValueError):
        number = 0.0
    return f"pct-{max(0, min(100, round(number)))}"


@register.inclusion_tag("includes/page_sections.html", takes_context=True)
def page_sections(context, slot: str, obj):
    """The sections other apps add to this page's ``slot`` for ``obj`` (see core.sections)."""
    from core.sections import sections_for

    request = context.get("request")
    return {"sections": sections_for(slot, request, obj) if request else [], "request": request}
