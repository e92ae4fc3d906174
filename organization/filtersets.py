"""One FilterSet per model, used by the list pages and the API alike."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from organization.models import Department, Person
from organization.roles import Role


class DepartmentFilterSet(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label=_("Search"))
    parent = django_filters.ModelChoiceFilter(
        queryset=Department.objects.all(), to_field_name="code", label=_("Parent department")
    )
    active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = Department
        fields = ["search", "parent", "active"]

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))


class PersonFilterSet(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label=_("Search"))
    department = django_filters.ModelChoiceFilter(
        queryset=Department.objects.all(), to_field_name="code", label=_("Department")
    )
    role = django_filters.ChoiceFilter(choices=Role.choices, method="filter_role", label=_("Role"))
    active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = Person
        fields = ["search", "department", "role", "active"]

    def filter_search(self, queryset, name, value):
        condition = Q()
        for word in value.split():
            condition &= (
                Q(user__first_name__icontains=word)
                | Q(user__last_name__icontains=word)
                | Q(user__username__icontains=word)
                | Q(position__icontains=word)
            )
        return queryset.filter(condition)

    def filter_role(self, queryset, name, value):
        return queryset.filter(user__groups__name=value).distinct()
