"""The demo's index (issue 15 §4, issue 16): ``demo`` loads a scheme and scores for the demo's own
year over today's units, so ``/index/`` shows a real ranking with one component not applicable
and one unit incomplete."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from survey_app.models import AuditEvent, IndexHandScore
from survey_app.services import index as index_service


def test_demo_seeds_a_ranking_of_its_own_year_with_na_and_an_incomplete_unit(app, runner,
                                                                              session):
    r = runner.invoke(args=["demo", "--days", "30", "--per-counter-day", "2"])
    assert r.exit_code == 0, r.output
    year = datetime.now(ZoneInfo(app.config["TIMEZONE"])).year
    session.rollback()
    row = index_service.scheme_row(session, "PAR-DEMO", year)
    assert row is not None  # the demo's year, not a fixed one
    document = index_service.index_document(index_service.score_index(session, row))
    # a 2026-style scheme over today's units: communes, then departments; no district left
    communes, departments = document["blocks"]
    assert (communes["name"], departments["name"]) == ("Xã, phường, đặc khu", "Sở, ban, ngành")
    assert len(departments["units"]) == 9
    units = {u["unit"]: u for u in communes["units"]}
    order = [u["unit"] for u in communes["units"]]
    # the seven sample phường by their GSO codes
    assert sorted(order) == ["20194", "20197", "20242", "20257", "20285", "20305", "20314"]
    # Phường Hòa Cường: appraisal of cong_vu missing → last, no rank, no band, provisional total
    assert order[-1] == "20257"
    hc = units["20257"]
    assert (hc["rank"], hc["band"], hc["complete"], hc["missing"]) == (
        None, None, False, ["cong_vu"])
    assert hc["total"] is not None
    # Phường Hòa Xuân: no dossier late, so the apology criterion is not applicable; ranked
    hx = units["20314"]
    assert hx["not_applicable"] == ["xin_loi"] and hx["complete"] is True
    assert isinstance(hx["rank"], int) and hx["band"] is not None
    # the six complete communes are ranked 1 … and their satisfaction part is computed
    ranked = [units[c] for c in order[:-1]]
    assert [u["rank"] for u in ranked] == sorted(u["rank"] for u in ranked)
    assert all(u["complete"] and u["n"] > 0 for u in ranked)
    assert all(u["complete"] and u["n"] > 0 for u in departments["units"])
    stored = session.scalars(select(IndexHandScore).where(
        IndexHandScore.not_applicable.is_(True))).one()
    assert stored.unit.name == "Phường Hòa Xuân" and "trễ hạn" in stored.note
    # imported as an administrator would import them: one audited import
    assert session.scalars(select(AuditEvent.action).where(
        AuditEvent.action.like("index.%")).order_by(AuditEvent.id)).all() == [
        "index.load", "index.scores_import"]
