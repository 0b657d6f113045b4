"""The demo's index (bộ chỉ số): a scheme for the demo's own year and its hand scores.

Called by :func:`survey_app.services.demo.seed_demo` once the votes are stored, so ``/index/``
shows a real ranking of the seven districts: the satisfaction component is computed from the
demo's votes of that year, the hand scores are imported as an administrator would import them
(``index scores import``, the same parser and audit), and two cases of the ranking rule
(``docs/index-formulas.md`` §3, §5) are visible:

- Huyện Hòa Vang, a rural district, is not under Đà Nẵng's urban-government model, so the
  criterion "Tổ chức chính quyền đô thị" is declared **not applicable** (``NA``, with the
  evidence in the note): it is left out and Hòa Vang's total is rescaled to 100;
- Quận Cẩm Lệ's appraisal of "Cải cách chế độ công vụ" is not done yet (self-assessment only):
  the unit is **incomplete**, listed after the ranked districts with a provisional total.
"""

from __future__ import annotations

import csv
import io

from sqlalchemy.orm import Session

from .index.schemes import load_scheme
from .index_imports import import_scores

CODE = "PAR-QH"
DISTRICTS = ("HC", "TK", "ST", "NHS", "LC", "CL", "HV")
#: Hand-scored leaves and their maxima; with the satisfaction component (20) they add up to 100.
HAND = (("chi_dao", 15), ("cong_khai", 10), ("mot_cua", 15), ("bo_may", 14),
        ("chinh_quyen_do_thi", 6), ("cong_vu", 20))
#: Share of each maximum the appraisal gives a district (the self-assessment is a little higher).
LEVEL = {"HC": 0.93, "TK": 0.86, "ST": 0.84, "NHS": 0.89, "LC": 0.81, "CL": 0.85, "HV": 0.8}
#: Component by component, a district's appraisal moves around its level by these steps.
WOBBLE = (0.02, -0.03, 0.0, 0.04, -0.02, 0.01)
NOT_APPLICABLE = ("HV", "chinh_quyen_do_thi",
                  "Huyện Hòa Vang không thực hiện mô hình chính quyền đô thị (Nghị quyết "
                  "119/2020/QH14 áp dụng cho các quận và phường); xác nhận của Sở Nội vụ")
NOT_APPRAISED = ("CL", "cong_vu")
BONUS = (("HC", 2, "Sáng kiến cải cách hành chính được thành phố công nhận"),
         ("LC", -1.5, "Chậm gửi báo cáo cải cách hành chính quý III"))


def demo_scheme(year: int) -> dict:
    """The demo's scheme for ``year``: five fields, one of them computed from the votes."""
    return {
        "code": CODE, "version": 1, "year": year,
        "name": f"Chỉ số cải cách hành chính cấp huyện năm {year}",
        "period": {"from": f"{year}-01-01", "to": f"{year}-12-31"},
        "min_n": 30,
        "blocks": [{"name": "Quận, huyện", "units": list(DISTRICTS)}],
        "components": [
            {"code": "chi_dao", "name": "Công tác chỉ đạo, điều hành", "max": 15},
            {"code": "tthc", "name": "Cải cách thủ tục hành chính", "children": [
                {"code": "cong_khai", "name": "Công khai thủ tục hành chính", "max": 10},
                {"code": "mot_cua", "name": "Thực hiện cơ chế một cửa, một cửa liên thông",
                 "max": 15}]},
            {"code": "to_chuc", "name": "Cải cách tổ chức bộ máy", "children": [
                {"code": "bo_may", "name": "Sắp xếp tổ chức bộ máy", "max": 14},
                {"code": "chinh_quyen_do_thi", "name": "Tổ chức chính quyền đô thị",
                 "max": 6}]},
            {"code": "cong_vu", "name": "Cải cách chế độ công vụ", "max": 20},
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
    for unit in DISTRICTS:
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
    return (f"Index {CODE} {year}: {len(DISTRICTS)} districts, {done.scores} hand scores "
            f"(one not applicable, one appraisal missing); ranking at /index/{CODE}/{year}")


def _quarter(value: float) -> float:
    """Points rounded down to a quarter, as an appraisal council gives them: 13.75."""
    return int(value * 4 + 1e-9) / 4
