"""Official units, legacy units with successors, merges, and figures across a reorganisation.

Votes are keyed in as paper ballots (admin token) so they can be dated in 2025 and 2026; the
hand sums in each test are the counts it casts.
"""

from __future__ import annotations

import sqlite3
from datetime import date

from sqlalchemy import func, select

from survey_app.models import AuditEvent, Unit
from tests.factories import vote

Q1_2025 = {"from": "2025-01-01", "to": "2025-03-31"}
Q1_2026 = {"from": "2026-01-01", "to": "2026-03-31"}


def _package_rows(sql: str, *args: str) -> list[tuple]:
    """The package's own table, read independently of the import code."""
    from vietnamadminunits.database import main

    with sqlite3.connect(main.MODULE_DIR / "data/dataset.db") as conn:
        return conn.execute(sql, args).fetchall()


def _units(session) -> dict[str, tuple]:
    session.rollback()
    return {u.code: (u.name, u.kind, u.parent.code if u.parent else None, u.stats_code,
                     u.valid_from, u.valid_to, u.successor.code if u.successor else None)
            for u in session.scalars(select(Unit))}


def _audits(session, action: str) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(AuditEvent)
                          .where(AuditEvent.action == action))


def test_import_official_matches_the_package_table_and_repeats_as_a_no_op(runner, session):
    first = runner.invoke(args=["units", "import-official", "--province", "48"])
    assert first.exit_code == 0, first.output
    expected = _package_rows("SELECT wardCode, ward FROM admin_units WHERE provinceCode = '48'")
    assert len(expected) == 94  # Đà Nẵng and Quảng Nam became one city of 94 communes
    stored = _units(session)
    communes = {c: v for c, v in stored.items() if v[2] == "48"}
    assert {c: v[0] for c, v in communes.items()} == dict(expected)
    assert stored["48"][:3] == ("Thành phố Đà Nẵng", "province", None)
    assert stored["20197"] == ("Phường Liên Chiểu", "commune", "48", "20197",
                               date(2025, 7, 1), None, None)
    assert "95 added, 0 changed, 0 unchanged" in first.output
    assert _audits(session, "units.import_official") == 1

    second = runner.invoke(args=["units", "import-official", "--province", "48"])
    assert second.exit_code == 0, second.output
    assert "Nothing to do: all 95 unit(s) already match" in second.output
    assert _units(session) == stored
    assert _audits(session, "units.import_official") == 1


def test_import_official_refuses_an_unknown_province_and_stores_nothing(runner, session):
    result = runner.invoke(args=["units", "import-official", "--province", "99"])
    assert result.exit_code == 1
    assert "'99' is not a province code" in result.output
    assert _units(session) == {}


def test_legacy_import_adds_old_wards_with_their_successors(runner, session, client):
    result = runner.invoke(args=["units", "import-official", "--province", "48", "--legacy"])
    assert result.exit_code == 0, result.output
    old_wards = _package_rows(
        "SELECT wardCode, ward FROM admin_units_legacy WHERE provinceCode IN ('48', '49') "
        "AND wardCode IS NOT NULL")
    old_districts = _package_rows(
        "SELECT DISTINCT districtCode FROM admin_units_legacy WHERE provinceCode IN ('48', '49')")
    stored = _units(session)
    legacy = {c: v for c, v in stored.items() if c.startswith("L-")}
    assert len(legacy) == len(old_wards) + len(old_districts) == 281 + 25 - 1
    assert all(v[5] == date(2025, 6, 30) for v in legacy.values())
    # GSO reused 20194: the old ward and the new one are two units
    assert stored["L-20194"][:2] == ("Phường Hòa Hiệp Bắc", "commune")
    assert stored["20194"][:2] == ("Phường Hải Vân", "commune")
    assert stored["L-20194"][2] == "L-490"  # under Quận Liên Chiểu, under the city
    assert stored["L-490"][:3] == ("Quận Liên Chiểu", "district", "48")
    # the converter: Hòa Hiệp Bắc and Nam → Hải Vân; Hòa Khánh Bắc → Liên Chiểu
    assert stored["L-20194"][6] == stored["L-20195"][6] == "20194"
    assert stored["L-20197"][6] == "20197"
    wards = [v for c, v in legacy.items() if v[1] == "commune"]
    assert len(wards) == 280 and all(v[6] for v in wards)
    # the island district without wards became Đặc khu Hoàng Sa
    hoang_sa = next(v for v in legacy.values() if v[0] == "Huyện Hoàng Sa")
    assert stored[hoang_sa[6]][0] == "Đặc khu Hoàng Sa"

    again = runner.invoke(args=["units", "import-official", "--province", "48", "--legacy"])
    assert "Nothing to do: all 400 unit(s)" in again.output
    assert _units(session) == stored

    listed = runner.invoke(args=["units", "list", "--at", "2025-06-30"])
    assert "306 unit(s) in force on 2025-06-30." in listed.output
    assert "L-20194  Phường Hòa Hiệp Bắc" in listed.output
    assert "  20194  " not in listed.output
    assert "95 unit(s) in force on 2025-07-01." in runner.invoke(
        args=["units", "list", "--at", "2025-07-01"]).output

    tree = client.get("/api/v1/units").json["units"]
    city = next(u for u in tree if u["code"] == "48")
    district = next(u for u in city["children"] if u["code"] == "L-490")
    ward = next(u for u in district["children"] if u["code"] == "L-20194")
    assert {k: ward[k] for k in ("code", "name", "kind", "parent", "stat_code", "valid_from",
                                 "valid_to", "successor")} == {
        "code": "L-20194", "name": "Phường Hòa Hiệp Bắc", "kind": "commune", "parent": "L-490",
        "stat_code": "20194", "valid_from": None, "valid_to": "2025-06-30",
        "successor": "20194"}


def _new_commune(session, world, code: str = "LC-NEW") -> Unit:
    unit = Unit(code=code, name="Phường Liên Chiểu", kind="commune", parent=world.units["DN"],
                valid_from=date(2025, 7, 1))
    session.add(unit)
    session.commit()
    return unit


def _cast(client, world, unit: str, counts: tuple[int, int, int], at: str) -> None:
    for level, n in zip(("very_satisfied", "satisfied", "not_satisfied"), counts, strict=True):
        for _ in range(n):
            r = client.post("/api/v1/votes", json=vote(level, at=at, unit=unit, channel="paper"),
                            headers=world.auth(world.admin_token))
            assert r.status_code == 201, r.json


def _figures(client, world, unit: str, period: dict[str, str]) -> dict:
    r = client.get("/api/v1/figures", query_string={"unit": unit, **period},
                   headers=world.auth(world.admin_token))
    assert r.status_code == 200, r.json
    return r.json


def test_merge_ends_the_old_units_and_figures_add_their_counts(client, runner, session, world):
    _new_commune(session, world)
    _cast(client, world, "HC-TT", (3, 2, 1), "2025-02-10T09:00:00+07:00")
    _cast(client, world, "LC-HM", (1, 4, 2), "2025-03-20T15:00:00+07:00")
    _cast(client, world, "LC-NEW", (5, 1, 1), "2026-02-03T10:00:00+07:00")

    before = _figures(client, world, "LC-NEW", Q1_2025)
    assert before["n"] == 0 and "predecessors" not in before

    merged = runner.invoke(args=["units", "merge", "--into", "LC-NEW", "--from", "HC-TT,LC-HM",
                                 "--on", "2025-07-01"])
    assert merged.exit_code == 0, merged.output
    assert "Merged into LC-NEW from 2025-07-01: HC-TT, LC-HM." in merged.output
    stored = _units(session)
    assert stored["HC-TT"][5:] == stored["LC-HM"][5:] == (date(2025, 6, 30), "LC-NEW")
    assert _audits(session, "units.merge") == 1

    again = runner.invoke(args=["units", "merge", "--into", "LC-NEW", "--from", "HC-TT,LC-HM",
                                "--on", "2025-07-01"])
    assert again.exit_code == 0 and "Nothing to do" in again.output
    assert _units(session) == stored and _audits(session, "units.merge") == 1

    # Q1 2025 by hand: (3+1, 2+4, 1+2) = 4, 6, 3 → n 13, rate 10/13 = 76.92 → 76.9
    after = _figures(client, world, "LC-NEW", Q1_2025)
    assert after["counts"] == {"very_satisfied": 4, "satisfied": 6, "not_satisfied": 3}
    assert after["satisfaction_rate"] == 76.9
    assert after["predecessors"] == ["HC-TT", "LC-HM"]
    # 2026: its own ballots only (5, 1, 1), nothing added
    now = _figures(client, world, "LC-NEW", Q1_2026)
    assert now["counts"] == {"very_satisfied": 5, "satisfied": 1, "not_satisfied": 1}
    assert "predecessors" not in now
    # ballots kept their unit: the old ward still shows its own
    assert _figures(client, world, "HC-TT", Q1_2025)["n"] == 6
    # the city (a subtree) counts every 2025 ballot once: 13
    city = client.get("/api/v1/figures", headers=world.auth(world.admin_token),
                      query_string={"unit": "DN", "subtree": "1",
                                    "from": "2025-01-01", "to": "2025-12-31"}).json
    assert city["n"] == 13 and "predecessors" not in city


def test_merge_chain_is_transitive(client, runner, session, world):
    _new_commune(session, world)
    later = _new_commune(session, world, "LATER")
    later.valid_from = date(2026, 1, 1)
    session.commit()
    _cast(client, world, "HC-TT", (2, 0, 0), "2025-02-10T09:00:00+07:00")
    for into, sources, on in (("LC-NEW", "HC-TT", "2025-07-01"),
                              ("LATER", "LC-NEW", "2026-01-01")):
        r = runner.invoke(args=["units", "merge", "--into", into, "--from", sources, "--on", on])
        assert r.exit_code == 0, r.output
    f = _figures(client, world, "LATER", Q1_2025)
    assert f["n"] == 2 and f["predecessors"] == ["HC-TT"]


def test_merge_refusals_store_nothing(runner, session, world):
    _new_commune(session, world)
    before = _units(session)
    for args, message in (
        (["--into", "LC-NEW", "--from", "HC-TT,NOPE", "--on", "2025-07-01"], "no unit with code"),
        (["--into", "LC-NEW", "--from", "LC-NEW", "--on", "2025-07-01"], "into itself"),
        (["--into", "LC-NEW", "--from", "HC-TT", "--on", "2025-06-01"], "not in force"),
        (["--into", "LC-NEW", "--from", "HC-TT", "--on", "1 July"], "must be a date"),
    ):
        r = runner.invoke(args=["units", "merge", *args])
        assert r.exit_code == 1 and message in r.output, r.output
    r = runner.invoke(args=["units", "merge", "--into", "LC-NEW", "--from", "HC-TT",
                            "--on", "2025-07-01"])
    assert r.exit_code == 0
    r = runner.invoke(args=["units", "merge", "--into", "DN", "--from", "HC-TT",
                            "--on", "2025-08-01"])
    assert r.exit_code == 1 and "already ended on 2025-06-30 into LC-NEW" in r.output
    assert _units(session)["HC-TT"][5:] == (date(2025, 6, 30), "LC-NEW")
    assert set(_units(session)) == set(before)


def test_a_vote_to_a_unit_out_of_force_is_refused_with_422(client, runner, session, world):
    _new_commune(session, world)
    runner.invoke(args=["units", "merge", "--into", "LC-NEW", "--from", "HC-TT",
                        "--on", "2025-07-01"])
    r = client.post("/api/v1/votes", headers=world.auth(world.admin_token),
                    json=vote("satisfied", at="2025-07-02T09:00:00+07:00", unit="HC-TT",
                              channel="paper"))
    assert r.status_code == 422
    assert "HC-TT" in r.json["errors"]["unit"] and "02/07/2025" in r.json["errors"]["unit"]
    # a paper ballot from before the merge is still history the old ward may receive
    ok = client.post("/api/v1/votes", headers=world.auth(world.admin_token),
                     json=vote("satisfied", at="2025-06-30T16:00:00+07:00", unit="HC-TT",
                               channel="paper"))
    assert ok.status_code == 201
    # and the new commune takes no votes before it existed
    early = client.post("/api/v1/votes", headers=world.auth(world.admin_token),
                        json=vote("satisfied", at="2025-06-30T16:00:00+07:00", unit="LC-NEW",
                                  channel="paper"))
    assert early.status_code == 422
    assert _figures(client, world, "HC-TT", {"from": "2025-06-01", "to": "2025-07-31"})["n"] == 1
