"""The approval workflow's whole transition matrix, run against regulation versions."""

from approvals.testing import ApprovalMatrix
from operations.models import Regulation
from operations.services.regulations import regulation_create
from organization.models import Department


class TestRegulationVersionApproval(ApprovalMatrix):
    def make_item(self, cast, *, author, department_code):
        department = Department.objects.get(code=department_code) if department_code else None
        regulation = regulation_create(
            user=author,
            title=f"Rule for {department_code or 'everyone'} by {author.username}",
            kind=Regulation.Kind.REGULATION,
            body="# Rule\n\nText.",
            department=department,
            summary_of_changes="First version.",
        )
        return regulation.latest_version
