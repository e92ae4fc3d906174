"""Pages of coordination requests between departments (COO duty 3).

Every queryset starts from ``CoordinationRequest.objects.for_user``: a request the user's
departments neither sent nor received answers 404 like a missing one. The moves, comments,
attachments and reassignment are POST forms calling one service each; a refusal comes back on
the form that asked (400, nothing written) or as a message.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from core.exceptions import ApplicationError
from core.exports import Column
from core.views import FilteredListView, PredicateRequiredMixin, add_service_error
from operations.filtersets_coordination import (
    ACTIVE,
    CoordinationRequestFilterSet,
    inbox_q,
    my_department_ids,
    outbox_q,
)
from operations.forms import AttachmentForm
from operations.forms_coordination import (
    PRIORITIES,
    CommentForm,
    CoordinationRequestForm,
    ReasonForm,
    ReassignForm,
    ResolutionForm,
    ServiceLevelForm,
)
from operations.models import CoordinationRequest
from operations.services import coordination as services
from organization.models import Department, User
from organization.roles import Role, has_role, is_company_wide

Status = CoordinationRequest.Status


def _requests(user):
    return CoordinationRequest.objects.for_user(user).with_relations()


def _yes(value: bool) -> str:
    return _("yes") if value else ""


def _username(user: User | None) -> str:
    return user.username if user is not None else ""


COORDINATION_COLUMNS = [
    Column(gettext_lazy("Number"), lambda r: r.pk),
    Column(gettext_lazy("Subject"), lambda r: r.subject),
    Column(gettext_lazy("From department"), lambda r: r.from_department.code),
    Column(gettext_lazy("To department"), lambda r: r.to_department.code),
    Column(gettext_lazy("Priority"), lambda r: r.get_priority_display()),
    Column(gettext_lazy("Status"), lambda r: r.get_status_display()),
    Column(gettext_lazy("Needed by"), lambda r: r.needed_by),
    Column(gettext_lazy("Past needed-by"), lambda r: _yes(r.is_past_needed_by)),
    Column(gettext_lazy("Requested by"), lambda r: r.requested_by.username),
    Column(gettext_lazy("Handled by"), lambda r: _username(r.handler)),
    Column(gettext_lazy("Created"), lambda r: r.created_at),
    Column(gettext_lazy("First response due"), lambda r: r.response_due_at),
    Column(gettext_lazy("First response at"), lambda r: r.first_response_at),
    Column(gettext_lazy("Response target missed"), lambda r: _yes(r.response_breached)),
    Column(gettext_lazy("Resolution due"), lambda r: r.resolution_due_at),
    Column(gettext_lazy("Resolved at"), lambda r: r.resolved_at),
    Column(gettext_lazy("Resolution target missed"), lambda r: _yes(r.resolution_breached)),
    Column(gettext_lazy("Closed at"), lambda r: r.closed_at),
    Column(gettext_lazy("Times reopened"), lambda r: r.reopen_count),
]


# -- who may do what on the pages --------------------------------------------------------------


def from_departments(user: User):
    """The departments ``user`` may ask on behalf of (the service re-checks)."""
    if has_role(user, Role.COO):
        return Department.objects.active().order_by("name")
    if has_role(user, Role.DEPARTMENT_HEAD, Role.MANAGER):
        return Department.objects.filter(pk__in=my_department_ids(user), active=True).order_by(
            "name"
        )
    return Department.objects.none()


def may_create(user: User) -> bool:
    """Heads and managers for their departments; the COO for any department."""
    if has_role(user, Role.COO):
        return True
    return has_role(user, Role.DEPARTMENT_HEAD, Role.MANAGER) and bool(my_department_ids(user))


def may_see_matrix(user: User) -> bool:
    """The matrix, the figures and the service levels: CEO, COO and auditor."""
    return is_company_wide(user)


def may_set_service_levels(user: User) -> bool:
    return has_role(user, Role.COO)


# -- the list ----------------------------------------------------------------------------------

BOXES = [
    ("inbox", gettext_lazy("To my department")),
    ("outbox", gettext_lazy("From my department")),
    ("all", gettext_lazy("All I may see")),
]


def default_box(user: User) -> str:
    return "all" if is_company_wide(user) else "inbox"


class CoordinationListView(FilteredListView):
    """Inbox, outbox or all (``?box=``), with filters, search, pagination and export."""

    template_name = "operations/coordination/coordination_list.html"
    filterset_class = CoordinationRequestFilterSet
    export_columns = COORDINATION_COLUMNS
    export_filename = "coordination-requests"

    def box(self) -> str:
        wanted = self.request.GET.get("box", "")
        return wanted if wanted in dict(BOXES) else default_box(self.request.user)

    def get_base_queryset(self):
        user = self.request.user
        queryset = _requests(user)
        box = self.box()
        if box == "inbox":
            queryset = queryset.filter(inbox_q(user))
        elif box == "outbox":
            queryset = queryset.filter(outbox_q(user))
        return queryset.order_by("-created_at", "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        query = self.request.GET.copy()
        for key in ("page", "export", "box"):
            query.pop(key, None)
        context.update(
            coordination_requests=context["object_list"],
            box=self.box(),
            boxes=BOXES,
            filters_query=query.urlencode(),
            may_create=may_create(user),
            may_see_matrix=may_see_matrix(user),
        )
        return context


# -- creating ----------------------------------------------------------------------------------


class CoordinationCreateView(PredicateRequiredMixin, View):
    """A new request from one of the user's departments (any department for the COO), with an
    optional attachment; the request and its file are saved together or not at all."""

    template_name = "operations/coordination/coordination_form.html"
    predicate = staticmethod(may_create)

    def form(self, data=None, files=None) -> CoordinationRequestForm:
        user = self.request.user
        choices = from_departments(user)
        initial = {}
        person = getattr(user, "person", None)
        if person is not None and person.department_id is not None:
            initial["from_department"] = (
                choices.filter(pk=person.department_id).values_list("code", flat=True).first()
            )
        return CoordinationRequestForm(data, files, from_departments=choices, initial=initial)

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": self.form()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self.form(request.POST, request.FILES)
        if form.is_valid():
            data = dict(form.cleaned_data)
            upload = data.pop("file", None)
            try:
                with transaction.atomic():
                    created = services.request_create(user=request.user, **data)
                    if upload:
                        services.attachment_add(request=created, user=request.user, upload=upload)
            except ApplicationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(
                    request,
                    _("Request sent to %(department)s.") % {"department": created.to_department},
                )
                return redirect(created)
        return render(request, self.template_name, {"form": form}, status=400)


# -- the detail page and its forms -------------------------------------------------------------


def _service_level_state(due: dt.datetime, done: dt.datetime | None, breached: bool) -> str:
    if breached:
        return "breached"
    if done is not None:
        return "met"
    return "pending"


def service_level_rows(item: CoordinationRequest) -> list[dict]:
    """The two targets of a request: when each is due, when it was met, and its state."""
    resolution_state = _service_level_state(
        item.resolution_due_at, item.resolved_at, item.resolution_breached
    )
    if resolution_state == "pending" and item.status not in CoordinationRequest.ACTIVE:
        resolution_state = "none"  # declined: nothing to resolve
    return [
        {
            "key": "response",
            "label": _("First response"),
            "due": item.response_due_at,
            "done": item.first_response_at,
            "state": _service_level_state(
                item.response_due_at, item.first_response_at, item.response_breached
            ),
        },
        {
            "key": "resolution",
            "label": _("Resolution"),
            "due": item.resolution_due_at,
            "done": item.resolved_at,
            "state": resolution_state,
        },
    ]


def render_detail(request: HttpRequest, pk: int, *, status: int = 200, **forms) -> HttpResponse:
    """The detail page, with any bound form given (after a refusal) in place of a blank one."""
    user = request.user
    item = get_object_or_404(_requests(user), pk=pk)
    moves = services.allowed_moves(user, item)
    updates = item.updates.select_related("author").order_by("created_at", "pk")
    attachments = item.attachments.select_related("uploaded_by")
    context = {
        "coordination": item,
        "moves": moves,
        "updates": list(updates),
        "attachments": list(attachments),
        "service_levels": service_level_rows(item),
        "attachment_form": forms.get("attachment_form") or AttachmentForm(),
        "decline_form": forms.get("decline_form") or ReasonForm(prefix="decline"),
        "reopen_form": forms.get("reopen_form") or ReasonForm(prefix="reopen"),
        "resolve_form": forms.get("resolve_form") or ResolutionForm(prefix="resolve"),
        "comment_form": forms.get("comment_form") or CommentForm(),
    }
    if "reassign" in moves:
        context["reassign_form"] = forms.get("reassign_form") or ReassignForm()
        context["handler_suggestions"] = list(
            User.objects.filter(
                is_active=True, person__active=True, person__department=item.to_department_id
            )
            .order_by("last_name", "first_name", "username")
            .only("username", "first_name", "last_name")
        )
    return render(
        request, "operations/coordination/coordination_detail.html", context, status=status
    )


class CoordinationDetailView(View):
    """Everything about a request: its targets, thread, attachments and the allowed moves."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return render_detail(request, pk)


#: The moves that carry a text: their form and the form's field.
TEXT_MOVES = {
    "decline": (ReasonForm, "reason"),
    "reopen": (ReasonForm, "reason"),
    "resolve": (ResolutionForm, "resolution"),
}
DONE = {
    "accept": gettext_lazy("Request accepted."),
    "decline": gettext_lazy("Request declined."),
    "start": gettext_lazy("Work started."),
    "resolve": gettext_lazy("Marked as resolved; the requester is asked to confirm."),
    "close": gettext_lazy("Request closed."),
    "reopen": gettext_lazy("Request reopened."),
}


class CoordinationMoveView(View):
    """POST: one move (accept, decline, start, resolve, close, reopen) by the service."""

    move = ""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        item = get_object_or_404(_requests(request.user), pk=pk)
        form, text = None, ""
        if self.move in TEXT_MOVES:
            form_class, field = TEXT_MOVES[self.move]
            form = form_class(request.POST, prefix=self.move)
            if form.is_valid():
                text = form.cleaned_data[field]
        try:
            services.request_move(request=item, user=request.user, move=self.move, text=text)
        except ApplicationError as exc:
            if form is not None and exc.field:
                add_service_error(form, exc)
                return render_detail(request, pk, status=400, **{f"{self.move}_form": form})
            messages.error(request, exc.message)
        else:
            messages.success(request, DONE[self.move])
        return redirect(item)


class CoordinationCommentView(View):
    """POST: a message in the thread."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        item = get_object_or_404(_requests(request.user), pk=pk)
        form = CommentForm(request.POST)
        form.is_valid()
        try:
            services.request_comment(
                request=item, user=request.user, text=form.cleaned_data.get("text", "")
            )
        except ApplicationError as exc:
            if exc.status_code == 403:
                messages.error(request, exc.message)
                return redirect(item)
            add_service_error(form, exc)
            return render_detail(request, pk, status=400, comment_form=form)
        messages.success(request, _("Comment added."))
        return redirect(item)


class CoordinationReassignView(View):
    """POST: the COO sends the request to another department and/or names its handler."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        item = get_object_or_404(_requests(request.user), pk=pk)
        if not services.may_step_in(request.user):
            messages.error(request, _("Only the COO reassigns requests."))
            return redirect(item)
        form = ReassignForm(request.POST)
        if form.is_valid():
            try:
                services.request_reassign(request=item, user=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                if exc.status_code == 403:
                    messages.error(request, exc.message)
                    return redirect(item)
                add_service_error(form, exc)
            else:
                messages.success(request, _("Request reassigned."))
                return redirect(item)
        return render_detail(request, pk, status=400, reassign_form=form)


class CoordinationAttachmentAddView(View):
    """POST (multipart): attach a file; refusals come back as a message."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        item = get_object_or_404(_requests(request.user), pk=pk)
        form = AttachmentForm(request.POST, request.FILES)
        if not form.is_valid():
            for error in form.errors.get("file", []):
                messages.error(request, error)
            return redirect(item)
        try:
            attachment = services.attachment_add(
                request=item, user=request.user, upload=form.cleaned_data["file"]
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%(name)s is attached.") % {"name": attachment.name})
        return redirect(item)


class CoordinationAttachmentDownloadView(View):
    """GET: the file, for those who may see the request (media is not public)."""

    def get(self, request: HttpRequest, pk: int, attachment_id: int) -> FileResponse:
        item = get_object_or_404(_requests(request.user), pk=pk)
        attachment = get_object_or_404(item.attachments, pk=attachment_id)
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        return FileResponse(handle, as_attachment=True, filename=attachment.name)


# -- the matrix, the figures and the service levels --------------------------------------------


def figures_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last twelve months, today included."""
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        year_ago = today.replace(year=today.year - 1, day=28)
    return year_ago + dt.timedelta(days=1), today


def duration_shown(value: dt.timedelta | None) -> dict | None:
    """A duration in hours under two days, in days from there."""
    if value is None:
        return None
    hours = value.total_seconds() / 3600
    if hours < 48:
        return {"value": hours, "unit": "hours"}
    return {"value": hours / 24, "unit": "days"}


class CoordinationMatrixView(PredicateRequiredMixin, View):
    """Open requests by department that asked (rows) and department asked (columns); each
    count links to those requests. Below, each department's figures over twelve months."""

    template_name = "operations/coordination/coordination_matrix.html"
    predicate = staticmethod(may_see_matrix)

    def get(self, request: HttpRequest) -> HttpResponse:
        departments, counts = services.open_matrix(
            CoordinationRequest.objects.for_user(request.user)
        )
        show_all = request.GET.get("all") == "1"
        senders = {pair[0] for pair in counts}
        receivers = {pair[1] for pair in counts}
        row_departments = [d for d in departments if show_all or d.pk in senders]
        columns = [d for d in departments if show_all or d.pk in receivers]
        list_url = reverse("operations:coordination_list")

        def link(**params: str) -> str:
            return f"{list_url}?{urlencode({'box': 'all', 'status': ACTIVE, **params})}"

        rows = []
        for department in row_departments:
            cells = []
            for column in columns:
                n = counts.get((department.pk, column.pk), 0)
                url = link(from_department=department.code, to_department=column.code)
                cells.append({"count": n, "url": url if n else ""})
            total = sum(cell["count"] for cell in cells)
            rows.append(
                {
                    "department": department,
                    "cells": cells,
                    "total": total,
                    "url": link(from_department=department.code) if total else "",
                }
            )
        column_totals = []
        for index, column in enumerate(columns):
            n = sum(row["cells"][index]["count"] for row in rows)
            column_totals.append({"count": n, "url": link(to_department=column.code) if n else ""})

        since, until = figures_period(timezone.localdate())
        figures = services.department_figures(since=since, until=until)
        names = {d.pk: d for d in departments}
        missing = [pk for pk in figures if pk not in names]
        if missing:
            names.update({d.pk: d for d in Department.objects.filter(pk__in=missing)})
        figure_rows = sorted(
            (
                {
                    "department": names[pk],
                    **row,
                    "average_shown": duration_shown(row["average_resolution"]),
                }
                for pk, row in figures.items()
            ),
            key=lambda row: row["department"].name,
        )
        return render(
            request,
            self.template_name,
            {
                "columns": columns,
                "rows": rows,
                "column_totals": column_totals,
                "total": sum(counts.values()),
                "total_url": link(),
                "show_all": show_all,
                "figures": figure_rows,
                "since": since,
                "until": until,
            },
        )


class ServiceLevelView(PredicateRequiredMixin, View):
    """The targets per priority: the COO edits them, the CEO and the auditor read them."""

    template_name = "operations/coordination/service_levels.html"
    predicate = staticmethod(may_see_matrix)

    def context(self, form=None) -> dict:
        user = self.request.user
        targets = services.service_levels()
        editable = may_set_service_levels(user)
        return {
            "targets": [(priority, label, targets[priority]) for priority, label in PRIORITIES],
            "form": (form or ServiceLevelForm(targets=targets)) if editable else None,
        }

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, self.context())

    def post(self, request: HttpRequest) -> HttpResponse:
        if not may_set_service_levels(request.user):
            raise PermissionDenied
        form = ServiceLevelForm(request.POST, targets=services.service_levels())
        if form.is_valid():
            try:
                with transaction.atomic():
                    for priority, hours, days in form.targets():
                        try:
                            services.service_level_set(
                                user=request.user,
                                priority=priority,
                                response_hours=hours,
                                resolution_days=days,
                            )
                        except ApplicationError as exc:
                            exc.field = f"{priority}-{exc.field}" if exc.field else None
                            raise
            except ApplicationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(
                    request, _("Service levels saved; they apply to requests made from now on.")
                )
                return redirect("operations:coordination_service_levels")
        return render(request, self.template_name, self.context(form), status=400)
