from django import template

from approvals.models import Action
from approvals.registry import registration_for
from approvals.services import available_actions, events_for

register = template.Library()


@register.inclusion_tag("approvals/includes/actions.html", takes_context=True)
def approval_actions(context, obj, next_url: str = ""):
    """The workflow buttons ``request.user`` may use on ``obj``, and its approval history."""
    request = context["request"]
    actions = available_actions(obj=obj, user=request.user)
    return {
        "obj": obj,
        "label": registration_for(obj).label,
        "actions": [(a, Action(a).label) for a in actions],
        "events": events_for(obj),
        "next_url": next_url or request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }
