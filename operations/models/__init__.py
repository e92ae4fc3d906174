from operations.models.assignments import Assignment, AssignmentAttachment, AssignmentUpdate
from operations.models.plans import (
    AnnualPlan,
    Milestone,
    Objective,
    PlanRevision,
    ProgressUpdate,
)
from operations.models.regulations import (
    Acknowledgement,
    Attachment,
    ProcedureStep,
    Regulation,
    RegulationVersion,
)
from operations.models.reports import (
    ActionItem,
    ReportKind,
    ReportSchedule,
    WorkReport,
    WorkReportEvent,
    WorkReportKpi,
)

__all__ = [
    "Acknowledgement",
    "ActionItem",
    "AnnualPlan",
    "Assignment",
    "AssignmentAttachment",
    "AssignmentUpdate",
    "Attachment",
    "Milestone",
    "Objective",
    "PlanRevision",
    "ProcedureStep",
    "ProgressUpdate",
    "Regulation",
    "RegulationVersion",
    "ReportKind",
    "ReportSchedule",
    "WorkReport",
    "WorkReportEvent",
    "WorkReportKpi",
]
