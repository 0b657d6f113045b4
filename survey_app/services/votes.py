"""Recording votes from any channel: validate, authorise, store idempotently, count it.

Every submission carries a client-generated UUID. The same id with the same content is a replay
(answered with the original record, nothing stored); the same id with other content is a
conflict. Concurrent submissions of one id store one ballot: the insert runs in a savepoint and
a unique-key violation turns into a replay or conflict answer.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, insert, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from ..domain.periods import counted_time, local_date
from ..domain.problems import Problem
from ..domain.questionnaire import validate_answers
from ..domain.vocab import CHANNELS, RESPONDENT_GROUPS
from ..inputs import printable, unencodable_fields
from ..models import (
    Answer,
    Ballot,
    Counter,
    DailyTally,
    FoldQueue,
    MonthlyTally,
    Unit,
    UserAccount,
)
from ..models.unit import in_force as unit_in_force
from .access import may_enter_paper
from .errors import Conflict, Forbidden, Invalid
from .questionnaires import (
    QuestionnaireVersion,
    assigned_questionnaire,
    cached_questionnaire,
    questionnaire_version,
)
from .security import fingerprint, keyed_hash
from .units import counter_by_code, unit_by_code

DEFAULT_QUESTIONNAIRE = "KIOSK-3L"
MAX_VERSION = 1_000_000
#: Longest text of each free-text context field of a vote (the API's VoteIn schema reads these).
TEXT_LIMITS = {"procedure_field": 80, "procedure_code": 40, "dossier": 100}
VOTE_FIELDS = frozenset({
    "client_id", "unit", "counter", "channel", "questionnaire", "version", "answers",
    "answered_at", "respondent_group", "procedure_field", "procedure_code", "dossier",
})


class VoteInvalid(Invalid, ValueError):
    """Problems by field (``answers.overall`` for an item)."""

    problems: dict[str, Problem]

    def __init__(self, problems: Mapping[str, Problem]) -> None:
        super().__init__(problems=problems)


class VoteForbidden(Forbidden, PermissionError):
    """The credential may not vote this way; ``key`` is a message key."""

    def __init__(self, key: str) -> None:
        super().__init__(key)


class VoteConflict(Conflict):
    """The client_id is taken by a ballot with different content."""

    def __init__(self, client_id: uuid.UUID) -> None:
        super().__init__(detail=str(client_id))
        self.client_id = client_id


@dataclass(frozen=True, slots=True)
class Place:
    """A unit or counter as a cached kiosk principal knows it (the id and code a vote needs),
    kept per process instead of a session-bound row."""

    id: int
    code: str
    #: A unit's validity, read fresh with every request's device check (merges end units).
    valid_from: date | None = None
    valid_to: date | None = None

    def in_force(self, day: date) -> bool:
        return unit_in_force(self.valid_from, self.valid_to, day)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is submitting, and what that pins down.

    A kiosk device pins its unit, counter and the ``kiosk`` channel. A public form (web link,
    QR poster, receipt code) pins the unit, counter and channel it was opened for. A user (API
    token) pins nothing: the submission names unit and channel, and the role decides.
    """

    device_id: int | None = None
    user: UserAccount | None = None
    unit: Unit | Place | None = None
    counter: Counter | Place | None = None
    channel: str | None = None
    #: For a kiosk device: the questionnaire catalogue's generation read with the device check
    #: in this transaction (see :func:`kiosk.kiosk_principal`); the questionnaire the unit votes
    #: with may then come from the per-process cache.
    catalogue: tuple[int, int] | None = None

    @classmethod
    def for_public(cls, unit: Unit, channel: str, counter: Counter | None = None) -> Principal:
        return cls(unit=unit, counter=counter, channel=channel)

    @property
    def pinned(self) -> bool:
        return self.channel is not None


#: Defaults of the burst rule: more than 5 votes answered within 60 s (see :func:`burst_flag`).
BURST_VOTES = 5
BURST_SECONDS = 60


@dataclass(frozen=True, slots=True)
class BurstRule:
    """More than ``votes`` votes from one device answered within ``seconds`` is a burst."""

    votes: int = BURST_VOTES
    seconds: int = BURST_SECONDS

    @property
    def enabled(self) -> bool:
        return self.votes > 0 and self.seconds > 0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> BurstRule:
        """``KIOSK_BURST_VOTES`` / ``KIOSK_BURST_SECONDS`` (``SURVEY_…`` in the environment)."""
        return cls(votes=int(config.get("KIOSK_BURST_VOTES", BURST_VOTES)),
                   seconds=int(config.get("KIOSK_BURST_SECONDS", BURST_SECONDS)))


@dataclass(frozen=True, slots=True)
class VotePolicy:
    """Settings from the app config that decide how a vote is stored."""

    timezone: ZoneInfo
    secret_key: str
    clock_skew: timedelta = timedelta(minutes=5)
    max_age: timedelta = timedelta(days=30)
    burst: BurstRule = BurstRule()

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> VotePolicy:
        """The policy the app's configuration describes (SURVEY_TIMEZONE, …)."""
        return cls(
            timezone=ZoneInfo(cfg["TIMEZONE"]), secret_key=cfg["SECRET_KEY"],
            clock_skew=timedelta(seconds=int(cfg["CLOCK_SKEW_SECONDS"])),
            max_age=timedelta(days=int(cfg["MAX_ANSWER_AGE_DAYS"])),
            burst=BurstRule.from_config(cfg),
        )


@dataclass(slots=True)
class VoteIn:
    """A validated, authorised submission, ready to store."""

    client_id: uuid.UUID
    unit_id: int
    counter_id: int | None
    channel: str
    questionnaire: QuestionnaireVersion
    answers: dict[str, Any]
    answered_at: datetime
    respondent_group: str | None = None
    procedure_field: str | None = None
    procedure_code: str | None = None
    dossier_hash: str | None = None
    device_id: int | None = None
    user_id: int | None = None
    #: Set by a channel's own integrity check (a kiosk burst, a rate limit, a honeypot) before
    #: storing; the vote is then stored flagged with this reason, never dropped.
    flag: str | None = None
    #: The canonical content a replay must match.
    content: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StoredVote:
    """What the API answers for a stored vote (the same for the first answer and replays)."""

    id: int
    client_id: uuid.UUID
    status: str
    flag_reason: str | None

    def body(self) -> dict[str, Any]:
        return {"id": self.id, "client_id": str(self.client_id), "status": self.status,
                "flag_reason": self.flag_reason}


@dataclass(frozen=True, slots=True)
class VoteResult:
    vote: StoredVote
    created: bool


def parse_vote(
    session: Session, payload: Any, principal: Principal, policy: VotePolicy
) -> VoteIn:
    """Validate a JSON submission and check the principal may make it.

    Raises :class:`VoteInvalid` (422) listing every bad field, or :class:`VoteForbidden` (403).
    """
    if not isinstance(payload, Mapping):
        raise VoteInvalid({"body": Problem("must_be_object")})
    problems: dict[str, Problem] = {}
    for name in payload:
        if name not in VOTE_FIELDS:
            problems[printable(str(name))] = Problem("unknown_field")
    # Lone surrogates ("\ud800" in JSON) cannot be hashed, stored or logged: refuse them here,
    # by field, before anything looks them up.
    unreadable = unencodable_fields(payload, nested=("answers",))
    if unreadable:
        raise VoteInvalid({**problems, **{name: Problem("bad_text") for name in unreadable}})

    client_id = _uuid(payload.get("client_id"), problems)
    answered_at = _timestamp(payload.get("answered_at"), problems)
    unit, counter = _unit_and_counter(session, payload, principal, problems)
    if unit is not None and answered_at is not None:
        # a merged (or not yet created) unit takes no votes; its history stays where it is
        day = local_date(answered_at, policy.timezone)
        if not unit.in_force(day):
            problems["unit"] = Problem("unit_not_in_force",
                                       {"unit": unit.code, "day": day.strftime("%d/%m/%Y")})
    channel = _channel(payload.get("channel"), principal, problems)
    questionnaire = _questionnaire(session, payload, problems, unit.id if unit else None,
                                   channel, policy, principal.catalogue)
    definition = questionnaire.definition if questionnaire else None
    if definition is not None and channel is not None and channel not in definition.channels:
        problems["channel"] = Problem("channel_not_allowed", {"channel": channel})

    answers: dict[str, Any] = {}
    if "answers" not in payload:
        problems["answers"] = Problem("required")
    elif definition is not None:
        answers, answer_problems = validate_answers(definition, payload["answers"])
        for code, problem in answer_problems.items():
            problems["answers" if code == "answers" else f"answers.{code}"] = problem

    context = {
        "respondent_group": _optional_choice(payload, "respondent_group", RESPONDENT_GROUPS,
                                             problems),
        "procedure_field": _optional_text(payload, "procedure_field", problems),
        "procedure_code": _optional_text(payload, "procedure_code", problems),
    }
    dossier = _optional_text(payload, "dossier", problems)
    if problems:
        raise VoteInvalid(problems)
    # Respondent fields asked on the form itself fill the ballot's context columns.
    if context["respondent_group"] is None and answers.get("respondent_group") in RESPONDENT_GROUPS:
        context["respondent_group"] = answers["respondent_group"]
    if context["procedure_field"] is None and isinstance(answers.get("procedure_field"), str):
        context["procedure_field"] = answers["procedure_field"][:TEXT_LIMITS["procedure_field"]]
    assert client_id and answered_at and unit and channel and questionnaire

    _authorise(session, principal, unit.id, channel)
    dossier_hash = keyed_hash(policy.secret_key, "dossier", dossier) if dossier else None
    content = {
        "unit": unit.code,
        "counter": counter.code if counter else None,
        "channel": channel,
        "questionnaire": [questionnaire.code, questionnaire.version],
        "answers": answers,
        "answered_at": answered_at.isoformat(timespec="microseconds"),
        "dossier": dossier_hash,
        **context,
    }
    return VoteIn(
        client_id=client_id, unit_id=unit.id, counter_id=counter.id if counter else None,
        channel=channel, questionnaire=questionnaire, answers=answers,
        answered_at=answered_at, dossier_hash=dossier_hash,
        device_id=principal.device_id,
        user_id=principal.user.id if principal.user else None, content=content, **context,
    )


def record_vote(
    session: Session, vote: VoteIn, *, received_at: datetime, policy: VotePolicy
) -> VoteResult:
    """Store one vote idempotently with its unit's own day and month cells, and queue it for
    the subtree rollup (:mod:`.folding`), in the caller's transaction.

    The ballot is inserted with ``ON CONFLICT (client_id) DO NOTHING``: a concurrent or repeated
    submission of the same id inserts nothing and is answered from the stored row. Raises
    :class:`VoteConflict` when that row has different content.

    No row shared by a province's votes is written here: the daily and monthly cells are the
    voting unit's own; its ancestors' subtree rows are bumped later, a batch at a time, by
    :func:`.folding.fold_pending`. The statements are built once per process. On PostgreSQL
    the ballot, its answers, the queue entry and both cells are one ``INSERT`` with
    data-modifying CTEs (one round trip); SQLite has no such CTEs and runs them one by one.
    """
    digest = fingerprint(vote.content)
    # Paper ballots are keyed in long after they were filled in; their date is not a clock.
    counted = counted_time(vote.answered_at, received_at, skew=policy.clock_skew,
                           max_age=None if vote.channel == "paper" else policy.max_age)
    # Which flag wins: one set before storing (vote.flag), then the burst rule, then the clock.
    burst = policy.burst if (vote.channel == "kiosk" and vote.device_id is not None
                             and vote.flag is None and policy.burst.enabled) else None
    level = vote.questionnaire.definition.level_of(vote.answers)
    local_day = local_date(counted.at, policy.timezone)
    row = {
        "client_id": vote.client_id, "unit_id": vote.unit_id, "counter_id": vote.counter_id,
        "channel": vote.channel, "questionnaire_id": vote.questionnaire.id,
        "answered_at": vote.answered_at, "received_at": received_at, "counted_at": counted.at,
        "local_day": local_day, "level": level,
        "respondent_group": vote.respondent_group, "procedure_field": vote.procedure_field,
        "procedure_code": vote.procedure_code, "dossier_hash": vote.dossier_hash,
        "device_id": vote.device_id, "submitted_by_id": vote.user_id, "content_hash": digest,
    }
    answers = [
        (vote.questionnaire.item_ids[code], str(v))
        for code, value in vote.answers.items()
        for v in (value if isinstance(value, list) else [value])
    ]
    rolled = level is not None
    if session.get_bind().dialect.name == "postgresql":
        # the burst count is a subquery of the same statement: no round trip of its own
        stored = session.execute(_PG_VOTE, {
            **row, "month": local_day.replace(day=1), "rolled": rolled,
            "item_ids": [i for i, _ in answers], "answer_values": [v for _, v in answers],
            "preset_flag": vote.flag, "clock_flag": counted.flag,
            "burst_limit": burst.votes if burst else 0,
            "burst_start": vote.answered_at - timedelta(seconds=burst.seconds if burst else 0),
        }).first()
        if stored is None:
            return _replay(session, vote.client_id, digest)
        ballot_id, status, flag = stored
    else:
        flag = vote.flag or (burst and burst_flag(
            session, device_id=vote.device_id, client_id=vote.client_id,
            answered_at=vote.answered_at, rule=burst)) or counted.flag
        status = "flagged" if flag else "valid"
        ballot_id = _store_one_by_one(
            session, {**row, "status": status, "flag_reason": flag}, answers, rolled)
        if ballot_id is None:
            return _replay(session, vote.client_id, digest)
    return VoteResult(StoredVote(ballot_id, vote.client_id, status, flag), created=True)


_BALLOT_COLUMNS = (
    "client_id", "unit_id", "counter_id", "channel", "questionnaire_id", "answered_at",
    "received_at", "counted_at", "local_day", "level", "status", "flag_reason",
    "respondent_group", "procedure_field", "procedure_code", "dossier_hash", "device_id",
    "submitted_by_id", "content_hash",
)


def _pg_vote_statement() -> Any:
    """One round trip: the burst count, ballot, answers, queue entry, own-unit day and month
    cells. ``f`` decides the flag (:func:`record_vote`'s order: preset, burst, clock) with the
    burst count of :func:`burst_flag` as a subquery; ``burst_limit`` 0 skips it."""
    cell = "unit_id, {period}, channel, status, level"
    upsert = (
        "INSERT INTO {table} (unit_id, {period}, channel, status, level, count) "
        "SELECT :unit_id, :{param}, :channel, b.status, :level, 1 FROM b "
        "WHERE CAST(:rolled AS boolean) "
        "ON CONFLICT (" + cell + ") DO UPDATE SET count = {table}.count + 1")
    burst_count = (
        "(SELECT count(*) FROM (SELECT 1 FROM ballot WHERE device_id = :device_id "
        "AND answered_at > :burst_start AND answered_at <= :answered_at "
        "AND client_id <> :client_id LIMIT :burst_limit) AS w)")
    values = {c: f":{c}" for c in _BALLOT_COLUMNS}
    values["status"] = "CASE WHEN f.reason IS NULL THEN 'valid' ELSE 'flagged' END"
    values["flag_reason"] = "f.reason"
    sql = (
        "WITH f AS (SELECT COALESCE(CAST(:preset_flag AS text), "
        "CASE WHEN CAST(:burst_limit AS integer) > 0 AND " + burst_count
        + " >= CAST(:burst_limit AS integer) THEN 'burst' END, "
        "CAST(:clock_flag AS text)) AS reason), "
        "b AS (INSERT INTO ballot (" + ", ".join(_BALLOT_COLUMNS) + ") SELECT "
        + ", ".join(values[c] for c in _BALLOT_COLUMNS) + " FROM f "
        "ON CONFLICT (client_id) DO NOTHING RETURNING id, status, flag_reason), "
        "a AS (INSERT INTO answer (ballot_id, item_id, value) "
        "SELECT b.id, x.item_id, x.value FROM b, "
        "unnest(CAST(:item_ids AS integer[]), CAST(:answer_values AS text[])) "
        "AS x(item_id, value)), "
        "q AS (INSERT INTO fold_queue (ballot_id) SELECT id FROM b "
        "WHERE CAST(:rolled AS boolean)), "
        "d AS (" + upsert.format(table="daily_tally", period="day", param="local_day") + "), "
        "m AS (" + upsert.format(table="monthly_tally", period="month", param="month") + ") "
        "SELECT id, status, flag_reason FROM b")
    types = {c.name: c.type for c in Ballot.__table__.c
             if c.name in _BALLOT_COLUMNS and c.name not in ("status", "flag_reason")}
    types["burst_start"] = Ballot.__table__.c.answered_at.type
    return text(sql).bindparams(*(bindparam(name, type_=t) for name, t in types.items()))


_PG_VOTE = _pg_vote_statement()


def _sqlite_statements() -> dict[str, Any]:
    ballot, answer = Ballot.__table__, Answer.__table__
    out: dict[str, Any] = {
        "ballot": sqlite.insert(ballot)
        .values({c: bindparam(c) for c in _BALLOT_COLUMNS})
        .on_conflict_do_nothing(index_elements=[ballot.c.client_id])
        .returning(ballot.c.id),
        "answers": insert(answer),
        "queue": insert(FoldQueue.__table__).values(ballot_id=bindparam("ballot_id")),
    }
    for name, table, period in (("daily", DailyTally.__table__, "day"),
                                ("monthly", MonthlyTally.__table__, "month")):
        keys = ("unit_id", period, "channel", "status", "level")
        out[name] = (sqlite.insert(table).values({**{k: bindparam(k) for k in keys}, "count": 1})
                     .on_conflict_do_update(index_elements=[table.c[k] for k in keys],
                                            set_={"count": table.c.count + 1}))
    return out


_SQLITE = _sqlite_statements()


def _store_one_by_one(session: Session, row: dict[str, Any], answers: list[tuple[int, str]],
                      rolled: bool) -> int | None:
    ballot_id: int | None = session.execute(_SQLITE["ballot"], row).scalar()
    if ballot_id is None:
        return None
    if answers:
        session.execute(_SQLITE["answers"], [
            {"ballot_id": ballot_id, "item_id": item, "value": value} for item, value in answers])
    if rolled:
        session.execute(_SQLITE["queue"], {"ballot_id": ballot_id})
        cell = {k: row[k] for k in ("unit_id", "channel", "status", "level")}
        session.execute(_SQLITE["daily"], {**cell, "day": row["local_day"]})
        session.execute(_SQLITE["monthly"], {**cell, "month": row["local_day"].replace(day=1)})
    return ballot_id


def _replay(session: Session, client_id: uuid.UUID, digest: str) -> VoteResult:
    row = session.execute(
        select(Ballot.id, Ballot.status, Ballot.flag_reason, Ballot.content_hash)
        .where(Ballot.client_id == client_id)
    ).one()
    if row.content_hash != digest:
        raise VoteConflict(client_id)
    return VoteResult(StoredVote(row.id, client_id, row.status, row.flag_reason), created=False)


def _authorise(session: Session, principal: Principal, unit_id: int, channel: str) -> None:
    if principal.pinned:
        return  # unit, counter and channel were pinned by the device or the public link
    user = principal.user
    if user is None or channel == "kiosk":
        raise VoteForbidden("forbidden")
    if user.role == "admin":
        return
    if user.role != "clerk" or channel != "paper":
        raise VoteForbidden("forbidden")
    if not may_enter_paper(session, user, unit_id):
        raise VoteForbidden("forbidden_unit")


def _uuid(value: Any, problems: dict[str, Problem]) -> uuid.UUID | None:
    if value is None:
        problems["client_id"] = Problem("required")
        return None
    try:
        if isinstance(value, str) and len(value) <= 40:
            return uuid.UUID(value)
    except ValueError:
        pass
    problems["client_id"] = Problem("bad_uuid")
    return None


def _timestamp(value: Any, problems: dict[str, Problem]) -> datetime | None:
    if value is None:
        problems["answered_at"] = Problem("required")
        return None
    if not isinstance(value, str) or len(value) > 40:
        problems["answered_at"] = Problem("bad_datetime")
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None or moment.year < 2000 \
            or not _utc_convertible(moment):
        problems["answered_at"] = Problem("bad_datetime")
        return None
    return moment


def _utc_convertible(moment: datetime) -> bool:
    """Whether the moment is in UTC year 9998 or earlier: then converting it, and the burst
    window and clock checks around it, stay inside the datetime range."""
    try:
        return moment.astimezone(timezone.utc).year < 9999
    except OverflowError:  # 9999-12-31T23:59:59-14:00
        return False


def _unit_and_counter(session: Session, payload: Mapping[str, Any], principal: Principal,
                      problems: dict[str, Problem]
                      ) -> tuple[Unit | Place | None, Counter | Place | None]:
    unit_code, counter_code = payload.get("unit"), payload.get("counter")
    if principal.pinned:
        assert principal.unit is not None
        if unit_code is not None and unit_code != principal.unit.code:
            raise VoteForbidden("kiosk_other_unit")
        pinned_counter = principal.counter.code if principal.counter else None
        if counter_code is not None and counter_code != pinned_counter:
            raise VoteForbidden("kiosk_other_unit")
        return principal.unit, principal.counter
    if unit_code is None:
        problems["unit"] = Problem("required")
        return None, None
    if not isinstance(unit_code, str) or (unit := unit_by_code(session, unit_code)) is None:
        problems["unit"] = Problem("unknown_unit", {"code": str(unit_code)[:40]})
        return None, None
    counter = None
    if counter_code is not None:
        if not isinstance(counter_code, str) or (
            counter := counter_by_code(session, unit, counter_code)
        ) is None:
            problems["counter"] = Problem("unknown_counter", {"code": str(counter_code)[:40]})
    return unit, counter


def _channel(value: Any, principal: Principal, problems: dict[str, Problem]) -> str | None:
    if principal.pinned:
        if value is not None and value != principal.channel:
            raise VoteForbidden("forbidden")
        return principal.channel
    if value is None:
        return "paper"
    if value not in CHANNELS:
        problems["channel"] = Problem("unknown_channel", {"allowed": ", ".join(CHANNELS)})
        return None
    if value == "qr_receipt":
        # one vote per dossier holds only when the receipt code is spent with the vote, which
        # the receipt page does; a token holder naming the channel would bypass it
        problems["channel"] = Problem("receipt_channel")
        return None
    return str(value)


def _questionnaire(session: Session, payload: Mapping[str, Any], problems: dict[str, Problem],
                   unit_id: int | None, channel: str | None, policy: VotePolicy,
                   catalogue: tuple[int, int] | None = None) -> QuestionnaireVersion | None:
    """The version named in the submission; else the one assigned to the unit and channel
    today; else the latest counter ballot.

    With ``catalogue`` (the generation of assignments and versions read in this transaction)
    the unnamed case comes from a per-process cache valid for that generation."""
    code = payload.get("questionnaire")
    version = payload.get("version")
    if code is not None and not isinstance(code, str):
        problems["questionnaire"] = Problem("must_be_text")
        return None
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)
                                or not 1 <= version <= MAX_VERSION):
        problems["version"] = Problem("bad_integer")
        return None
    if code is None and version is None and unit_id is not None and channel is not None:
        today = datetime.now(policy.timezone).date()
        if catalogue is not None:
            return cached_questionnaire(
                (unit_id, channel, today), catalogue,
                lambda: _unnamed_questionnaire(session, unit_id, channel, today))
        return _unnamed_questionnaire(session, unit_id, channel, today)
    code = code or DEFAULT_QUESTIONNAIRE
    found = questionnaire_version(session, code, version)
    if found is None:
        problems["questionnaire"] = Problem(
            "unknown_questionnaire", {"code": code[:40], "version": version or "?"})
    return found


def _unnamed_questionnaire(session: Session, unit_id: int, channel: str,
                           on: date) -> QuestionnaireVersion | None:
    return (assigned_questionnaire(session, unit_id, channel, on)
            or questionnaire_version(session, DEFAULT_QUESTIONNAIRE))


def _optional_choice(payload: Mapping[str, Any], name: str, allowed: tuple[str, ...],
                     problems: dict[str, Problem]) -> str | None:
    value = payload.get(name)
    if value is None:
        return None
    if value not in allowed:
        problems[name] = Problem("not_in_options", {"allowed": ", ".join(allowed)})
        return None
    return str(value)


def _optional_text(payload: Mapping[str, Any], name: str,
                   problems: dict[str, Problem]) -> str | None:
    limit = TEXT_LIMITS[name]
    value = payload.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or "\x00" in value:
        problems[name] = Problem("must_be_text")
        return None
    if len(value) > limit:
        problems[name] = Problem("too_long", {"max": limit})
        return None
    return value.strip()


# ---------------------------------------------------------------------------------------------
# Burst


def burst_flag(session: Session, *, device_id: int, client_id: Any, answered_at: datetime,
               rule: BurstRule) -> str | None:
    """``"burst"`` when this device already has ``rule.votes`` or more *other* votes answered
    in the ``rule.seconds`` up to this vote's answer time; ``None`` otherwise.

    Why answer times and not arrival times. A tablet that lost its network keeps every vote in
    IndexedDB and, when the network returns, sends the whole queue back to back: hundreds of
    requests in a few seconds. Their *arrival* looks exactly like a flood, but each vote carries
    the time the citizen answered (``answered_at``, the tablet's clock), and those are as far
    apart as the citizens were. Judging the spacing of answer times therefore

    - never flags an honest offline upload, however fast it arrives (one vote every few minutes
      stays one vote every few minutes);
    - still flags a real burst that happened while offline (a child tapping the faces twenty
      times in a minute is twenty answer times within a minute, whenever they arrive);
    - does not depend on the tablet's clock being right, only on it running: a wrong absolute
      time moves every vote together and keeps their spacing (a wrong clock is flagged
      separately, as ``clock_ahead`` / ``clock_too_old``).

    The client itself cannot produce votes closer than its input lock and thank-you screen
    (about 3–5 s), and a counter serves one citizen at a time, so more than ``votes`` in
    ``seconds`` (default: more than 5 in 60 s) is faster than people queueing at one counter.

    Only the votes beyond the limit are flagged: the first ones in a window may well be real.
    The window looks back from each vote, and the queue sends oldest first, so a vote is
    compared with the ones answered before it. Flagged votes are stored and counted apart,
    never dropped; an officer may reinstate them. The count stops at ``rule.votes`` rows (a
    bounded look-up on ``ix_ballot_device_answered``), so a flood costs no more per vote than
    a trickle.

    A limit of what this can know: whoever holds a device token can also forge answer times.
    The token is the trust boundary; revoke it (``flask kiosk revoke`` or the officer page).
    """
    if not rule.enabled:
        return None
    earlier = session.scalar(_BURST_COUNT, {
        "device": device_id, "start": answered_at - timedelta(seconds=rule.seconds),
        "at": answered_at, "client": client_id, "limit": rule.votes}) or 0
    return "burst" if earlier >= rule.votes else None


#: Built once: the votes of a device answered in a window, counted up to a limit.
_BURST_COUNT = select(func.count()).select_from(
    select(Ballot.id)
    .where(Ballot.device_id == bindparam("device"), Ballot.answered_at > bindparam("start"),
           Ballot.answered_at <= bindparam("at"), Ballot.client_id != bindparam("client"))
    .limit(bindparam("limit"))
    .subquery())
