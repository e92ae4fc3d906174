"""Pages of escalations and the CEO's decisions (COO duty 3).

Every queryset starts from ``DecisionRequest.objects.for_user``: a decision request the user may
not see answers 404 like a missing one. The COO escalates; only the CEO decides, asks for more
information or defers (anyone else posting those gets 403); the COO answers the CEO's question.
Each move is a POST form calling one service.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import ListView

from core import exports
from core.exceptions import ApplicationError
from core.exports import Column
from core.views import FilteredListView, PredicateRequiredMixin, add_service_error
from operations.filtersets_decisions import DecisionFilterSet
from operations.forms_decisions import (
    DecideForm,
    DecisionForm,
    DeferForm,
    ProvideInfoForm,
    RequestInfoForm,
    follow_up_formset,
    follow_ups_from,
    option_formset,
    options_from,
)
from operations.models import (
    ActionItem,
    Assignment,
    CoordinationRequest,
    DecisionEvent,
    DecisionRequest,
)
from operations.services import decisions as services

Status = DecisionRequest.Status

DECISION_COLUMNS = [
    Column(gettext_lazy("Title"), lambda d: d.title),
    Column(gettext_lazy("Status"), lambda d: d.get_status_display()),
    Column(gettext_lazy("Deadline"), lambda d: d.deadline),
    Column(gettext_lazy("Department"), lambda d: d.department.code if d.department else ""),
    Column(gettext_lazy("Escalated by"), lambda d: d.requested_by.username),
    Column(gettext_lazy("Escalated at"), lambda d: d.created_at),
    Column(gettext_lazy("Decided by"), lambda d: d.decided_by.username if d.decided_by else ""),
    Column(gettext_lazy("Decided at"), lambda d: d.decided_at),
    Column(
        gettext_lazy("Option chosen"), lambda d: d.chosen_option.title if d.chosen_option else ""
    ),
    Column(gettext_lazy("Instructions"), lambda d: d.instructions),
]

EVENT_COLUMNS = [
    Column(gettext_lazy("Decision request"), lambda e: e.decision.title),
    Column(gettext_lazy("When"), lambda e: e.created_at),
    Column(gettext_lazy("Action"), lambda e: e.get_action_display()),
    Column(gettext_lazy("By"), lambda e: e.actor.username if e.actor else ""),
    Column(gettext_lazy("Note"), lambda e: e.note),
]

#: The sources a decision request can be escalated from, by query parameter.
SOURCES = {
    "coordination_request": CoordinationRequest,
    "action_item": ActionItem,
    "assignment": Assignment,
}


def _decisions(user):
    return DecisionRequest.objects.for_user(user).with_relations()


class DecisionQueueView(PredicateRequiredMixin, ListView):
    """Pending decision requests by deadline, with counts; overdue ones flagged."""

    template_name = "operations/decisions/decision_queue.html"
    predicate = staticmethod(services.sees_queue)
    paginate_by = 50

    def get_queryset(self):
        return _decisions(self.request.user).pending().order_by("deadline", "pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        context["counts"] = services.queue_counts(self.request.user, today=today)
        context["decisions"] = context["object_list"]
        context["today"] = today
        context["may_create"] = services.may_escalate(self.request.user)
        return context


class DecisionLogView(PredicateRequiredMixin, FilteredListView):
    """Every decision request, decided ones included: filters, search, export (the requests,
    or with ``events=csv|xlsx`` every logged step of the filtered requests)."""

    template_name = "operations/decisions/decision_log.html"
    predicate = staticmethod(services.sees_queue)
    filterset_class = DecisionFilterSet
    export_columns = DECISION_COLUMNS
    export_filename = "decisions"

    def get_base_queryset(self):
        return _decisions(self.request.user).order_by("-created_at", "-pk")

    def get(self, request, *args, **kwargs):
        fmt = request.GET.get("events")
        if fmt:
            if fmt not in exports.FORMATS:
                raise Http404(_("Unknown export format."))
            events = (
                DecisionEvent.objects.filter(decision__in=self.get_queryset().values("pk"))
                .select_related("decision", "actor")
                .order_by("decision__created_at", "decision_id", "created_at", "pk")
            )
            return exports.export_response(
                rows=events.iterator(chunk_size=2000),
                columns=EVENT_COLUMNS,
                fmt=fmt,
                filename="decision-log",
            )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["decisions"] = context["object_list"]
        context["may_create"] = services.may_escalate(self.request.user)
        return context


def _source(request: HttpRequest) -> dict[str, object]:
    """The records named in the query string (``?coordination_request=<id>`` and the like),
    each looked up among what the user may see: 404 otherwise."""
    found = {}
    for name, model in SOURCES.items():
        raw = request.GET.get(name)
        if not raw:
            continue
        try:
            pk = int(raw)
        except ValueError:
            raise Http404 from None
        queryset = model.objects.for_user(request.user)
        if name == "coordination_request":
            queryset = queryset.select_related("from_department", "to_department")
        else:
            queryset = queryset.select_related("department")
        found[name] = get_object_or_404(queryset, pk=pk)
    return found


def _suggested(sources: dict[str, object]) -> dict[str, object]:
    """Title, context and department suggested from the records behind the escalation."""
    initial: dict[str, object] = {}
    request = sources.get("coordination_request")
    item = sources.get("action_item")
    assignment = sources.get("assignment")
    parts = []
    if request is not None:
        initial.setdefault("title", request.subject)
        initial.setdefault("department", request.to_department.code)
        parts.append(
            _("Coordination request from %(from)s to %(to)s: %(subject)s")
            % {
                "from": request.from_department.name,
                "to": request.to_department.name,
                "subject": request.subject,
            }
        )
        if request.details:
            parts.append(request.details)
    if item is not None:
        initial.setdefault("title", item.title)
        initial.setdefault("department", item.department.code)
        parts.append(
            _("Problem raised in a work report of %(department)s: %(title)s")
            % {"department": item.department.name, "title": item.title}
        )
        if item.description:
            parts.append(item.description)
    if assignment is not None:
        initial.setdefault("title", assignment.title)
        if assignment.department_id:
            initial.setdefault("department", assignment.department.code)
        parts.append(_("Assignment: %(title)s") % {"title": assignment.title})
        if assignment.description:
            parts.append(assignment.description)
    if parts:
        initial["context"] = "\n\n".join(parts)
    return initial


class DecisionCreateView(PredicateRequiredMixin, View):
    """The COO escalates a problem to the CEO: from scratch, or from the records named in the
    query string (kept on the form's address, so the POST sees them too)."""

    template_name = "operations/decisions/decision_form.html"
    predicate = staticmethod(services.may_escalate)

    def render_page(self, request, form, options, sources, status: int = 200) -> HttpResponse:
        return render(
            request,
            self.template_name,
            {"form": form, "options": options, "sources": list(sources.values())},
            status=status,
        )

    def get(self, request):
        sources = _source(request)
        form = DecisionForm(initial=_suggested(sources))
        return self.render_page(request, form, option_formset(), sources)

    def post(self, request):
        sources = _source(request)
        form = DecisionForm(request.POST)
        options = option_formset(request.POST)
        if form.is_valid() and options.is_valid():
            try:
                decision = services.decision_create(
                    user=request.user,
                    options=options_from(options),
                    **form.cleaned_data,
                    **sources,
                )
            except ApplicationError as exc:
                if exc.status_code == 404:
                    raise Http404 from None
                if exc.field == "options":
                    options._non_form_errors = options.error_class(
                        [str(exc.message)], renderer=options.renderer
                    )
                else:
                    add_service_error(form, exc)
            else:
                messages.success(request, _("Escalated to the CEO."))
                return redirect(decision)
        return self.render_page(request, form, options, sources, status=400)


class DecisionDetailView(View):
    """The request, its options, the records behind it, its follow-ups, its log, and the forms
    of the moves the user may make."""

    template_name = "operations/decisions/decision_detail.html"

    def get(self, request, pk: int) -> HttpResponse:
        decision = get_object_or_404(_decisions(request.user), pk=pk)
        return self.render_page(request, decision)

    def render_page(self, request, decision, status: int = 200, **bound) -> HttpResponse:
        """The page; ``bound`` holds a form posted with errors, shown in place of a blank one."""
        user = request.user
        options = list(decision.options.all())
        moves = services.allowed_moves(user, decision)
        context = {
            "decision": decision,
            "options": options,
            "moves": moves,
            "events": list(decision.events.select_related("actor").order_by("created_at", "pk")),
            "follow_ups": list(
                Assignment.objects.for_user(user)
                .filter(decision=decision)
                .with_people()
                .order_by("due_date", "pk")
            ),
            "today": timezone.localdate(),
        }
        blank = {
            "decide": {
                "decide_form": lambda: DecideForm(options=options),
                "follow_up_forms": follow_up_formset,
            },
            "request_info": {"request_info_form": RequestInfoForm},
            "defer": {"defer_form": DeferForm},
            "provide_info": {"provide_info_form": ProvideInfoForm},
        }
        for move, forms in blank.items():
            if move in moves:
                for name, make in forms.items():
                    context[name] = bound[name] if name in bound else make()
        return render(request, self.template_name, context, status=status)


def _not_now(request, decision: DecisionRequest, move: str) -> HttpResponse | None:
    """When the move is not possible in the request's state (decided meanwhile, say), the
    detail page with a message: the form would not be shown there."""
    if move in services.allowed_moves(request.user, decision):
        return None
    messages.error(
        request,
        _("This cannot be done to a decision request that is %(status)s.")
        % {"status": decision.get_status_display().lower()},
    )
    return redirect(decision)


def _refused(request, decision, move: str, exc: ApplicationError, form) -> HttpResponse | None:
    """A service's refusal: 403 and 404 as such; when the move is no longer possible (decided
    meanwhile), a message on the detail page; anything else on the form (None: render it)."""
    if exc.status_code == 403:
        raise PermissionDenied(exc.message)
    if exc.status_code == 404:
        raise Http404
    if move not in services.allowed_moves(request.user, decision):
        messages.error(request, exc.message)
        return redirect(decision)
    add_service_error(form, exc)
    return None


class DecisionMoveView(View):
    """POST a small form calling one service; a refusal is shown on the detail page (400)."""

    form_class: type = RequestInfoForm
    form_name = ""
    move = ""
    predicate = staticmethod(services.may_decide)
    done = ""

    def perform(self, decision: DecisionRequest, data: dict) -> None:
        raise NotImplementedError

    def post(self, request, pk: int) -> HttpResponse:
        decision = get_object_or_404(_decisions(request.user), pk=pk)
        if not self.predicate(request.user):
            raise PermissionDenied
        if (refused := _not_now(request, decision, self.move)) is not None:
            return refused
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                self.perform(decision, form.cleaned_data)
            except ApplicationError as exc:
                refused = _refused(request, decision, self.move, exc, form)
                if refused is not None:
                    return refused
            else:
                messages.success(request, self.done)
                return redirect(decision)
        return DecisionDetailView().render_page(
            request, decision, status=400, **{self.form_name: form}
        )


class DecisionDecideView(View):
    """POST (the CEO): the option chosen, instructions and follow-up assignments, in one step."""

    def post(self, request, pk: int) -> HttpResponse:
        decision = get_object_or_404(_decisions(request.user), pk=pk)
        if not services.may_decide(request.user):
            raise PermissionDenied
        if (refused := _not_now(request, decision, "decide")) is not None:
            return refused
        form = DecideForm(request.POST, options=list(decision.options.all()))
        # A post without the follow-up rows at all (a plain client) creates no follow-ups.
        sent_rows = "followups-TOTAL_FORMS" in request.POST
        follow_ups = follow_up_formset(request.POST if sent_rows else None)
        if form.is_valid() and (not sent_rows or follow_ups.is_valid()):
            try:
                services.decision_decide(
                    decision=decision,
                    user=request.user,
                    option=form.cleaned_data["option"],
                    instructions=form.cleaned_data["instructions"],
                    follow_ups=follow_ups_from(follow_ups) if sent_rows else [],
                )
            except ApplicationError as exc:
                refused = _refused(request, decision, "decide", exc, form)
                if refused is not None:
                    return refused
            else:
                messages.success(request, _("Decision recorded."))
                return redirect(decision)
        return DecisionDetailView().render_page(
            request, decision, status=400, decide_form=form, follow_up_forms=follow_ups
        )


class DecisionRequestInfoView(DecisionMoveView):
    """POST (the CEO): a question for the COO before deciding."""

    form_class = RequestInfoForm
    form_name = "request_info_form"
    move = "request_info"
    done = gettext_lazy("Your question was sent to the COO.")

    def perform(self, decision, data) -> None:
        services.decision_request_info(
            decision=decision, user=self.request.user, question=data["question"]
        )


class DecisionProvideInfoView(DecisionMoveView):
    """POST (the COO): the answer to the CEO's question."""

    form_class = ProvideInfoForm
    form_name = "provide_info_form"
    move = "provide_info"
    predicate = staticmethod(services.may_escalate)
    done = gettext_lazy("Your answer was sent to the CEO.")

    def perform(self, decision, data) -> None:
        services.decision_provide_info(
            decision=decision, user=self.request.user, answer=data["answer"]
        )


class DecisionDeferView(DecisionMoveView):
    """POST (the CEO): put the decision off to a later date."""

    form_class = DeferForm
    form_name = "defer_form"
    move = "defer"
    done = gettext_lazy("Decision deferred.")

    def perform(self, decision, data) -> None:
        services.decision_defer(
            decision=decision,
            user=self.request.user,
            new_deadline=data["new_deadline"],
            note=data.get("note") or "",
        )
