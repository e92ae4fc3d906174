"""Generic views and the framework's own pages (home, health, job runs, errors)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.mixins import PermissionRequiredMixin, UserPassesTestMixin
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.http import require_safe
from django.views.generic import ListView, TemplateView
from django_filters import FilterSet

from core import exports, home, jobs
from core.exceptions import ApplicationError
from core.models import JobRun


class PredicateRequiredMixin(UserPassesTestMixin):
    """Let in only users for whom ``predicate(user)`` holds; others get a 403 page."""

    predicate = staticmethod(lambda user: True)
    raise_exception = True

    def test_func(self) -> bool:
        return bool(self.predicate(self.request.user))


class FilteredListView(ListView):
    """A list page with a FilterSet, pagination and CSV/XLSX export of the filtered rows.

    Subclasses give ``filterset_class``, ``get_base_queryset()`` (scoped to the user) and, to
    allow export, ``export_columns`` and ``export_filename``.
    """

    filterset_class: type[FilterSet]
    paginate_by = 25
    export_columns: list[exports.Column] | None = None
    export_filename = "export"

    def get_base_queryset(self):
        raise NotImplementedError

    def get_queryset(self):
        self.filterset = self.filterset_class(
            self.request.GET or None, queryset=self.get_base_queryset(), request=self.request
        )
        return self.filterset.qs

    def get(self, request, *args, **kwargs):
        fmt = request.GET.get("export")
        if fmt and self.export_columns:
            if fmt not in exports.FORMATS:
                raise Http404(_("Unknown export format."))
            return exports.export_response(
                rows=self.get_queryset().iterator(chunk_size=2000),
                columns=self.export_columns,
                fmt=fmt,
                filename=self.export_filename,
            )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        query.pop("export", None)
        context["filterset"] = self.filterset
        context["querystring"] = query.urlencode()
        context["can_export"] = bool(self.export_columns)
        return context


@require_safe
@login_not_required
def healthz(request):
    """For load balancers and docker-compose: the app answers and reaches its database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


class HomeView(TemplateView):
    """The home page: the panels each app offers this user."""

    template_name = "core/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["panels"] = home.panels_for(self.request)
        return context


class JobRunListView(PermissionRequiredMixin, ListView):
    """Every run of every periodic job, newest first, with a "run now" button for the COO."""

    template_name = "core/jobrun_list.html"
    paginate_by = 50
    permission_required = "core.view_jobrun"
    raise_exception = True

    def get_queryset(self):
        queryset = JobRun.objects.select_related("triggered_by")
        job = self.request.GET.get("job")
        status = self.request.GET.get("status")
        if job in jobs.JOBS:
            queryset = queryset.filter(job=job)
        if status in JobRun.Status.values:
            queryset = queryset.filter(status=status)
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # One query per registered job (a handful), not one per run.
        context["jobs"] = [
            {"job": job, "last_run": JobRun.objects.filter(job=name).first()}
            for name, job in sorted(jobs.JOBS.items())
        ]
        context["statuses"] = JobRun.Status.choices
        context["selected_job"] = self.request.GET.get("job", "")
        context["selected_status"] = self.request.GET.get("status", "")
        context["may_run"] = self.request.user.has_perm("core.add_jobrun")
        query = self.request.GET.copy()
        query.pop("page", None)
        context["querystring"] = query.urlencode()
        return context


class JobRunNowView(View):
    """POST: run a periodic job now (for the current period, or again with ``force``)."""

    def post(self, request, name: str):
        if not request.user.has_perm("core.add_jobrun"):
            raise PermissionDenied
        try:
            jobs.get_job(name)
        except jobs.UnknownJob:
            raise Http404 from None
        try:
            run = jobs.job_run(
                name=name,
                trigger=JobRun.Trigger.USER,
                user=request.user,
                force=request.POST.get("force") == "1",
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        except Exception:
            messages.error(
                request, _("The job %(name)s failed; its run shows the error.") % {"name": name}
            )
        else:
            if run.status == JobRun.Status.SKIPPED:
                messages.info(
                    request,
                    _("%(name)s had already run for %(period)s; nothing was done.")
                    % {"name": name, "period": run.period},
                )
            else:
                messages.success(
                    request, _("%(name)s ran: %(outcome)s") % {"name": name, "outcome": run.outcome}
                )
        return redirect("core:jobrun_list")


ERROR_TITLES = {
    403: gettext_lazy("You may not see this page"),
    404: gettext_lazy("Page not found"),
    500: gettext_lazy("Something went wrong"),
}


def _error(request, status: int, template: str) -> HttpResponse:
    return render(
        request, template, {"status": status, "title": ERROR_TITLES[status]}, status=status
    )


def permission_denied(request, exception=None):
    return _error(request, 403, "403.html")


def page_not_found(request, exception=None):
    return _error(request, 404, "404.html")


def server_error(request):
    # Rendered without the request context: whatever failed may fail again in a processor.
    from django.template import loader

    return HttpResponse(loader.get_template("500.html").render({}), status=500)


def add_service_error(form, exc: Exception) -> None:
    """Put a service's refusal on the form: on its field when it names one, else on top."""
    from django.core.exceptions import ValidationError

    if isinstance(exc, ApplicationError):
        field = exc.field if exc.field in form.fields else None
        form.add_error(field, str(exc.message))
    elif isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    elif isinstance(exc, ValidationError):
        form.add_error(None, exc)
    else:  # pragma: no cover - only the two error types above are expected
        raise exc


class ServiceFormMixin:
    """A form view whose ``perform(form)`` calls a service.

    A refusal from the service (ApplicationError or ValidationError) is shown on the form,
    which keeps what the user typed; the service's transaction has written nothing.
    """

    success_message = ""

    def perform(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        from django.core.exceptions import ValidationError

        try:
            self.object = self.perform(form)
        except (ApplicationError, ValidationError) as exc:
            add_service_error(form, exc)
            return self.form_invalid(form)
        if self.success_message:
            messages.success(self.request, self.success_message % {"object": self.object})
        return redirect(self.get_success_url())

    def get_success_url(self) -> str:
        return self.object.get_absolute_url()
