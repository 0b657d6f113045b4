"""The declared shapes of the API's JSON bodies and query strings (pydantic v2).

Each model forbids unknown fields, and its limits are written once: the OpenAPI document's
``components/schemas`` are generated from these models (``docs.py``), and the views validate
with them (:func:`validate`). A failed check raises a ``PydanticCustomError`` whose type is a
message key of ``survey_app.messages`` and whose context its parameters, so the API answers
the same bilingual field errors as ever (``problems.validation_problems``). Rules that need
the database (a unit exists, the caller may use it) stay in the services and views.

The vote body is checked by ``services/votes.parse_vote`` (its order of checks and messages
are part of the API); :class:`VoteIn` declares its shape for the document.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from datetime import date, datetime
from typing import Annotated, Any, Literal

from flask import request
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from ...domain.problems import Problem
from ...domain.vocab import CHANNELS, LEVELS, REASONS, RESPONDENT_GROUPS
from ...inputs import (
    MAX_DATE,
    MIN_DATE,
    ascii_int,
    in_date_range,
    iso_date,
    unencodable_fields,
)
from ...services import receipts as receipts_service
from ...services.errors import Invalid
from ...services.paper import LABEL_MAX, MAX_ISSUED
from ...services.votes import DEFAULT_QUESTIONNAIRE, MAX_VERSION, TEXT_LIMITS
from .problems import validation_problems

#: The longest date range a figures query (or a batch) may span.
MAX_RANGE_DAYS = 3660
#: The longest dossier number of a receipt code (the same as a vote's).
DOSSIER_MAX = TEXT_LIMITS["dossier"]


def refuse(key: str, **params: Any) -> PydanticCustomError:
    """A failed check: ``key`` of survey_app.messages with its parameters."""
    return PydanticCustomError(key, key, params)


def _query_day(value: Any) -> date:
    """A query string's date: given and not empty, then as :func:`_day`."""
    if not value:
        raise refuse("required")
    return _day(value)


def _day(value: Any) -> date:
    """An ISO date in MIN_DATE … MAX_DATE (a query's ``from``/``to``, a body's dates)."""
    if value is None:
        raise refuse("required")
    day = iso_date(value)
    if day is None:
        raise refuse("bad_date")
    if not in_date_range(day):  # far from date.min/max: the UTC bounds stay real dates
        raise refuse("date_out_of_range", min=MIN_DATE.isoformat(), max=MAX_DATE.isoformat())
    return day


Day = Annotated[date, BeforeValidator(_day)]
QueryDay = Annotated[date, BeforeValidator(_query_day)]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=False)


# --- query strings --------------------------------------------------------------------------

def _required_text(value: Any) -> str:
    if not value:
        raise refuse("required")
    return str(value)


def _flag(value: Any) -> str:
    if value not in ("0", "1"):
        raise refuse("bad_flag")
    return str(value)


class UnitPeriodQuery(Request):
    """``unit``, ``from``, ``to``, ``subtree`` (and ``lang``): shared by the figures routes."""

    from_: QueryDay = Field(alias="from")
    to: QueryDay
    subtree: Annotated[Literal["0", "1"], BeforeValidator(_flag)] = "0"
    unit: Annotated[str, BeforeValidator(_required_text)]
    lang: Literal["vi", "en"] | str | None = None

    @classmethod
    def own_fields(cls) -> list[str]:
        """The fields a route's query adds to the shared ones."""
        return [n for n in cls.model_fields if n not in UnitPeriodQuery.model_fields]

    @field_validator("to")
    @classmethod
    def _range(cls, end: date, info: ValidationInfo) -> date:
        start = info.data.get("from_")
        if start is not None:
            if end < start:
                raise refuse("date_order")
            if (end - start).days >= MAX_RANGE_DAYS:
                raise refuse("range_too_long", max=MAX_RANGE_DAYS)
        return end


def _channel(value: Any) -> str | None:
    if value is not None and value not in CHANNELS:
        raise refuse("unknown_channel", allowed=", ".join(CHANNELS))
    return value  # type: ignore[no-any-return]


class FiguresQuery(UnitPeriodQuery):
    channel: Annotated[Literal[CHANNELS] | None,  # type: ignore[valid-type]
                       BeforeValidator(_channel)] = None


def _level(value: Any) -> str | None:
    if value is not None and value not in LEVELS:
        raise refuse("unknown_level", allowed=", ".join(LEVELS))
    return value  # type: ignore[no-any-return]


def _page_size(value: Any) -> int:
    size = ascii_int(value, 1, COMMENTS_PAGE_MAX)
    if size is None:
        raise refuse("bad_integer")
    return size


#: The most comments one page of GET /api/v1/comments holds.
COMMENTS_PAGE_MAX = 200


class CommentsQuery(FiguresQuery):
    """GET /api/v1/comments: the figures' unit and dates, then filters and the page cursor."""

    level: Annotated[Literal[LEVELS] | None,  # type: ignore[valid-type]
                     BeforeValidator(_level)] = None
    include_void: Annotated[Literal["0", "1"], BeforeValidator(_flag)] = "0"
    cursor: Annotated[str | None, Field(max_length=200)] = None
    limit: Annotated[int, BeforeValidator(_page_size)] = 50


def _version(value: Any) -> int | None:
    if value is None:
        return None
    version = ascii_int(value, 1, MAX_VERSION)  # not "²", which isdigit() takes
    if version is None:
        raise refuse("bad_integer")
    return version


class ItemFiguresQuery(UnitPeriodQuery):
    questionnaire: Annotated[str, BeforeValidator(_required_text)]
    version: Annotated[int | None, BeforeValidator(_version)] = Field(
        None, ge=1, le=MAX_VERSION)


class LangQuery(Request):
    """Routes that take no query parameter but the language."""

    lang: Literal["vi", "en"] | str | None = None


# --- bodies ---------------------------------------------------------------------------------

class Answers(BaseModel):
    """The answers of the default counter ballot (other questionnaires name their own items)."""

    model_config = ConfigDict(extra="allow")

    overall: Literal[LEVELS] | None = None  # type: ignore[valid-type]
    reasons: list[Literal[REASONS]] | None = None  # type: ignore[valid-type]
    comment: str | None = Field(None, max_length=1000)


class CallbackIn(Request):
    phone: str = Field(max_length=40)
    consent: Literal[True]


class VoteIn(Request):
    client_id: uuid.UUID
    unit: str | None = Field(None, description="implied by a kiosk token")
    counter: str | None = None
    channel: Literal[CHANNELS] = "paper"  # type: ignore[valid-type]
    questionnaire: str = DEFAULT_QUESTIONNAIRE
    version: int | None = Field(None, ge=1, le=MAX_VERSION,
                                description="default: the latest version")
    answers: Answers
    answered_at: datetime = Field(description="ISO-8601 with an offset")
    respondent_group: Literal[RESPONDENT_GROUPS] | None = None  # type: ignore[valid-type]
    procedure_field: str | None = Field(None, max_length=TEXT_LIMITS["procedure_field"])
    procedure_code: str | None = Field(None, max_length=TEXT_LIMITS["procedure_code"])
    dossier: str | None = Field(None, max_length=TEXT_LIMITS["dossier"],
                                description="stored only as a keyed hash")
    callback: CallbackIn | None = Field(
        None, description="after not_satisfied: open a follow-up case; the number is kept "
                          "apart from the ballot")


def _text(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise refuse("must_be_text")
    return value


def _unit_code(value: Any) -> str:
    if not isinstance(value, str):
        raise refuse("required")
    return value


def _nonempty_unit_code(value: Any) -> str:
    if not value:
        raise refuse("required")
    return _unit_code(value)


def _after_start(end: date, info: ValidationInfo) -> date:
    start = info.data.get("from_")
    if start is not None and end < start:
        raise refuse("date_order")
    return end


def _body_day(value: Any) -> date | None:
    return None if value is None else _day(value)


class PaperBatchIn(Request):
    """Checked here: the dates, the unit's type, the label's; the service judges the counts
    and the label's length (``paper.create_batch``)."""

    from_: Day = Field(alias="from")
    to: Annotated[Day, AfterValidator(_after_start)]
    unit: Annotated[str, BeforeValidator(_unit_code)]
    issued: int = Field(ge=1, le=MAX_ISSUED)
    returned: int = Field(ge=0, le=MAX_ISSUED)
    label: Annotated[str | None, BeforeValidator(_text)] = Field(
        None, json_schema_extra={"maxLength": LABEL_MAX})
    questionnaire: str = DEFAULT_QUESTIONNAIRE
    version: int | None = Field(None, ge=1, le=MAX_VERSION)


class PaperSheetIn(Request):
    """Checked here: the date's form and that answers are given; the service judges the
    serial and the answers against the batch (``paper.enter_sheet``)."""

    serial: int = Field(ge=1)
    answered_on: Annotated[date | None, BeforeValidator(_body_day)] = Field(
        None, description="default: the batch's last day")
    answers: Any = Field(json_schema_extra={"type": "object"})  # judged by the service


def _dossier(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise refuse("required")
    if len(value) > DOSSIER_MAX:
        raise refuse("too_long", max=DOSSIER_MAX)
    return value


def _days(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) \
            or not 1 <= value <= receipts_service.MAX_DAYS:
        raise refuse("bad_days", max=receipts_service.MAX_DAYS)
    return value


class ReceiptIn(Request):
    unit: Annotated[str, BeforeValidator(_nonempty_unit_code)]
    counter: str | None = None
    dossier: Annotated[str, BeforeValidator(_dossier)] = Field(max_length=DOSSIER_MAX)
    expires_in_days: Annotated[int | None, BeforeValidator(_days)] = Field(
        None, ge=1, le=receipts_service.MAX_DAYS, description="default: SURVEY_RECEIPT_DAYS")


def _pairing_code(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise refuse("pairing_malformed")
    return value


class PairIn(Request):
    """A kiosk's pairing request (other fields are ignored, as tablets of every release
    send them)."""

    model_config = ConfigDict(extra="ignore")

    code: Annotated[str, BeforeValidator(_pairing_code)] = Field(
        description="the 8-character code shown on the officer's screen, e.g. ABCD-EFGH")


#: The models whose schemas the OpenAPI document lists.
BODIES: tuple[type[BaseModel], ...] = (VoteIn, PaperBatchIn, PaperSheetIn, ReceiptIn, PairIn)


# --- validation -----------------------------------------------------------------------------

def validate(model: type[Request], data: Mapping[str, Any]
             ) -> tuple[Any, dict[str, Problem]]:
    """``(instance, {})`` or ``(None, problems by field)``."""
    try:
        return model.model_validate(dict(data)), {}
    except ValidationError as exc:
        return None, validation_problems(exc, model)


def read_body(model: type[Request], *, judged_later: Collection[str] = (),
              nested: Collection[str] = (), text_first: bool = False
              ) -> tuple[dict[str, Any], dict[str, Problem]]:
    """This request's JSON object and its problems against ``model`` (those of the fields in
    ``judged_later`` left to the service or the view): unknown fields first, then text that
    is not UTF-8 (``bad_text``; fields in ``nested`` are looked into), then the rest.

    Raises ``Invalid`` for a body that is not a JSON object, and — with ``text_first`` — for
    unreadable text, naming only the unknown and unreadable fields (nothing can look them up).
    """
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise Invalid(problems={"body": Problem("bad_json")})
    _, checked = validate(model, payload)
    unknown = {f: p for f, p in checked.items() if p.key == "unknown_field"}
    unreadable = {f: Problem("bad_text") for f in unencodable_fields(payload, nested=nested)}
    problems = {**unknown, **unreadable}
    if unreadable and text_first:
        raise Invalid(problems=problems)
    problems.update({f: p for f, p in checked.items()
                     if p.key != "unknown_field" and f not in judged_later})
    return payload, problems
