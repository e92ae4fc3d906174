"""Who may make which move on an approvable object.

A policy is declared per model and registered with it (``approvals.registry``). The default
one covers the common case: an item that belongs to a department (``get_approval_department``
returns it) is approved by the COO or the CEO; a company-wide item (no department) by the CEO.
Nobody approves their own submission.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from approvals.models import Action, State
from organization.models import User
from organization.roles import Role, has_role
from organization.scoping import scope_of


class ApprovalPolicy:
    #: Roles that approve department items and company-wide items.
    department_approver_roles: tuple[str, ...] = (Role.COO, Role.CEO)
    company_approver_roles: tuple[str, ...] = (Role.CEO,)
    #: Roles that may draft and submit company-wide items.
    company_author_roles: tuple[str, ...] = (Role.COO, Role.CEO)
    #: Roles that may draft and submit items of a department in their scope.
    department_author_roles: tuple[str, ...] = (Role.COO, Role.CEO, Role.DEPARTMENT_HEAD)

    # -- what the object says about itself ------------------------------------------------
    def department_id(self, obj) -> int | None:
        return obj.get_approval_department_id()

    def approver_roles(self, obj) -> tuple[str, ...]:
        return (
            self.department_approver_roles
            if self.department_id(obj) is not None
            else self.company_approver_roles
        )

    # -- predicates --------------------------------------------------------------------------
    def may_author(self, user: User, obj) -> bool:
        department_id = self.department_id(obj)
        if department_id is None:
            return has_role(user, *self.company_author_roles)
        if has_role(user, Role.COO, Role.CEO):
            return True
        return has_role(user, *self.department_author_roles) and scope_of(user).covers_department(
            department_id
        )

    def may_decide(self, user: User, obj) -> bool:
        return has_role(user, *self.approver_roles(obj))

    def may_publish(self, user: User, obj) -> bool:
        # Once approved, an item may be put in force by whoever approves such items, by the
        # COO (who runs publication day to day) or by its authors.
        return self.may_decide(user, obj) or has_role(user, Role.COO) or self.may_author(user, obj)

    def refusal(self, user: User, obj, action: str) -> str | None:
        """Why ``user`` may not make ``action`` on ``obj`` (None when they may)."""
        if action == Action.SUBMIT:
            if not self.may_author(user, obj):
                return _("Only its authors may submit this item for approval.")
        elif action in (Action.APPROVE, Action.RETURN):
            if not self.may_decide(user, obj) and self.department_id(obj) is None:
                return _("Only the CEO may approve or return company-wide items.")
            if not self.may_decide(user, obj):
                return _("Only the COO or the CEO may approve or return department items.")
            if obj.submitted_by_id == user.pk:
                return _("Nobody may approve or return their own submission.")
        elif action == Action.PUBLISH and not self.may_publish(user, obj):
            return _("You may not publish this item.")
        elif action == Action.ARCHIVE and not self.may_publish(user, obj):
            return _("You may not archive this item.")
        return None

    # -- who hears about it --------------------------------------------------------------
    def next_people(self, obj, action: str) -> QuerySet[User]:
        """Whom to notify after ``action``: approvers after a submission, the author after."""
        if action == Action.SUBMIT:
            return User.objects.filter(is_active=True, groups__name__in=self.approver_roles(obj))
        if obj.submitted_by_id:
            return User.objects.filter(pk=obj.submitted_by_id)
        return User.objects.none()

    # -- the inbox -------------------------------------------------------------------------
    def awaiting_decision(self, user: User, queryset: QuerySet) -> QuerySet:
        """The submitted objects of ``queryset`` that ``user`` may approve or return."""
        department_field = queryset.model.approval_department_lookup
        condition = Q(pk__in=[])
        if has_role(user, *self.company_approver_roles):
            condition |= Q(**{f"{department_field}__isnull": True})
        if has_role(user, *self.department_approver_roles):
            condition |= Q(**{f"{department_field}__isnull": False})
        return queryset.filter(status=State.SUBMITTED).filter(condition).exclude(submitted_by=user)
