"""Models, one module per aggregate. Importing this package registers every table on Base."""

from .audit import AuditEvent
from .ballot import Answer, Ballot, DailyTally, FoldQueue, MonthlyTally, SubtreeTally
from .followup import AlertRule, CaseContact, FollowupCase, OutboxMessage, Webhook
from .index import (
    DossierCount,
    IndexBonus,
    IndexHandScore,
    IndexScheme,
    IndexSurveyAnswers,
)
from .kiosk import KioskDevice, KioskPairingCode
from .paper import PaperBatch, PaperCheck, PaperSheet
from .publication import IndexPublication, PeriodPublication
from .questionnaire import (
    ItemEquivalence,
    Questionnaire,
    QuestionnaireAssignment,
    QuestionnaireItem,
)
from .receipt import ReceiptToken
from .snapshot import PeriodSnapshot, SnapshotCell, SnapshotCounterSalt
from .submission import FormSubmission
from .unit import Counter, Unit
from .user import ApiToken, UserAccount

__all__ = [
    "AlertRule",
    "CaseContact",
    "FollowupCase",
    "OutboxMessage",
    "Webhook",
    "Answer",
    "AuditEvent",
    "ApiToken",
    "Ballot",
    "Counter",
    "DailyTally",
    "DossierCount",
    "FoldQueue",
    "FormSubmission",
    "IndexBonus",
    "IndexHandScore",
    "IndexPublication",
    "IndexScheme",
    "IndexSurveyAnswers",
    "ItemEquivalence",
    "KioskDevice",
    "KioskPairingCode",
    "MonthlyTally",
    "PaperBatch",
    "PaperCheck",
    "PaperSheet",
    "PeriodPublication",
    "PeriodSnapshot",
    "Questionnaire",
    "QuestionnaireAssignment",
    "QuestionnaireItem",
    "ReceiptToken",
    "SnapshotCell",
    "SnapshotCounterSalt",
    "SubtreeTally",
    "Unit",
    "UserAccount",
]
