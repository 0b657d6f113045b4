"""Models, one module per aggregate. Importing this package registers every table on Base."""

from .audit import AuditEvent
from .ballot import Answer, Ballot, DailyTally
from .questionnaire import Questionnaire, QuestionnaireItem
from .unit import Counter, Unit
from .user import ApiToken, KioskDevice, UserAccount

__all__ = [
    "Answer",
    "AuditEvent",
    "ApiToken",
    "Ballot",
    "Counter",
    "DailyTally",
    "KioskDevice",
    "Questionnaire",
    "QuestionnaireItem",
    "Unit",
    "UserAccount",
]
