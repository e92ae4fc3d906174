"""Pages of ad hoc assignments (COO duty 11).

Every queryset starts from ``Assignment.objects.for_user``: an assignment the user may not see
answers 404 like a missing one. The moves are POST forms calling one service each.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from core.exceptions import ApplicationError
from core.exports import Column
from core.views import FilteredListView, PredicateRequiredMixin, add_service_error
from operations.forms import AttachmentForm
from operations.forms_assignments import (
    SCOPES,
    AssignmentFilterSet,
    AssignmentForm,
    CommentForm,
    ReasonForm,
)
from operations.models import Assignment
from operations.services import assignments as services
from organization.roles import is_company_wide

ASSIGNMENT_COLUMNS = [
    Column(gettext_lazy("Title"), lambda a: a.title),
    Column(gettext_lazy("Priority"), lambda a: a.get_priority_display()),
    Column(gettext_lazy("Status"), lambda a: a.get_status_display()),
    Column(gettext_lazy("Due date"), lambda a: a.due_date),
    Column(gettext_lazy("Overdue"), lambda a: _("yes") if a.is_overdue else ""),
    Column(gettext_lazy("Assignee"), lambda a: a.assignee.username if a.assignee else ""),
    Column(gettext_lazy("Department"), lambda a: a.department.code if a.department else ""),
    Column(gettext_lazy("Assigned by"), lambda a: a.assigned_by.username),
    Column(gettext_lazy("Created"), lambda a: a.created_at),
]


def _assignments(user):
    return Assignment.objects.for_user(user).with_people()


def scopes_for(user) -> list[tuple[str, str]]:
    """The list's tabs: "assigned by me" for assigners; "all" is everything the user may see
    (the whole company for CEO, COO and auditor; their departments for heads and managers)."""
    return [(key, label) for key, label in SCOPES if key != "by_me" or services.may_assign(user)]


def default_scope(user) -> str:
    if services.may_assign(user):
        return "by_me"
    return "all" if is_company_wide(user) else "mine"


class AssignmentListView(FilteredListView):
    """Assigned by me, assigned to me or my department, or all (by the ``scope`` parameter)."""

    template_name = "operations/assignments/assignment_list.html"
    filterset_class = AssignmentFilterSet
    export_columns = ASSIGNMENT_COLUMNS
    export_filename = "assignments"

    def scope(self) -> str:
        user = self.request.user
        wanted = self.request.GET.get("scope", "")
        allowed = [key for key, _label in scopes_for(user)]
        return wanted if wanted in allowed else default_scope(user)

    def get_base_queryset(self):
        user = self.request.user
        queryset = _assignments(user)
        scope = self.scope()
        if scope == "by_me":
            queryset = queryset.filter(assigned_by=user)
        elif scope == "mine":
            queryset = queryset.mine(user)
        return queryset.order_by("due_date", "pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        query = self.request.GET.copy()
        for key in ("page", "export", "scope"):
            query.pop(key, None)
        context["assignments"] = context["object_list"]
        context["scope"] = self.scope()
        context["scopes"] = scopes_for(user)
        context["filters_query"] = query.urlencode()
        context["may_create"] = services.may_assign(user)
        context["today"] = timezone.localdate()
        return context


class AssignmentCreateView(PredicateRequiredMixin, View):
    """A new assignment (the CEO and the COO)."""

    template_name = "operations/assignments/assignment_form.html"
    predicate = staticmethod(services.may_assign)

    def get(self, request):
        return render(request, self.template_name, {"form": AssignmentForm()})

    def post(self, request):
        form = AssignmentForm(request.POST)
        if form.is_valid():
            try:
                assignment = services.assignment_create(user=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("Assignment created."))
                return redirect(assignment)
        return render(request, self.template_name, {"form": form})


class AssignmentDetailView(View):
    """The assignment, its timeline of updates and the moves the user may make."""

    template_name = "operations/assignments/assignment_detail.html"

    def get(self, request, pk: int, reopen_form=None, comment_form=None):
        assignment = get_object_or_404(_assignments(request.user), pk=pk)
        updates = assignment.updates.select_related("author").order_by("created_at", "pk")
        moves = services.allowed_moves(request.user, assignment)
        attachments = assignment.attachments.select_related("uploaded_by")
        return render(
            request,
            self.template_name,
            {
                "assignment": assignment,
                "updates": list(updates),
                "moves": moves,
                "attachments": list(attachments),
                "may_attach": "comment" in moves
                and assignment.status
                not in (Assignment.Status.CLOSED, Assignment.Status.CANCELLED),
                "attachment_form": AttachmentForm(),
                "reopen_form": reopen_form or ReasonForm(),
                "comment_form": comment_form or CommentForm(),
            },
        )


MOVES = {
    "start": (services.assignment_start, gettext_lazy("Work started.")),
    "complete": (services.assignment_complete, gettext_lazy("Marked as done.")),
    "confirm": (services.assignment_confirm, gettext_lazy("Confirmed and closed.")),
    "cancel": (services.assignment_cancel, gettext_lazy("Assignment cancelled.")),
}


class AssignmentMoveView(View):
    """POST: one move (start, complete, confirm, cancel) by its service."""

    move = ""

    def post(self, request, pk: int):
        assignment = get_object_or_404(_assignments(request.user), pk=pk)
        service, done = MOVES[self.move]
        try:
            service(assignment=assignment, user=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, done)
        return redirect(assignment)


def _form_move(request, pk: int, *, form_class, form_name: str, perform, done: str):
    """POST a small form (a reason, a comment) that calls a service: a refusal is shown on the
    form, or as a message when the move is not the user's to make."""
    assignment = get_object_or_404(_assignments(request.user), pk=pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            perform(assignment, form.cleaned_data)
        except ApplicationError as exc:
            if exc.status_code == 403:
                messages.error(request, exc.message)
                return redirect(assignment)
            add_service_error(form, exc)
        else:
            messages.success(request, done)
            return redirect(assignment)
    response = AssignmentDetailView().get(request, pk, **{form_name: form})
    response.status_code = 400
    return response


class AssignmentReopenView(View):
    """POST with a reason: the assigner sends a done task back to work."""

    def post(self, request, pk: int):
        return _form_move(
            request,
            pk,
            form_class=ReasonForm,
            form_name="reopen_form",
            perform=lambda assignment, data: services.assignment_reopen(
                assignment=assignment, user=request.user, reason=data["reason"]
            ),
            done=_("Assignment reopened."),
        )


class AssignmentCommentView(View):
    """POST: a comment in the timeline."""

    def post(self, request, pk: int):
        return _form_move(
            request,
            pk,
            form_class=CommentForm,
            form_name="comment_form",
            perform=lambda assignment, data: services.assignment_comment(
                assignment=assignment, user=request.user, text=data["text"]
            ),
            done=_("Comment added."),
        )


class AssignmentAttachmentAddView(View):
    """POST (multipart): attach a file; refusals come back as a message."""

    def post(self, request, pk: int):
        assignment = get_object_or_404(_assignments(request.user), pk=pk)
        form = AttachmentForm(request.POST, request.FILES)
        if not form.is_valid():
            for error in form.errors.get("file", []):
                messages.error(request, error)
            return redirect(assignment)
        try:
            attachment = services.assignment_attachment_add(
                assignment=assignment, user=request.user, upload=form.cleaned_data["file"]
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%(name)s is attached.") % {"name": attachment.name})
        return redirect(assignment)


class AssignmentAttachmentDownloadView(View):
    """GET: the file, for those who may see the assignment (media is not public)."""

    def get(self, request, pk: int, attachment_id: int):
        assignment = get_object_or_404(_assignments(request.user), pk=pk)
        attachment = get_object_or_404(assignment.attachments, pk=attachment_id)
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        return FileResponse(handle, as_attachment=True, filename=attachment.name)
