"""Models of the quality dialogue (``dialogue``: the dialogue, its frozen evidence
pack and the statements; ``meeting``: agenda, participants, minutes,
assessments, agreed actions and approvals)."""

from .dialogue import (
    PREPARATION_STATUSES,
    STATEMENT_STATUSES,
    DialogueLocked,
    DialogueStatus,
    EvidencePack,
    QualityDialogue,
    Side,
    Statement,
    canonical_json,
    sha256_of,
)
from .meeting import (
    ActionStatus,
    AgendaItem,
    AgendaKind,
    AgreedAction,
    Assessment,
    AssessmentCategory,
    Effectiveness,
    MinutesApproval,
    Participant,
)

__all__ = [
    "PREPARATION_STATUSES",
    "STATEMENT_STATUSES",
    "ActionStatus",
    "AgendaItem",
    "AgendaKind",
    "AgreedAction",
    "Assessment",
    "AssessmentCategory",
    "DialogueLocked",
    "DialogueStatus",
    "Effectiveness",
    "EvidencePack",
    "MinutesApproval",
    "Participant",
    "QualityDialogue",
    "Side",
    "Statement",
    "canonical_json",
    "sha256_of",
]
