"""The demo's index (bộ chỉ số): a 2026-style scheme for the demo's own year and its hand scores.

Called by :func:`survey_app.services.demo.seed_demo` once the votes are stored, so ``/index/``
shows a real ranking of today's units: two blocks as provinces score them since July 2025 (the
structure of docs/examples/scheme-danang-2026.yaml, over the demo's sample) — "Xã, phường, đặc
khu" with the seven sample communes and "Sở, ban, ngành" with the nine departments. The
satisfaction component is computed from the demo's votes of that year, the hand scores are
imported as an administrator would import them (``index scores import``, the same parser and
audit), and two cases of the ranking rule (``docs/index-formulas.md`` §3, §5) are visible:

- Phường Hòa Xuân had no dossier settled late in the year, so the criterion "Xin lỗi người dân,
  tổ chức khi giải quyết hồ sơ trễ hạn" is declared **not applicable** (``NA``, with the
  evidence in the note): it is left out and Hòa Xuân's total is rescaled to 100;
- Phường Hòa Cường's appraisal of "Cải cách chế độ công vụ" is not done yet (self-assessment
  only): the unit is **incomplete**, listed after the ranked communes with a provisional total.
"""

from __future__ import annotations

import csv
import io

from sqlalchemy.orm import Session

from . import demo_units as dn
from .index.schemes import load_scheme
from .index_imports import import_scores

CODE = "PAR-DEMO"
COMMUNES = tuple(c.code for c in dn.COMMUNES)
DEPARTMENTS = tuple(d[0] for d in dn.DEPARTMENTS)
#: Hand-scored leaves and their maxima; with the satisfaction component (20) they add up to 100.
HAND = (("chi_dao", 10), ("cong_khai", 8), ("mot_cua", 12), ("xin_loi", 5), ("bo_may", 10),
        ("cong_vu", 15), ("so_hoa", 20))
#: Share of each maximum the appraisal gives a unit (the self-assessment is a little higher).
LEVEL = {"20242": 0.93, "20257": 0.86, "20197": 0.84, "20194": 0.81, "20305": 0.85,
         "20285": 0.89, "20314": 0.82,
         "SNV": 0.92, "STC": 0.88, "STP": 0.9, "SXD": 0.8, "SCT": 0.86, "SNNMT": 0.83,
         "SGDDT": 0.87, "SYT": 0.82, "SKHCN": 0.85}
#: Component by component, a unit's appraisal moves around its level by these steps.
WOBBLE = (0.02, -0.03, 0.0, 0.05, 0.04, -0.02, 0.01)
NOT_APPLICABLE = ("20314", "xin_loi",
                  "Trong năm phường không có hồ sơ giải quyết trễ hạn nên không phát sinh văn "
                  "bản xin lỗi (số liệu Hệ thống thông tin giải quyết thủ tục hành chính thành "
                  "phố); xác nhận của Sở Nội vụ")
NOT_APPRAISED = ("20257", "cong_vu")
BONUS = (("20242", 2, "Sáng kiến cải cách hành chính được thành phố công nhận"),
         ("20197", -1.5, "Chậm gửi báo cáo cải cách hành chính quý III"),
         ("STP", 1, "Mô hình cấp phiếu lý lịch tư pháp trên ứng dụng định danh điện tử"))


def demo_scheme(year: int) -> dict:
    """The demo's scheme for ``year``: five fields, one of them computed from the votes (short
    names: the ranking shows a column per field and fits a 1366 px screen)."""
    return {
        "code": CODE, "version": 1, "year": year,
        "name": f"Chỉ số cải cách hành chính năm {year} — {dn.CITY[1]} (dữ liệu mẫu)",
        "period": {"from": f"{year}-01-01", "to": f"{year}-12-31"},
        "min_n": 30,
        "blocks": [{"name": "Xã, phường, đặc khu", "units": list(COMMUNES)},
                   {"name": "Sở, ban, ngành", "units": list(DEPARTMENTS)}],
        "components": [
            {"code": "chi_dao", "name": "Công tác chỉ đạo, điều hành", "max": 10},
            {"code": "tthc", "name": "Cải cách thủ tục hành chính", "children": [
                {"code": "cong_khai", "name": "Công khai thủ tục hành chính", "max": 8},
                {"code": "mot_cua", "name": "Thực hiện cơ chế một cửa, một cửa liên thông",
                 "max": 12},
                {"code": "xin_loi",
                 "name": "Xin lỗi người dân, tổ chức khi giải quyết hồ sơ trễ hạn", "max": 5}]},
            {"code": "bo_may_cong_vu", "name": "Tổ chức bộ máy, công vụ", "children": [
                {"code": "bo_may", "name": "Cải cách tổ chức bộ máy", "max": 10},
                {"code": "cong_vu", "name": "Cải cách chế độ công vụ", "max": 15}]},
            {"code": "so_hoa", "name": "Chính quyền số", "max": 20},
            {"code": "hai_long", "name": "Mức độ hài lòng của người dân", "max": 20,
             "formula": "threshold", "threshold": 90},
        ],
        "bonus": {"max": 5, "min": -5},
        "rescale_to": 100,
    }


def demo_scores_csv(year: int) -> bytes:
    """The hand scores in the ``index scores import`` format (docs/index-formulas.md §9)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(("scheme", "year", "unit", "component", "self_score", "appraised_score",
                     "note"))
    for unit in COMMUNES + DEPARTMENTS:
        for (component, top), wobble in zip(HAND, WOBBLE, strict=True):
            appraised = _quarter(top * min(1.0, LEVEL[unit] + wobble))
            own = _quarter(min(top, appraised + top * 0.04))
            appraised_text, own_text = format(appraised, "g"), format(own, "g")
            if (unit, component) == NOT_APPLICABLE[:2]:
                writer.writerow((CODE, year, unit, component, own_text, "NA", NOT_APPLICABLE[2]))
            elif (unit, component) == NOT_APPRAISED:
                writer.writerow((CODE, year, unit, component, own_text, "",
                                 "Hội đồng thẩm định chưa họp"))
            else:
                writer.writerow((CODE, year, unit, component, own_text, appraised_text, ""))
    for unit, points, note in BONUS:
        writer.writerow((CODE, year, unit, "bonus", "", points, note))
    return out.getvalue().encode("utf-8")


def seed_demo_index(session: Session, year: int) -> str:
    """Load the demo scheme of ``year`` and import its hand scores; returns a summary line."""
    load_scheme(session, demo_scheme(year))
    done = import_scores(session, f"diem-{CODE}-{year}.csv", demo_scores_csv(year))
    return (f"Index {CODE} {year}: {len(COMMUNES)} communes and {len(DEPARTMENTS)} departments, "
            f"{done.scores} hand scores (one not applicable, one appraisal missing); ranking at "
            f"/index/{CODE}/{year}")


def _quarter(value: float) -> float:
    """Points rounded down to a quarter, as an appraisal council gives them: 13.75."""
    return int(value * 4 + 1e-9) / 4
