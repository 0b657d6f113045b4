"""Test data for the index: the demo districts of docs/examples, users, tokens and votes.

Votes are stored through the vote service (paper channel, answered in the scheme's year) so the
rollups the index reads are the ones real votes produce.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from survey_app.models import Unit, UserAccount
from survey_app.services import accounts, votes
from tests.factories import vote
from tests.settings import SECRET

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"
PASSWORD = "correct horse battery"

DISTRICTS = [
    ("LC", "Liên Chiểu"), ("HC", "Hải Châu"), ("TK", "Thanh Khê"), ("ST", "Sơn Trà"),
    ("NHS", "Ngũ Hành Sơn"), ("CL", "Cẩm Lệ"), ("HV", "Hòa Vang"),
]
#: docs/index-formulas.md §8: (Rất hài lòng, Hài lòng, Chưa hài lòng) per district.
DEMO_VOTES = {"LC": (200, 60, 40), "TK": (120, 69, 41), "ST": (150, 100, 110),
              "NHS": (12, 4, 2)}
#: Hải Châu's 300 / 150 / 30 arrive partly at its ward, to check the subtree roll-up.
HC_VOTES = {"HC": (200, 0, 0), "HC-TT": (100, 150, 30)}


@dataclass
class IndexWorld:
    units: dict[str, Unit]
    admin: UserAccount
    admin_token: str
    officer_token: str
    outsider_token: str
    clerk_token: str

    def auth(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}


def build_index_world(session: Session) -> IndexWorld:
    """Thành phố Đà Nẵng with the seven demo districts and a ward of Hải Châu; users:
    admin, an officer of Hải Châu, an officer of an unrelated unit, a clerk of Hải Châu."""
    units: dict[str, Unit] = {"DN": Unit(code="DN", name="Thành phố Đà Nẵng", kind="province")}
    for code, name in DISTRICTS:
        units[code] = Unit(code=code, name=name, kind="district", parent=units["DN"])
    units["HC-TT"] = Unit(code="HC-TT", name="Phường Thạch Thang", kind="commune",
                          parent=units["HC"])
    units["SNV"] = Unit(code="SNV", name="Sở Nội vụ", kind="department", parent=units["DN"])
    session.add_all(units.values())
    session.flush()
    admin = accounts.create_user(session, "quantri", "admin", PASSWORD)
    officer = accounts.create_user(session, "canbo.hc", "officer", PASSWORD, units["HC"])
    outsider = accounts.create_user(session, "canbo.snv", "officer", PASSWORD, units["SNV"])
    clerk = accounts.create_user(session, "nhapphieu.hc", "clerk", PASSWORD, units["HC"])
    world = IndexWorld(
        units=units, admin=admin,
        admin_token=accounts.create_api_token(session, admin),
        officer_token=accounts.create_api_token(session, officer),
        outsider_token=accounts.create_api_token(session, outsider),
        clerk_token=accounts.create_api_token(session, clerk),
    )
    session.commit()
    return world


def cast(session: Session, world: IndexWorld, unit: str, very: int, satisfied: int,
         not_satisfied: int, day: str = "2024-06-14") -> None:
    """Store votes for ``unit`` answered on ``day`` (local), through the vote service."""
    policy = votes.VotePolicy(timezone=ZoneInfo("Asia/Ho_Chi_Minh"), secret_key=SECRET)
    principal = votes.Principal(user=world.admin)
    received = datetime.now(timezone.utc) + timedelta(seconds=1)
    for level, count in (("very_satisfied", very), ("satisfied", satisfied),
                         ("not_satisfied", not_satisfied)):
        for _ in range(count):
            body = vote(level, at=f"{day}T09:30:00+07:00", unit=unit, channel="paper")
            parsed = votes.parse_vote(session, body, principal, policy)
            votes.record_vote(session, parsed, received_at=received, policy=policy)
    session.commit()


def cast_demo_votes(session: Session, world: IndexWorld) -> None:
    """The satisfaction figures of the worked example (docs/index-formulas.md §8)."""
    for unit, counts in {**DEMO_VOTES, **HC_VOTES}.items():
        cast(session, world, unit, *counts)
    # Outside the scheme's period (2024): never counted.
    cast(session, world, "ST", 0, 0, 5, day="2025-01-01")
    cast(session, world, "LC", 0, 0, 5, day="2023-12-31")
