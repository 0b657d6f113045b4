"""Item, element and overall figures of a five-level form, against hand-computed values."""

from fractions import Fraction
from pathlib import Path

import yaml

from survey_app.domain.item_figures import form_figures
from survey_app.domain.questionnaire import parse_definition

SIPAS = parse_definition(yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "survey_app/definitions/sipas-5e.yaml")
    .read_text(encoding="utf-8")))


def test_items_elements_and_overall_by_hand():
    counts = {
        # tiếp cận: tc1 3 of 4 satisfied (4, 5, 5 / 2), tc2 1 of 2, tc3 and tc4 unanswered
        "tc1": {"4": 1, "5": 2, "2": 1},
        "tc2": {"3": 1, "4": 1},
        # thủ tục: tt1 all satisfied, tt2 none
        "tt1": {"5": 4},
        "tt2": {"1": 1, "3": 3},
        # công chức: cc1 2 of 5
        "cc1": {"4": 2, "3": 3},
        # not scored: respondent fields and the comment
        "gender": {"female": 3},
    }
    f = form_figures(SIPAS, counts)
    by_item = {i.item.code: i for i in f.items}
    assert by_item["tc1"].n == 4 and by_item["tc1"].share == Fraction(3, 4)
    assert by_item["tc2"].share == Fraction(1, 2)
    assert by_item["tc3"].n == 0 and by_item["tc3"].share is None
    assert "gender" not in by_item and "comment" not in by_item
    elements = {e.code: e.share for e in f.elements}
    # element = mean of answered items: (3/4 + 1/2) / 2 = 5/8; (1 + 0) / 2 = 1/2; 2/5
    assert elements["tiep_can"] == Fraction(5, 8)
    assert elements["thu_tuc"] == Fraction(1, 2)
    assert elements["cong_chuc"] == Fraction(2, 5)
    assert elements["ket_qua"] is None and elements["phan_anh"] is None
    # overall = mean of the three scored elements: (5/8 + 1/2 + 2/5) / 3 = 61/120
    assert f.overall == Fraction(61, 120)


def test_no_answers_gives_no_overall():
    f = form_figures(SIPAS, {})
    assert f.overall is None
    assert all(i.n == 0 for i in f.items)
