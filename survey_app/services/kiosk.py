"""Kiosk tablets: pairing codes, device status and revocation, and each vote's device check.

Pairing. An officer (web page or ``flask kiosk pair``) creates a short code for a unit and,
optionally, a counter. The tablet sends the code once (``POST /kiosk/api/pair``) and receives
its own device token, which implies the unit, counter and the ``kiosk`` channel from then on.
Only a keyed hash of the code is stored; a code expires (15 minutes unless asked otherwise) and
works once: exchanging it stamps ``used_at`` and the device in one conditional ``UPDATE``, so two
tablets racing with the same code get one device between them.

The burst rule on kiosk votes lives with the other vote flags (:mod:`.votes`).

Services flush and never commit; the request or command commits once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, joinedload

from ..db import first_statement
from ..domain.problems import Problem
from ..domain.questionnaire import Definition
from ..models import Counter, KioskDevice, KioskPairingCode, Unit, UserAccount
from .access import scoped
from .accounts import TOUCH_INTERVAL, register_kiosk
from .errors import Gone, Invalid, NotFound, ServiceError
from .questionnaires import (
    QuestionnaireVersion,
    assigned_questionnaire,
    catalogue_generation,
    questionnaire_version,
)
from .security import DEVICE_TOKEN_PREFIX, keyed_hash, token_digest
from .state import AlreadyChanged, transition
from .units import require_in_force
from .votes import Place, Principal

#: Unambiguous characters only: no 0/O, 1/I/L, so a code read aloud or off paper is typed right.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
#: 31⁸ ≈ 8.5·10¹¹ codes: with the per-address limit on failed attempts, guessing one of the few
#: live codes before it expires is hopeless.
CODE_LENGTH = 8
DEFAULT_MINUTES = 15
MAX_MINUTES = 7 * 24 * 60
#: The client's questionnaire when nothing compatible is assigned (the three-level ballot).
KIOSK_QUESTIONNAIRE = "KIOSK-3L"
#: Items the tablet client knows how to ask (app.js: faces, reason toggles, comment box).
CLIENT_ITEMS = frozenset({"overall", "reasons", "comment"})


class PairingError(ServiceError, ValueError):
    """A code that cannot be exchanged. ``kind``: malformed, unknown, expired or used (one
    subclass each); the key is ``pairing_<kind>``, about the field ``code``."""

    kind = "malformed"

    def __init__(self) -> None:
        key = f"pairing_{self.kind}"
        super().__init__(key, problems={"code": Problem(key)})


class PairingMalformed(PairingError, Invalid):
    kind = "malformed"


class PairingUnknown(PairingError, NotFound):
    kind = "unknown"


class PairingExpired(PairingError, Gone):
    kind = "expired"


class PairingUsed(PairingError, Invalid):
    kind = "used"




# ---------------------------------------------------------------------------------------------
# Pairing codes


def normalise_code(raw: str) -> str:
    """Upper case without spaces or dashes: ``abcd-efgh`` and ``ABCD EFGH`` are ``ABCDEFGH``."""
    return "".join(ch for ch in raw.upper() if ch not in " -\t\r\n")


def format_code(code: str) -> str:
    """``ABCDEFGH`` → ``ABCD-EFGH``, easier to read out and type."""
    return f"{code[:4]}-{code[4:]}"


def _code_hash(secret_key: str, code: str) -> str:
    return keyed_hash(secret_key, "kiosk-pairing", normalise_code(code))


def create_pairing_code(session: Session, unit: Unit, counter: Counter | None, *,
                        secret_key: str, now: datetime, minutes: int = DEFAULT_MINUTES,
                        user: UserAccount | None = None, label: str | None = None,
                        keep_previous: bool = False) -> tuple[KioskPairingCode, str]:
    """Create a single-use code for ``unit`` (and ``counter``); returns the row and the code
    formatted for display (``ABCD-EFGH``), which is shown once and never stored.

    ``keep_previous``: the tablets already paired with the same counter stay paired when this
    code pairs a new one ("giữ cả thiết bị cũ"); by default the new tablet replaces them."""
    if counter is not None and counter.unit_id != unit.id:
        raise ValueError("the counter belongs to another unit")
    if not 1 <= minutes <= MAX_MINUTES:
        raise ValueError(f"minutes must be from 1 to {MAX_MINUTES}")
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    row = KioskPairingCode(code_hash=_code_hash(secret_key, code), unit=unit, counter=counter,
                           label=(label or "").strip()[:120] or None, created_at=now,
                           expires_at=now + timedelta(minutes=minutes), created_by=user,
                           keep_previous=keep_previous)
    session.add(row)
    session.flush()
    return row, format_code(code)


def pair_device(session: Session, raw_code: str, *, secret_key: str, now: datetime,
                today: date | None = None
                ) -> tuple[KioskDevice, str, KioskPairingCode, list[KioskDevice]]:
    """Exchange a pairing code for a new device and its token (shown once); the last element
    lists the counter's previous tablets this pairing revoked (the caller audits them).

    Re-pairing a counter replaces its tablet: unless the code was created with
    ``keep_previous``, every other active device of the code's counter is revoked in the same
    transaction (a code for a unit without a counter replaces nothing). The counter's row is
    locked first (``SELECT … FOR UPDATE``), so two tablets pairing the same counter at once
    are serialised and the later one replaces the earlier; the revocation itself is the
    conditional ``UPDATE … WHERE revoked_at IS NULL`` of :func:`revoke_device`.

    Raises :class:`PairingError`, or :class:`~.units.UnitNotInForce` when the code's unit is
    not in force on ``today`` (the local date). The code is marked used by
    ``UPDATE … WHERE used_at IS NULL`` together with the device it created; if a concurrent
    request got there first the update touches no row and this request fails as ``used`` (its
    device is rolled back with it).
    """
    code = normalise_code(raw_code)
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        raise PairingMalformed()
    row = session.scalar(
        select(KioskPairingCode)
        .options(joinedload(KioskPairingCode.unit), joinedload(KioskPairingCode.counter))
        .where(KioskPairingCode.code_hash == _code_hash(secret_key, code)))
    if row is None:
        raise PairingUnknown()
    if row.used_at is not None:
        raise PairingUsed()
    if row.expires_at <= now:
        raise PairingExpired()
    if today is not None:  # the unit was merged after the code was made: no new tablet
        require_in_force(row.unit, today, field="code")  # the tablet shows errors.code
    replace = row.counter_id is not None and not row.keep_previous
    if replace:
        session.execute(select(Counter.id).where(Counter.id == row.counter_id)
                        .with_for_update())
    device, token = register_kiosk(session, row.unit, row.counter, row.label)
    claimed = session.execute(
        update(KioskPairingCode)
        .where(KioskPairingCode.id == row.id, KioskPairingCode.used_at.is_(None))
        .values(used_at=now, device_id=device.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise PairingUsed()
    session.refresh(row)
    replaced: list[KioskDevice] = []
    if replace:
        previous = session.scalars(
            select(KioskDevice).options(joinedload(KioskDevice.unit))
            .where(KioskDevice.counter_id == row.counter_id, KioskDevice.id != device.id,
                   KioskDevice.revoked_at.is_(None))
            .order_by(KioskDevice.id))
        replaced = [old for old in previous if revoke_device(session, old, now)]
    return device, token, row, replaced


def open_codes(session: Session, user: UserAccount, now: datetime) -> list[KioskPairingCode]:
    """Unused, unexpired codes of the units ``user`` may see, newest first."""
    stmt = (select(KioskPairingCode)
            .options(joinedload(KioskPairingCode.unit), joinedload(KioskPairingCode.counter),
                     joinedload(KioskPairingCode.created_by))
            .where(KioskPairingCode.used_at.is_(None), KioskPairingCode.expires_at > now)
            .order_by(KioskPairingCode.id.desc()))
    return list(session.scalars(scoped(stmt, user, KioskPairingCode.unit_id)))


# ---------------------------------------------------------------------------------------------
# Devices


def token_refusal(session: Session, token: str | None) -> str:
    """The 401 error key for a token that was refused: ``revoked`` for a revoked device (the
    tablet then says so in words), ``unauthorized`` for anything else."""
    return "revoked" if device_by_token(session, token or "")[1] == "revoked" else "unauthorized"


def device_by_token(session: Session, token: str) -> tuple[KioskDevice | None, str]:
    """The device a token names and its state: ``active``, ``revoked`` or ``unknown``.

    Unlike :func:`kiosk_principal` this tells a revoked device apart, so the tablet
    can say "revoked" instead of "unauthorized".
    """
    if not token.startswith(DEVICE_TOKEN_PREFIX) or len(token) > 200:
        return None, "unknown"
    device = session.scalar(
        select(KioskDevice)
        .options(joinedload(KioskDevice.unit), joinedload(KioskDevice.counter))
        .where(KioskDevice.token_hash == token_digest(token)))
    if device is None:
        return None, "unknown"
    return device, "revoked" if device.revoked_at is not None else "active"


@dataclass(frozen=True, slots=True)
class _KnownDevice:
    """What never changes about a paired device: its id and the place it is pinned to."""

    id: int
    unit: Place
    counter: Place | None


#: token digest -> device, per process. Only immutable facts are kept: whether the device is
#: still active is read again by every request (:data:`_DEVICE_CHECK`).
_known: dict[str, _KnownDevice] = {}
_KNOWN_MAX = 100_000
_device = KioskDevice.__table__
_unit = Unit.__table__
_DEVICE_CHECK = (select(_device.c.revoked_at.is_(None), _device.c.last_seen_at,
                        _unit.c.valid_from, _unit.c.valid_to, *catalogue_generation())
                 .select_from(_device.join(_unit, _unit.c.id == _device.c.unit_id))
                 .where(_device.c.id == bindparam("id")))
_TOUCH = (update(_device).where(_device.c.id == bindparam("device"))
          .values(last_seen_at=bindparam("now")))


def kiosk_principal(session: Session, token: str, now: datetime) -> Principal | None:
    """The principal of an active device token, or ``None`` (unknown or revoked).

    The device's id, unit and counter come from a per-process cache after the first request;
    every request still runs one statement in its own transaction that reads whether the device
    is revoked (so a revocation committed by any worker refuses the next vote at once), when it
    was last seen, its unit's validity dates (so a unit merged away takes no more votes), and the
    questionnaire catalogue's generation (so the questionnaire cache is never stale).
    ``last_seen_at`` is refreshed at most every few minutes.
    """
    digest = token_digest(token)
    known = _known.get(digest)
    if known is None:
        device = first_statement(session, lambda: session.scalar(
            select(KioskDevice)
            .options(joinedload(KioskDevice.unit), joinedload(KioskDevice.counter))
            .where(KioskDevice.token_hash == digest)))
        if device is None or device.revoked_at is not None:
            return None
        known = _KnownDevice(
            device.id, Place(device.unit.id, device.unit.code),
            Place(device.counter.id, device.counter.code) if device.counter else None)
        if len(_known) >= _KNOWN_MAX:
            _known.clear()
        _known[digest] = known
    device_id = known.id
    row = first_statement(session, lambda: session.execute(_DEVICE_CHECK,
                                                           {"id": device_id}).first())
    if row is None or not row[0]:
        _known.pop(digest, None)
        return None
    last_seen = row[1]
    if last_seen is None or now - last_seen > TOUCH_INTERVAL:
        session.execute(_TOUCH, {"now": now, "device": known.id})
    unit = replace(known.unit, valid_from=row[2], valid_to=row[3])  # a merge ends it at once
    return Principal(device_id=known.id, unit=unit, counter=known.counter,
                     channel="kiosk", catalogue=(int(row[4]), int(row[5])))


def mark_seen(device: KioskDevice, now: datetime) -> None:
    """Refresh ``last_seen_at``, at most every few minutes (as the vote path does)."""
    if device.last_seen_at is None or now - device.last_seen_at > TOUCH_INTERVAL:
        device.last_seen_at = now


def revoke_device(session: Session, device: KioskDevice, now: datetime) -> bool:
    """Stop accepting the device's token at once; False when it was revoked already (also by
    a concurrent request: the update is conditional on ``revoked_at IS NULL``)."""
    if device.revoked_at is not None:
        return False
    try:
        transition(session, KioskDevice, device.id, KioskDevice.revoked_at.is_(None),
                   revoked_at=now)
    except AlreadyChanged:
        return False
    return True


def devices_in_scope(session: Session, user: UserAccount | None) -> list[KioskDevice]:
    """Devices of the units ``user`` may see (all for an admin or the command line), by unit,
    counter and id."""
    stmt = (select(KioskDevice)
            .join(Unit, Unit.id == KioskDevice.unit_id)
            .outerjoin(Counter, Counter.id == KioskDevice.counter_id)
            .options(joinedload(KioskDevice.unit), joinedload(KioskDevice.counter))
            .order_by(Unit.code, Counter.code, KioskDevice.id))
    if user is not None:
        stmt = scoped(stmt, user, KioskDevice.unit_id)
    return list(session.scalars(stmt))


def kiosk_questionnaire(session: Session, unit_id: int, on: date) -> QuestionnaireVersion | None:
    """The questionnaire the tablet should vote with: the one assigned to the unit for the
    kiosk channel when the client can ask it (overall face, reasons, comment), else the latest
    three-level ballot. A longer form assigned to the kiosk channel would need a client that
    can show it; sending faces under its code would only produce 422s kept on the tablet."""
    assigned = assigned_questionnaire(session, unit_id, "kiosk", on)
    if assigned is not None and client_can_ask(assigned.definition):
        return assigned
    return questionnaire_version(session, KIOSK_QUESTIONNAIRE)


def client_can_ask(definition: Definition) -> bool:
    """Whether the kiosk client's three faces (+ optional reasons and comment) fill the form."""
    items = {item.code: item for item in definition.items}
    overall = items.get("overall")
    return ("kiosk" in definition.channels and set(items) <= CLIENT_ITEMS
            and overall is not None and overall.kind == "three_level"
            and all(not item.required for code, item in items.items() if code != "overall"))
