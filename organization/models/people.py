from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel


class PersonQuerySet(models.QuerySet):
    def for_user(self, user) -> PersonQuerySet:
        """People whose full record ``user`` may see.

        CEO, COO and auditor: everyone. Department heads and managers: the people of their
        department and its sub-departments, their direct reports, and themselves. Everyone
        else: themselves. (Names and positions of everyone are public: see ``directory``.)
        """
        from organization.scoping import scope_of

        scope = scope_of(user)
        if scope.company_wide:
            return self
        condition = models.Q(pk__in=[])
        if scope.person_id is not None:
            condition |= models.Q(pk=scope.person_id) | models.Q(manager_id=scope.person_id)
        if scope.department_ids:
            condition |= models.Q(department_id__in=scope.department_ids)
        return self.filter(condition)

    def directory(self) -> PersonQuerySet:
        """The org chart's public view of people: active ones, for every logged-in user."""
        return self.filter(active=True)

    def active(self) -> PersonQuerySet:
        return self.filter(active=True)

    def unplaced(self) -> PersonQuerySet:
        """Active people without a department, leaving out the company-wide roles (CEO, COO,
        auditor), who belong to none by design."""
        from organization.roles import COMPANY_WIDE

        return self.filter(active=True, department__isnull=True).exclude(
            user__groups__name__in=list(COMPANY_WIDE)
        )

    def with_relations(self) -> PersonQuerySet:
        return self.select_related("user", "department", "manager__user").prefetch_related(
            "user__groups"
        )


class Person(TimeStampedModel):
    """A person of the company: one per login user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="person",
    )
    department = models.ForeignKey(
        "organization.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    position = models.CharField(_("position"), max_length=120, blank=True)
    manager = models.ForeignKey(
        "self",
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    hire_date = models.DateField(_("hire date"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()
    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["user__last_name", "user__first_name", "user__username"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return self.user.get_full_name() or self.user.username

    @property
    def role_names(self) -> list[str]:
        """Role names from the prefetched groups (``with_relations``), without a query."""
        from organization.roles import Role

        valid = set(Role.values)
        return sorted(g.name for g in self.user.groups.all() if g.name in valid)

    def get_absolute_url(self) -> str:
        return reverse("organization:person_detail", kwargs={"username": self.user.username})
