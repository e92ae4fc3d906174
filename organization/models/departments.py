from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel

code_validator = RegexValidator(
    r"^[A-Z][A-Z0-9-]{0,15}$",
    _("Use 1 to 16 capital letters, digits or hyphens, starting with a letter."),
)


class DepartmentQuerySet(models.QuerySet):
    def for_user(self, user) -> DepartmentQuerySet:
        """Departments ``user`` may see: the org chart is open to every logged-in user."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self

    def managed_by(self, user) -> DepartmentQuerySet:
        """Departments whose operations ``user`` oversees (company-wide roles: all)."""
        from organization.scoping import scope_of

        scope = scope_of(user)
        if scope.company_wide:
            return self
        return self.filter(pk__in=scope.department_ids)

    def active(self) -> DepartmentQuerySet:
        return self.filter(active=True)

    def with_headcount(self) -> DepartmentQuerySet:
        return self.annotate(
            headcount=models.Count("members", filter=models.Q(members__active=True), distinct=True)
        )


class Department(TimeStampedModel):
    """A unit of the company. Departments form a tree through ``parent``."""

    code = models.CharField(_("code"), max_length=16, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    head = models.ForeignKey(
        "organization.Person",
        verbose_name=_("head"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_departments",
    )
    active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()
    objects = DepartmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("organization:department_detail", kwargs={"code": self.code})
