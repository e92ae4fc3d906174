from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from approvals.models import Action
from approvals.registry import REGISTRY
from approvals.selectors import inbox_for
from approvals.services import transition
from core.exceptions import ApplicationError, NotFound

DONE_MESSAGES = {
    Action.SUBMIT: gettext_lazy("Submitted for approval."),
    Action.APPROVE: gettext_lazy("Approved."),
    Action.RETURN: gettext_lazy("Returned for changes."),
    Action.PUBLISH: gettext_lazy("Published."),
    Action.ARCHIVE: gettext_lazy("Archived."),
}


class TransitionView(View):
    """POST: one workflow move on any approvable object, then back to where the user was."""

    def post(self, request, label: str, pk: int, action: str):
        registration = REGISTRY.get(label)
        if registration is None:
            raise Http404
        obj = get_object_or_404(registration.model.objects.for_user(request.user), pk=pk)
        try:
            transition(obj=obj, action=action, user=request.user, note=request.POST.get("note", ""))
        except NotFound:
            raise Http404 from None
        except ApplicationError as exc:  # NotAllowed included: the page says why
            messages.error(request, exc.message)
        else:
            messages.success(request, DONE_MESSAGES[action])
        next_url = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = obj.get_absolute_url()
        return redirect(next_url)


class InboxView(TemplateView):
    """Everything awaiting the user's decision, by kind."""

    template_name = "approvals/inbox.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        sections = [
            {"title": s.registration.model._meta.verbose_name_plural, "items": list(s.items)}
            for s in inbox_for(self.request.user)
        ]
        context["sections"] = sections
        context["total"] = sum(len(s["items"]) for s in sections)
        return context
