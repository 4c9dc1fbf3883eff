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
from dialoq.cases.models.planning import (
    GAS_INSTRUMENT,
    Goal,
    GoalRating,
    HelpPlan,
    Perspective,
    Review,
)

__all__ = [
    "GAS_INSTRUMENT",
    "PSEUDONYM_ALPHABET",
    "AgeBand",
    "Beneficiary",
    "Case",
    "CaseQuerySet",
    "CaseStatus",
    "ClosureReason",
    "Goal",
    "GoalRating",
    "HelpPlan",
    "HouseholdType",
    "IntegrationOutcome",
    "Perspective",
    "Review",
    "Sex",
    "new_pseudonym",
]
