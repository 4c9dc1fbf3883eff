from dialoq.cases.models.beneficiaries import (
    PSEUDONYM_ALPHABET,
    AgeBand,
    Beneficiary,
    HouseholdType,
    Sex,
    new_pseudonym,
)
from dialoq.cases.models.cases import (
    Case,
    CaseQuerySet,
    CaseStatus,
    ClosureReason,
    IntegrationOutcome,
)
from dialoq.cases.models.contacts import Contact, ContactKind
from dialoq.cases.models.history import (
    AccessAction,
    AccessLogEntry,
    CaseEvent,
    CaseEventKind,
)
from dialoq.cases.models.identity import IDENTITY_FIELDS, BeneficiaryIdentity
from dialoq.cases.models.needs import (
    NEED_SCALE_MAX,
    NEED_SCALE_MIN,
    NeedAssessment,
    NeedDimension,
    NeedOccasion,
    NeedRating,
)
from dialoq.cases.models.planning import (
    GAS_INSTRUMENT,
    Goal,
    GoalRating,
    GoalResponsibility,
    HelpPlan,
    Perspective,
    Review,
)
from dialoq.cases.models.reports import ProgressReport

__all__ = [
    "GAS_INSTRUMENT",
    "IDENTITY_FIELDS",
    "NEED_SCALE_MAX",
    "NEED_SCALE_MIN",
    "PSEUDONYM_ALPHABET",
    "AccessAction",
    "AccessLogEntry",
    "AgeBand",
    "Beneficiary",
    "BeneficiaryIdentity",
    "Case",
    "CaseEvent",
    "CaseEventKind",
    "CaseQuerySet",
    "CaseStatus",
    "ClosureReason",
    "Contact",
    "ContactKind",
    "Goal",
    "GoalRating",
    "GoalResponsibility",
    "HelpPlan",
    "HouseholdType",
    "IntegrationOutcome",
    "NeedAssessment",
    "NeedDimension",
    "NeedOccasion",
    "NeedRating",
    "Perspective",
    "ProgressReport",
    "Review",
    "Sex",
    "new_pseudonym",
]
