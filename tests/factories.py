"""Small builders for test data, committed so requests in the test see it."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy.orm import Session

from survey_app.models import Counter, Unit
from survey_app.services import accounts


@dataclass
class World:
    """A province with two districts, each with one commune; tokens for each kind of caller."""

    units: dict[str, Unit]
    counters: dict[str, Counter]
    device_token: str
    admin_token: str
    officer_token: str
    clerk_token: str

    def auth(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}


def build_world(session: Session) -> World:
    units: dict[str, Unit] = {}
    for code, name, kind, parent in [
        ("DN", "Thành phố Đà Nẵng", "province", None),
        ("HC", "Quận Hải Châu", "district", "DN"),
        ("LC", "Quận Liên Chiểu", "district", "DN"),
        ("HC-TT", "Phường Thạch Thang", "commune", "HC"),
        ("LC-HM", "Phường Hòa Minh", "commune", "LC"),
    ]:
        units[code] = Unit(code=code, name=name, kind=kind, parent=units.get(parent or ""))
        session.add(units[code])
    counters = {"HC/Q1": Counter(unit=units["HC"], code="Q1", name="Quầy số 1")}
    session.add_all(counters.values())
    session.flush()
    _, device_token = accounts.register_kiosk(session, units["HC"], counters["HC/Q1"])
    admin = accounts.create_user(session, "admin", "admin", "correct horse battery")
    officer = accounts.create_user(session, "officer.hc", "officer", "correct horse battery",
                                   units["HC"])
    clerk = accounts.create_user(session, "clerk.hc", "clerk", "correct horse battery",
                                 units["HC"])
    world = World(
        units=units, counters=counters, device_token=device_token,
        admin_token=accounts.create_api_token(session, admin),
        officer_token=accounts.create_api_token(session, officer),
        clerk_token=accounts.create_api_token(session, clerk),
    )
    session.commit()
    return world


def vote(overall: str = "satisfied", *, at: str | None = None, **extra: Any) -> dict[str, Any]:
    """A valid KIOSK-3L vote body with a fresh client_id."""
    body: dict[str, Any] = {
        "client_id": str(uuid.uuid4()),
        "answers": {"overall": overall},
        "answered_at": at or datetime.now(timezone.utc).isoformat(),
    }
    body.update(extra)
    return body


def csrf_token(client: Any, path: str = "/login") -> str:
    """The CSRF token of a page's form (the login form by default)."""
    html = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def login(client: Any, username: str, password: str = "correct horse battery") -> None:
    """Sign in through the real form (CSRF included); asserts it worked."""
    r = client.post("/login", data={"username": username, "password": password,
                                    "csrf_token": csrf_token(client)})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]


#: A two-component index over the world's districts (Hải Châu ranked, Liên Chiểu not).
SMALL_INDEX = {
    "code": "DN-PAR", "year": 2026, "name": "Chỉ số cải cách hành chính năm 2026",
    "period": {"from": "2026-01-01", "to": "2026-12-31"},
    "blocks": [{"name": "Quận, huyện", "units": ["HC", {"unit": "LC", "ranked": False}]}],
    "components": [
        {"code": "chi_dao", "name": "Chỉ đạo điều hành", "max": 80},
        {"code": "hai_long", "name": "Mức độ hài lòng", "max": 20, "formula": "threshold",
         "threshold": 90},
    ],
}


def load_small_index(session: Session) -> None:
    """Store :data:`SMALL_INDEX` (DN-PAR 2026) and commit."""
    from survey_app.services.index import load_scheme

    load_scheme(session, SMALL_INDEX)
    session.commit()
