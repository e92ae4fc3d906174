"""Regulations, policies, standard procedures and department rules (COO duties 1 and 9).

A :class:`Regulation` is the lasting item (title, kind, owner, audience); its text lives in
numbered :class:`RegulationVersion` rows that go through the approval workflow. The version in
force is ``current_version``; the one being worked on is ``latest_version``. Publishing a new
version supersedes the old one and asks its audience to acknowledge it again.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from approvals.models import Approvable, State
from core.models import StoredFile, TimeStampedModel


class RegulationQuerySet(models.QuerySet):
    def for_user(self, user) -> RegulationQuerySet:
        """Regulations ``user`` may see.

        CEO, COO and auditor: all. Department heads and managers: everything of their
        departments (sub-departments included), in any state. Department heads also see
        everything published company-wide. Everyone sees what is published for them (audience
        everyone, or one of their departments), and what they own.
        """
        from operations.audience import audience_condition
        from organization.roles import Role, has_role
        from organization.scoping import scope_of

        scope = scope_of(user)
        if scope.company_wide:
            return self
        if not user.is_authenticated:
            return self.none()
        published = models.Q(current_version__isnull=False)
        condition = (published & audience_condition(user)) | models.Q(owner=user)
        if scope.department_ids:
            condition |= models.Q(department_id__in=scope.department_ids)
        if has_role(user, Role.DEPARTMENT_HEAD):
            condition |= published & models.Q(department__isnull=True)
        return self.filter(condition).distinct()

    def due_for_review(self, today) -> RegulationQuerySet:
        """In force, with a review date within the reminder window (or past)."""
        from datetime import timedelta

        from django.conf import settings

        horizon = today + timedelta(days=settings.REGULATION_REVIEW_REMINDER_DAYS)
        return self.filter(current_version__isnull=False, next_review_date__lte=horizon)

    def with_versions(self) -> RegulationQuerySet:
        return self.select_related("department", "owner", "current_version", "latest_version")


class Regulation(TimeStampedModel):
    class Kind(models.TextChoices):
        REGULATION = "regulation", _("Regulation")
        POLICY = "policy", _("Policy")
        PROCEDURE = "procedure", _("Standard procedure")
        DEPARTMENT_RULE = "department_rule", _("Department rule")

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    department = models.ForeignKey(
        "organization.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="regulations",
        help_text=_("Empty for a company-wide item."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_regulations",
    )
    category = models.CharField(_("category"), max_length=80, blank=True)
    review_interval_months = models.PositiveSmallIntegerField(
        _("review every (months)"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    audience_all = models.BooleanField(
        _("for everyone"),
        default=True,
        help_text=_("Otherwise only for the chosen departments (and their sub-departments)."),
    )
    audience_departments = models.ManyToManyField(
        "organization.Department",
        verbose_name=_("audience departments"),
        blank=True,
        related_name="+",
    )
    current_version = models.ForeignKey(
        "operations.RegulationVersion",
        verbose_name=_("version in force"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    latest_version = models.ForeignKey(
        "operations.RegulationVersion",
        verbose_name=_("latest version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    next_review_date = models.DateField(_("next review"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["current_version", "latest_version"])
    objects = RegulationQuerySet.as_manager()

    class Meta:
        verbose_name = _("regulation")
        verbose_name_plural = _("regulations")
        ordering = ["title"]
        indexes = [models.Index(fields=["kind", "department"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("operations:regulation_detail", kwargs={"pk": self.pk})

    @property
    def working_version(self) -> RegulationVersion | None:
        """The version being drafted or decided, if it is not the one in force."""
        latest = self.latest_version
        working = (State.DRAFT, State.RETURNED, State.SUBMITTED, State.APPROVED)
        if latest is not None and latest.pk != self.current_version_id and latest.status in working:
            return latest
        return None


class RegulationVersionQuerySet(models.QuerySet):
    def for_user(self, user) -> RegulationVersionQuerySet:
        """Versions of the regulations ``user`` sees: those in force or past for anyone who sees
        the regulation; drafts and decisions only for those who may work on them."""
        from organization.roles import DEPARTMENT_SCOPED, roles_of
        from organization.scoping import scope_of

        if user is None or not user.is_authenticated:
            return self.none()
        scope = scope_of(user)
        if scope.company_wide:
            return self
        visible = Regulation.objects.for_user(user).values("pk")
        finished = models.Q(status__in=[State.PUBLISHED, State.SUPERSEDED, State.ARCHIVED])
        workers = models.Q(created_by=user) | models.Q(regulation__owner=user)
        if roles_of(user) & DEPARTMENT_SCOPED and scope.department_ids:
            workers |= models.Q(regulation__department_id__in=scope.department_ids)
        return self.filter(regulation__in=visible).filter(finished | workers)


class RegulationVersion(Approvable, TimeStampedModel):
    """One numbered text of a regulation, approved and published as a whole."""

    regulation = models.ForeignKey(
        Regulation, verbose_name=_("regulation"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    body = models.TextField(_("text"), help_text=_("Markdown: headings, lists, tables, links."))
    summary_of_changes = models.TextField(_("summary of changes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = RegulationVersionQuerySet.as_manager()
    #: The queryset path to the department that decides who approves (see approvals.policies).
    approval_department_lookup = "regulation__department"

    class Meta:
        verbose_name = _("regulation version")
        verbose_name_plural = _("regulation versions")
        ordering = ["regulation", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["regulation", "number"], name="regulation_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.regulation.title} (v{self.number})"

    def get_absolute_url(self) -> str:
        return reverse("operations:regulation_detail", kwargs={"pk": self.regulation_id})

    def get_approval_department_id(self) -> int | None:
        return self.regulation.department_id

    @classmethod
    def inbox_queryset(cls, queryset):
        return queryset.select_related("regulation", "submitted_by").order_by("submitted_at")

    def check_transition(self, *, action: str, user) -> None:
        from operations.services.regulations import version_check_submittable

        if action == "submit":
            version_check_submittable(version=self)

    def after_transition(self, *, action: str, user) -> None:
        from operations.services.regulations import version_after_archive, version_after_publish

        if action == "publish":
            version_after_publish(version=self, user=user)
        elif action == "archive":
            version_after_archive(version=self)


class ProcedureStep(models.Model):
    """One step of a standard procedure: who does what, from which input, by when."""

    version = models.ForeignKey(
        RegulationVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="steps"
    )
    order = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(_("step"), max_length=200)
    responsible_role = models.CharField(_("responsible role"), max_length=120)
    inputs = models.TextField(_("input"), blank=True)
    outputs = models.TextField(_("output"), blank=True)
    time_limit = models.CharField(_("time limit"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("procedure step")
        verbose_name_plural = _("procedure steps")
        ordering = ["version", "order", "id"]

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"


class Attachment(StoredFile):
    """A file attached to a version: PDF, Office documents or images, up to 20 MB."""

    version = models.ForeignKey(
        RegulationVersion,
        verbose_name=_("version"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to="regulations/%Y/%m/")

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["name"]


class Acknowledgement(models.Model):
    """Someone read a given version and said so."""

    version = models.ForeignKey(
        RegulationVersion,
        verbose_name=_("version"),
        on_delete=models.CASCADE,
        related_name="acknowledgements",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="acknowledgements",
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), auto_now_add=True)

    class Meta:
        verbose_name = _("acknowledgement")
        verbose_name_plural = _("acknowledgements")
        ordering = ["-acknowledged_at"]
        constraints = [
            models.UniqueConstraint(fields=["version", "user"], name="acknowledgement_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.version}"
