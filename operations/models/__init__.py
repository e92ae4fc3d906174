from operations.models.assignments import Assignment, AssignmentAttachment, AssignmentUpdate
from operations.models.regulations import (
    Acknowledgement,
    Attachment,
    ProcedureStep,
    Regulation,
    RegulationVersion,
)

__all__ = [
    "Acknowledgement",
    "Assignment",
    "AssignmentAttachment",
    "AssignmentUpdate",
    "Attachment",
    "ProcedureStep",
    "Regulation",
    "RegulationVersion",
]
