"""Roles, actions and the permission matrix: the rules of who may do what, as data.

The matrix says, for each role and action, whether the action is denied, allowed
within the scope of the membership's organisation (``SCOPED``), allowed within
that scope only while an audit mandate with a stated reason is valid
(``AUDIT``), or allowed independent of any organisation (``GLOBAL``). Which
records fall into a scope is decided by :mod:`dialoq.accounts.scoping`.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    FUNDER = "funder", _("Funder (Leistungsträger)")
    PROVIDER = "provider", _("Provider (Leistungserbringer)")
    NETWORK = "network", _("Benchlearning network")


class Role(models.TextChoices):
    CASE_MANAGER = "case_manager", _("Case manager")
    CASEWORKER = "caseworker", _("Caseworker")
    QM_OFFICER = "qm_officer", _("QM officer")
    MANAGER = "manager", _("Manager")
    COMMITTEE_VIEWER = "committee_viewer", _("Committee viewer")
    AUDITOR = "auditor", _("Auditor")
    NETWORK_COORDINATOR = "network_coordinator", _("Network coordinator")
    PLATFORM_ADMIN = "platform_admin", _("Platform administrator")


class Action(models.TextChoices):
    VIEW_CASE = "case.view", _("See cases")
    CHANGE_CASE = "case.change", _("Document cases")
    VIEW_IDENTITY = "beneficiary.view_identity", _("See a beneficiary's identity")
    VIEW_AGGREGATES = "aggregates.view", _("See aggregated figures")
    CHANGE_CATALOG = "catalog.change", _("Define criteria, indicators, standards")
    VIEW_ACCESS_LOG = "access_log.view", _("Search the access log")
    APPROVE = "agreement.approve", _("Approve agreements and minutes")
    PROPOSE_AGREEMENT = "agreement.propose", _("Propose changes to agreements")
    VIEW_REPORTS = "report.view", _("Read published reports")
    ADMINISTER = "platform.administer", _("Administer the platform")
    VIEW_DEVIATIONS = "deviation.view", _("See deviations")
    REPORT_DEVIATION = "deviation.report", _("Report deviations")
    WORK_DEVIATION = "deviation.work", _("Work on deviations")
    VERIFY_DEVIATION = "deviation.verify", _("Verify and close deviations")
    HANDLE_COMPLAINTS = "complaint.handle", _("Handle complaints")
    SELF_ASSESS = "self_assessment.answer", _("Answer cooperative self-assessments")


class Decision(models.TextChoices):
    DENY = "deny", _("denied")
    SCOPED = "scoped", _("within the organisation")
    AUDIT = "audit", _("within the organisation, with reason and expiry")
    GLOBAL = "global", _("everywhere")


# Which organisation kinds a role can be held in.
ROLE_ORGANISATION_KINDS = {
    Role.CASE_MANAGER: {OrganisationKind.FUNDER},
    Role.CASEWORKER: {OrganisationKind.PROVIDER},
    Role.QM_OFFICER: {OrganisationKind.FUNDER, OrganisationKind.PROVIDER},
    Role.MANAGER: {OrganisationKind.FUNDER, OrganisationKind.PROVIDER},
    Role.COMMITTEE_VIEWER: {OrganisationKind.FUNDER},
    Role.AUDITOR: {OrganisationKind.FUNDER, OrganisationKind.PROVIDER},
    Role.NETWORK_COORDINATOR: {OrganisationKind.NETWORK},
    Role.PLATFORM_ADMIN: set(OrganisationKind),
}

# Roles whose holders must confirm every sign-in with a one-time code.
TWO_FACTOR_ROLES = frozenset({Role.QM_OFFICER, Role.MANAGER, Role.PLATFORM_ADMIN})

# Roles whose holders only read: they can never change a record.
READ_ONLY_ROLES = frozenset({Role.AUDITOR, Role.COMMITTEE_VIEWER})

_S, _A, _G = Decision.SCOPED, Decision.AUDIT, Decision.GLOBAL

PERMISSIONS: dict[Role, dict[Action, Decision]] = {
    Role.CASE_MANAGER: {
        Action.VIEW_CASE: _S,
        Action.CHANGE_CASE: _S,
        Action.VIEW_IDENTITY: _S,
        Action.VIEW_AGGREGATES: _S,
        Action.VIEW_REPORTS: _S,
        Action.VIEW_DEVIATIONS: _S,
        Action.REPORT_DEVIATION: _S,
        Action.WORK_DEVIATION: _S,
    },
    Role.CASEWORKER: {
        Action.VIEW_CASE: _S,
        Action.CHANGE_CASE: _S,
        Action.VIEW_AGGREGATES: _S,
        Action.VIEW_REPORTS: _S,
        Action.VIEW_DEVIATIONS: _S,
        Action.REPORT_DEVIATION: _S,
        Action.WORK_DEVIATION: _S,
    },
    Role.QM_OFFICER: {
        Action.VIEW_CASE: _S,
        Action.VIEW_AGGREGATES: _S,
        Action.CHANGE_CATALOG: _S,
        Action.VIEW_ACCESS_LOG: _S,
        Action.VIEW_REPORTS: _S,
        Action.SELF_ASSESS: _S,
        Action.PROPOSE_AGREEMENT: _S,
        Action.VIEW_DEVIATIONS: _S,
        Action.REPORT_DEVIATION: _S,
        Action.WORK_DEVIATION: _S,
        Action.VERIFY_DEVIATION: _S,
        Action.HANDLE_COMPLAINTS: _S,
    },
    Role.MANAGER: {
        Action.VIEW_CASE: _S,
        Action.VIEW_AGGREGATES: _S,
        Action.VIEW_ACCESS_LOG: _S,
        Action.APPROVE: _S,
        Action.PROPOSE_AGREEMENT: _S,
        Action.VIEW_REPORTS: _S,
        Action.SELF_ASSESS: _S,
        Action.VIEW_DEVIATIONS: _S,
        Action.REPORT_DEVIATION: _S,
        Action.WORK_DEVIATION: _S,
        Action.VERIFY_DEVIATION: _S,
        Action.HANDLE_COMPLAINTS: _S,
    },
    Role.COMMITTEE_VIEWER: {
        Action.VIEW_REPORTS: _S,
    },
    Role.AUDITOR: {
        Action.VIEW_CASE: _A,
        Action.VIEW_AGGREGATES: _A,
        Action.VIEW_ACCESS_LOG: _A,
        Action.VIEW_REPORTS: _A,
        Action.VIEW_DEVIATIONS: _A,
    },
    Role.NETWORK_COORDINATOR: {
        Action.VIEW_AGGREGATES: _S,
        Action.VIEW_REPORTS: _S,
    },
    Role.PLATFORM_ADMIN: {
        Action.ADMINISTER: _G,
    },
}


def decision(role: str, action: str) -> Decision:
    """Return what the matrix says about a role performing an action."""
    return PERMISSIONS.get(Role(role), {}).get(Action(action), Decision.DENY)
