from operations.models.regulations import (
    Acknowledgement,
    Attachment,
    ProcedureStep,
    Regulation,
    RegulationVersion,
)

__all__ = ["Acknowledgement", "Attachment", "ProcedureStep", "Regulation", "RegulationVersion"]
