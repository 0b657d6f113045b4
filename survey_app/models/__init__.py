"""Models, one module per aggregate. Importing this package registers every table on Base."""

from .audit import AuditEvent
from .ballot import Answer, Ballot, DailyTally, MonthlyTally
from .paper import PaperBatch, PaperCheck, PaperSheet
from .questionnaire import (
    ItemEquivalence,
    Questionnaire,
    QuestionnaireAssignment,
    QuestionnaireItem,
)
from .receipt import ReceiptToken
from .unit import Counter, Unit
from .user import ApiToken, KioskDevice, UserAccount

__all__ = [
    "Answer",
    "AuditEvent",
    "ApiToken",
    "Ballot",
    "Counter",
    "DailyTally",
    "ItemEquivalence",
    "KioskDevice",
    "MonthlyTally",
    "PaperBatch",
    "PaperCheck",
    "PaperSheet",
    "Questionnaire",
    "QuestionnaireAssignment",
    "QuestionnaireItem",
    "ReceiptToken",
    "Unit",
    "UserAccount",
]
