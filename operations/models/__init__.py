from operations.models.assignments import Assignment, AssignmentAttachment, AssignmentUpdate
from operations.models.coordination import (
    CoordinationAttachment,
    CoordinationRequest,
    CoordinationUpdate,
    ServiceLevel,
)
from operations.models.decisions import DecisionEvent, DecisionOption, DecisionRequest
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
    "CoordinationAttachment",
    "CoordinationRequest",
    "CoordinationUpdate",
    "DecisionEvent",
    "DecisionOption",
    "DecisionRequest",
    "Milestone",
    "Objective",
    "PlanRevision",
    "ProcedureStep",
    "ProgressUpdate",
    "Regulation",
    "RegulationVersion",
    "ReportKind",
    "ReportSchedule",
    "ServiceLevel",
    "WorkReport",
    "WorkReportEvent",
    "WorkReportKpi",
]
