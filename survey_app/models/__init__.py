"""Models, one module per aggregate. Importing this package registers every table on Base."""

from .ballot import Answer, Ballot, DailyTally
from .questionnaire import Questionnaire, QuestionnaireItem
from .unit import Counter, Unit
from .user import ApiToken, KioskDevice, UserAccount

__all__ = [
    "Answer",
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
