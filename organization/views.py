"""Pages of the organization app: org chart, directory, people, notifications, preferences."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django.views.generic import DetailView, FormView, ListView
from django.views.i18n import set_language as django_set_language

from core.exports import Column
from core.history import history_with_changes
from core.views import FilteredListView, PredicateRequiredMixin, ServiceFormMixin
from organization.filtersets import DepartmentFilterSet, PersonFilterSet
from organization.forms import DepartmentForm, PersonForm, PreferencesForm
from organization.models import Department, Notification, Person
from organization.roles import may_manage_organization
from organization.scoping import scope_of
from organization.services.departments import department_create, department_update
from organization.services.notifications import notification_mark_read
from organization.services.people import person_create, person_update, user_preferences_update

HISTORY_LIMIT = 20


def build_tree(departments: list[Department]) -> list[dict]:
    """Nest departments under their parents: ``[{"department": d, "children": [...]}, ...]``."""
    nodes = {d.pk: {"department": d, "children": []} for d in departments}
    roots = []
    for d in departments:
        parent = nodes.get(d.parent_id)
        (parent["children"] if parent else roots).append(nodes[d.pk])
    return roots


DEPARTMENT_COLUMNS = [
    Column(gettext_lazy("Code"), lambda d: d.code),
    Column(gettext_lazy("Name"), lambda d: d.name),
    Column(gettext_lazy("Parent department"), lambda d: d.parent.code if d.parent else ""),
    Column(gettext_lazy("Head"), lambda d: d.head.full_name if d.head else ""),
    Column(gettext_lazy("Headcount"), lambda d: d.headcount),
    Column(gettext_lazy("Active"), lambda d: d.active),
]


class DepartmentListView(FilteredListView):
    """The org chart: the department tree with heads and headcount (everyone may see it)."""

    template_name = "organization/department_list.html"
    filterset_class = DepartmentFilterSet
    paginate_by = None
    export_columns = DEPARTMENT_COLUMNS
    export_filename = "departments"

    def get_base_queryset(self):
        return (
            Department.objects.for_user(self.request.user)
            .with_headcount()
            .select_related("parent", "head__user")
            .order_by("code")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        departments = list(context["object_list"])
        filtered = bool(self.filterset.form.is_bound and any(self.request.GET.values()))
        context["tree"] = None if filtered else build_tree(departments)
        context["departments"] = departments
        context["may_manage"] = may_manage_organization(self.request.user)
        return context


class DepartmentDetailView(DetailView):
    template_name = "organization/department_detail.html"
    slug_field = "code"
    slug_url_kwarg = "code"
    context_object_name = "department"

    def get_queryset(self):
        return Department.objects.for_user(self.request.user).select_related("parent", "head__user")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        department = self.object
        user = self.request.user
        scope = scope_of(user)
        members = list(
            Person.objects.directory()
            .filter(department=department)
            .select_related("user")
            .order_by("user__last_name", "user__first_name")
        )
        in_scope = set(
            Person.objects.for_user(user)
            .filter(pk__in=[m.pk for m in members])
            .values_list("pk", flat=True)
        )
        for member in members:
            member.in_scope = member.pk in in_scope
        context["members"] = members
        context["children"] = list(
            department.children.with_headcount().select_related("head__user").order_by("code")
        )
        context["in_scope"] = scope.covers_department(department.pk)
        context["may_manage"] = may_manage_organization(user)
        if user.has_perm("organization.view_historicaldepartment"):
            context["history"] = history_with_changes(
                department.history.select_related("history_user"), limit=HISTORY_LIMIT
            )
        return context


class DepartmentCreateView(PredicateRequiredMixin, ServiceFormMixin, FormView):
    template_name = "organization/department_form.html"
    form_class = DepartmentForm
    predicate = staticmethod(may_manage_organization)
    success_message = gettext_lazy("Department %(object)s created.")

    def perform(self, form):
        return department_create(**form.cleaned_data)


class DepartmentUpdateView(PredicateRequiredMixin, ServiceFormMixin, FormView):
    template_name = "organization/department_form.html"
    form_class = DepartmentForm
    predicate = staticmethod(may_manage_organization)
    success_message = gettext_lazy("Department %(object)s saved.")

    def dispatch(self, request, *args, **kwargs):
        self.department = get_object_or_404(
            Department.objects.for_user(request.user), code=kwargs["code"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        # A copy: the form's validation must not change the object the service locks and saves.
        return {
            **super().get_form_kwargs(),
            "instance": Department.objects.get(pk=self.department.pk),
        }

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "department": self.department}

    def perform(self, form):
        return department_update(department=self.department, **form.cleaned_data)


PERSON_COLUMNS = [
    Column(gettext_lazy("Username"), lambda p: p.user.username),
    Column(gettext_lazy("First name"), lambda p: p.user.first_name),
    Column(gettext_lazy("Last name"), lambda p: p.user.last_name),
    Column(gettext_lazy("E-mail"), lambda p: p.user.email),
    Column(gettext_lazy("Department"), lambda p: p.department.code if p.department else ""),
    Column(gettext_lazy("Position"), lambda p: p.position),
    Column(gettext_lazy("Reports to"), lambda p: p.manager.user.username if p.manager else ""),
    Column(gettext_lazy("Hire date"), lambda p: p.hire_date),
    Column(gettext_lazy("Roles"), lambda p: ", ".join(p.role_names)),
    Column(gettext_lazy("Active"), lambda p: p.active),
]


class PersonListView(FilteredListView):
    """The people directory.

    Everyone sees names, positions and departments of the company's active people (the org
    chart); a name links to the full record when the user may see it. The export holds the
    full records the user may see, filtered as the page is.
    """

    template_name = "organization/person_list.html"
    filterset_class = PersonFilterSet
    paginate_by = 25
    export_columns = PERSON_COLUMNS
    export_filename = "people"

    def get_base_queryset(self):
        if self.request.GET.get("export"):
            return Person.objects.for_user(self.request.user).with_relations()
        return Person.objects.directory().select_related("user", "department")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        people = list(context["object_list"])
        in_scope = set(
            Person.objects.for_user(self.request.user)
            .filter(pk__in=[p.pk for p in people])
            .values_list("pk", flat=True)
        )
        for person in people:
            person.in_scope = person.pk in in_scope
        context["people"] = people
        context["may_manage"] = may_manage_organization(self.request.user)
        return context


class PersonDetailView(DetailView):
    """A person's full record: only for those whose scope covers them (404 otherwise)."""

    template_name = "organization/person_detail.html"
    context_object_name = "person"

    def get_object(self, queryset=None):
        return get_object_or_404(
            Person.objects.for_user(self.request.user).with_relations(),
            user__username=self.kwargs["username"],
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        person = self.object
        user = self.request.user
        context["reports"] = list(
            person.reports.filter(active=True).select_related("user", "department")
        )
        context["headed"] = list(person.headed_departments.all())
        context["may_manage"] = may_manage_organization(user)
        if user.has_perm("organization.view_historicalperson"):
            context["history"] = history_with_changes(
                person.history.select_related("history_user"), limit=HISTORY_LIMIT
            )
        return context


class PersonCreateView(PredicateRequiredMixin, ServiceFormMixin, FormView):
    template_name = "organization/person_form.html"
    form_class = PersonForm
    predicate = staticmethod(may_manage_organization)
    success_message = gettext_lazy("%(object)s added. They can set a password with the reset link.")

    def perform(self, form):
        return person_create(**form.cleaned_data)


class PersonUpdateView(PredicateRequiredMixin, ServiceFormMixin, FormView):
    template_name = "organization/person_form.html"
    form_class = PersonForm
    predicate = staticmethod(may_manage_organization)
    success_message = gettext_lazy("%(object)s saved.")

    def dispatch(self, request, *args, **kwargs):
        self.person = get_object_or_404(
            Person.objects.for_user(request.user)
            .select_related("user")
            .prefetch_related("user__groups"),
            user__username=kwargs["username"],
        )
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "person": self.person}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "person": self.person}

    def perform(self, form):
        data = dict(form.cleaned_data)
        data.pop("username", None)
        return person_update(person=self.person, **data)


class NotificationListView(ListView):
    template_name = "organization/notification_list.html"
    paginate_by = 25
    context_object_name = "notifications"

    def get_queryset(self):
        queryset = Notification.objects.for_user(self.request.user)
        if self.request.GET.get("unread") == "1":
            queryset = queryset.unread()
        return queryset

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "only_unread": self.request.GET.get("unread") == "1",
        }


class NotificationReadView(View):
    """POST: mark one notification read, then follow its link (or go back to the list)."""

    def post(self, request, pk: int):
        notification = get_object_or_404(Notification.objects.for_user(request.user), pk=pk)
        notification_mark_read(user=request.user, ids=[notification.pk])
        if (
            request.POST.get("open") == "1"
            and url_has_allowed_host_and_scheme(
                notification.url, allowed_hosts={request.get_host()}
            )
            and notification.url
        ):
            return redirect(notification.url)
        if request.htmx:
            notification.refresh_from_db()
            return render(
                request, "organization/includes/notification_item.html", {"n": notification}
            )
        return redirect("organization:notification_list")


class NotificationReadAllView(View):
    def post(self, request):
        count = notification_mark_read(user=request.user)
        messages.success(
            request,
            ngettext(
                "%(count)d notification marked as read.",
                "%(count)d notifications marked as read.",
                count,
            )
            % {"count": count},
        )
        return redirect("organization:notification_list")


class PreferencesView(FormView):
    template_name = "registration/preferences.html"
    form_class = PreferencesForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.request.user}

    def form_valid(self, form):
        user_preferences_update(user=self.request.user, **form.cleaned_data)
        response = redirect("preferences")
        # The switcher's cookie would otherwise keep overriding the stored choice.
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
        messages.success(self.request, _("Your preferences are saved."))
        return response


@login_not_required
def set_language(request):
    """The language switcher: Django's view, plus the choice kept on the user's account."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    user = request.user
    if request.method == "POST" and user.is_authenticated and language in dict(settings.LANGUAGES):
        user_preferences_update(user=user, language=language, time_zone=user.time_zone)
    return response
