"""The demo's index (issue 15 §4): ``demo`` loads a scheme and scores for the demo's own year, so
``/index/`` shows a real ranking with one component not applicable and one unit incomplete."""

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
    row = index_service.scheme_row(session, "PAR-QH", year)
    assert row is not None  # the demo's year, not a fixed one
    document = index_service.index_document(index_service.score_index(session, row))
    (block,) = document["blocks"]
    units = {u["unit"]: u for u in block["units"]}
    order = [u["unit"] for u in block["units"]]
    assert sorted(order) == ["CL", "HC", "HV", "LC", "NHS", "ST", "TK"]
    # Cẩm Lệ: appraisal of cong_vu missing → last, no rank, no band, provisional total
    assert order[-1] == "CL"
    cl = units["CL"]
    assert (cl["rank"], cl["band"], cl["complete"], cl["missing"]) == (
        None, None, False, ["cong_vu"])
    assert cl["total"] is not None
    # Hòa Vang: the urban-government criterion declared not applicable, ranked on the rest
    hv = units["HV"]
    assert hv["not_applicable"] == ["chinh_quyen_do_thi"] and hv["complete"] is True
    assert isinstance(hv["rank"], int) and hv["band"] is not None
    # the six complete districts are ranked 1 … and their satisfaction part is computed
    ranked = [units[c] for c in order[:-1]]
    assert [u["rank"] for u in ranked] == sorted(u["rank"] for u in ranked)
    assert all(u["complete"] and u["n"] > 0 for u in ranked)
    stored = session.scalars(select(IndexHandScore).where(
        IndexHandScore.not_applicable.is_(True))).one()
    assert stored.unit.code == "HV" and "chính quyền đô thị" in stored.note
    # imported as an administrator would import them: one audited import
    assert session.scalars(select(AuditEvent.action).where(
        AuditEvent.action.like("index.%")).order_by(AuditEvent.id)).all() == [
        "index.load", "index.scores_import"]
