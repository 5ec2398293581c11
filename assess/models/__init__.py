"""Every model, so ``from assess.models import Indicator`` works and Alembic sees all tables."""

from assess.models.assessment import Answer, Assessment
from assess.models.base import AnswerState, AssessmentState, Base, InstansiKind, PredikatBasis, RoleName
from assess.models.catalog import Aspect, Domain, EvidenceItem, Indicator, IndicatorLevel, Instrument
from assess.models.cycle import STAGE_ORDER, AssessmentStage, ButirVerdict, CycleStage, Verdict, VerdictSource
from assess.models.evidence import AnswerEvidence, AnswerItem, Blob, DocType, Evidence, EvidenceKind, EvidenceVersion
from assess.models.export import ACTIVE_EXPORT_STATES, Export, ExportState
from assess.models.operation import InstansiGroup, Invitation, ReminderSent, group_instansi, group_pembina
from assess.models.planning import FollowUp, OfficialValue, Scenario, Target
from assess.models.review import AuditEntry, CannedComment, Comment, Notification, NotificationKind
from assess.models.user import Instansi, LoginSession, Membership, Role, Unit, UnitMember, User, roles_users

__all__ = [
    "ACTIVE_EXPORT_STATES",
    "STAGE_ORDER",
    "Answer",
    "AnswerEvidence",
    "AnswerItem",
    "AnswerState",
    "Aspect",
    "Assessment",
    "AssessmentStage",
    "AssessmentState",
    "AuditEntry",
    "Base",
    "Blob",
    "ButirVerdict",
    "CannedComment",
    "Comment",
    "CycleStage",
    "DocType",
    "Domain",
    "Evidence",
    "EvidenceItem",
    "EvidenceKind",
    "EvidenceVersion",
    "Export",
    "ExportState",
    "FollowUp",
    "Indicator",
    "IndicatorLevel",
    "Instansi",
    "InstansiGroup",
    "InstansiKind",
    "Instrument",
    "Invitation",
    "LoginSession",
    "Membership",
    "Notification",
    "NotificationKind",
    "OfficialValue",
    "PredikatBasis",
    "ReminderSent",
    "Role",
    "RoleName",
    "Scenario",
    "Target",
    "Unit",
    "UnitMember",
    "User",
    "Verdict",
    "VerdictSource",
    "group_instansi",
    "group_pembina",
    "roles_users",
]
