"""Index scoring against hand-computed values: formulas, totals, bonus, rescaling, ranks, bands."""

import csv
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from survey_app.domain.index import (
    DEFAULT_BANDS,
    BonusRule,
    DossierCounts,
    HandScore,
    OptionAnswers,
    SchemeError,
    SurveyRate,
    UnitInput,
    band_for,
    bonus_points,
    competition_ranks,
    delta,
    dossier_points,
    dossier_rate,
    index_result,
    linear_points,
    option_credit_points,
    parse_scheme,
    score_unit,
    threshold_points,
)
from survey_app.domain.rounding import points
from survey_app.domain.shares import Tally

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def scheme_dict(**overrides):
    """A valid scheme: hand-scored chi_dao (30) and to_chuc (50), computed hai_long (20)."""
    data = {
        "code": "DN-PAR",
        "year": 2012,
        "name": "Chỉ số cải cách hành chính năm 2012",
        "period": {"from": date(2012, 1, 1), "to": date(2012, 12, 31)},
        "min_n": 30,
        "blocks": [{"name": "Quận, huyện", "units": ["LC", "HC", {"unit": "HV", "ranked": False}]}],
        "components": [
            {"code": "chi_dao", "name": "Công tác chỉ đạo, điều hành", "max": 30},
            {"code": "to_chuc", "name": "Cải cách tổ chức bộ máy", "max": 50},
            {"code": "hai_long", "name": "Mức độ hài lòng của người dân", "max": 20,
             "formula": "threshold", "threshold": 90},
        ],
        "bonus": {"max": 5, "min": -5},
    }
    data.update(overrides)
    return data


def hand_only_scheme(units, **overrides):
    """One hand-scored component worth 100 points, so a unit's total is its appraised score."""
    return parse_scheme(scheme_dict(
        blocks=[{"name": "Khối", "units": units}],
        components=[{"code": "tong", "name": "Tổng điểm", "max": 100}],
        **overrides,
    ))


def hand(unit, appraised, **kw):
    return UnitInput(unit, entries={"tong": HandScore(appraised=appraised)}, **kw)


# ---------------------------------------------------------------------------------------------
# Formulas


def test_linear_is_max_times_rate():
    # 120 + 60 satisfied of 200 = 9/10; 20 × 9/10 = 18 exactly.
    calc = linear_points(Fraction(20), Fraction(180, 200))
    assert calc.points == 18
    assert calc.rate == Fraction(9, 10)
    # 10 × 2/3 = 6.666… → 6.67 on output, kept exact inside.
    calc = linear_points(Fraction(10), Fraction(2, 3))
    assert calc.points == Fraction(20, 3)
    assert points(calc.points) == Decimal("6.67")
    assert "10 × 66.67%" in calc.explanation


@pytest.mark.parametrize(
    ("rate", "expected"),
    [
        # 20 × 0.90 / 0.90 = 20: full marks exactly at the threshold.
        (Fraction(9, 10), Fraction(20)),
        # 20 × 0.95 / 0.90 = 21.11 → capped at the maximum 20.
        (Fraction(19, 20), Fraction(20)),
        # 20 × 0.81 / 0.90 = 18.
        (Fraction(81, 100), Fraction(18)),
        # 260/300 = 13/15; 20 × 13/15 / 0.9 = 2600/135 = 19.259… (published 19.26).
        (Fraction(260, 300), Fraction(520, 27)),
        (Fraction(0), Fraction(0)),
    ],
)
def test_threshold_gives_full_marks_from_t(rate, expected):
    assert threshold_points(Fraction(20), rate, Fraction(90)).points == expected


def test_threshold_explanation_names_the_rule():
    calc = threshold_points(Fraction(20), Fraction(13, 15), Fraction(90))
    assert calc.explanation == "min(20, 20 × 86.67% ÷ 90%) = 19.26 (ngưỡng 90%)"


def test_dossier_rate_counts_unrated_as_satisfied():
    # 200 handled, 6 rated not satisfied, 3 complained about, 11 overdue: (200 − 20)/200 = 0.9.
    # The 120 dossiers nobody rated are not subtracted: they count as satisfied.
    counts = DossierCounts(handled=200, not_satisfied=6, complaints=3, overdue=11)
    assert dossier_rate(counts) == Fraction(9, 10)
    # QĐ 766 style: 6 points, full from 90 % → 6 × 0.9 / 0.9 = 6.
    assert dossier_points(Fraction(6), counts, Fraction(90)).points == 6
    # Without a threshold it is linear: 6 × 0.9 = 5.4.
    assert dossier_points(Fraction(6), counts).points == Fraction(27, 5)
    # 50 handled, 10 overdue: 40/50 = 0.8 → min(6, 6 × 0.8 / 0.9) = 5.333… → 5.33.
    calc = dossier_points(Fraction(6), DossierCounts(handled=50, overdue=10), Fraction(90))
    assert points(calc.points) == Decimal("5.33")


def test_dossier_without_dossiers_has_no_score_and_says_why():
    calc = dossier_points(Fraction(6), DossierCounts(handled=0))
    assert calc.points is None
    assert calc.explanation == "Không có hồ sơ đã giải quyết trong kỳ (n = 0)"
    with pytest.raises(ValueError):
        DossierCounts(handled=5, not_satisfied=3, overdue=3)  # 6 negatives > 5 handled


def test_option_credit_averages_the_credits():
    # A=10, B=5, C=3, D=2 (n = 20): credit = 10×1 + 5×0.6 + 3×0.2 + 2×0 = 13.6; mean 0.68;
    # item worth 2 points → 2 × 0.68 = 1.36.
    calc = option_credit_points(Fraction(2), OptionAnswers(a=10, b=5, c=3, d=2))
    assert calc.points == Fraction(136, 100)
    # All C: 20 % of 1.5 points = 0.3.
    assert option_credit_points(Fraction(3, 2), OptionAnswers(c=7)).points == Fraction(3, 10)
    assert option_credit_points(Fraction(2), OptionAnswers(d=9)).points == 0
    empty = option_credit_points(Fraction(2), OptionAnswers())
    assert empty.points is None
    assert "n = 0" in empty.explanation


def test_option_credit_items_as_leaves_of_a_survey_component():
    data = scheme_dict(components=[{
        "code": "khao_sat", "name": "Khảo sát cán bộ, công chức", "children": [
            {"code": "q1", "name": "Câu 1", "max": 2, "formula": "option_credit"},
            {"code": "q2", "name": "Câu 2", "max": 3, "formula": "option_credit"},
        ]}], min_n=10)
    scheme = parse_scheme(data)
    assert scheme.components[0].max_points == 5  # max omitted on a parent: the children's sum
    score = score_unit(scheme, UnitInput("LC", entries={
        "q1": OptionAnswers(a=10, b=5, c=3, d=2),  # 1.36 (above)
        "q2": OptionAnswers(a=4, b=4, c=2, d=0),   # (4 + 2.4 + 0.4)/10 = 0.68 → 3 × 0.68 = 2.04
    }))
    parent = score.components[0]
    assert (parent.code, parent.leaf, parent.points) == ("khao_sat", False, Fraction(340, 100))
    assert score.total == Fraction(340, 100)  # 1.36 + 2.04
    assert score.satisfaction is None  # option credits are not a satisfaction rate


# ---------------------------------------------------------------------------------------------
# Sample size


def test_small_n_is_scored_but_flagged():
    scheme = parse_scheme(scheme_dict())
    # 8 + 2 satisfied of 12 = 5/6; min(20, 20 × (5/6) / 0.9) = 18.518… → 18.52.
    score = score_unit(scheme, UnitInput("LC", entries={
        "chi_dao": HandScore(appraised=25), "to_chuc": HandScore(appraised=40),
        "hai_long": Tally(very_satisfied=8, satisfied=2, not_satisfied=2),
    }))
    hl = score.components[2]
    assert points(hl.points) == Decimal("18.52")
    assert (hl.n, hl.sufficient) == (12, False)
    assert hl.reason == "Chưa đủ số phiếu (n = 12 < 30)"
    assert unicodedata.is_normalized("NFC", hl.reason)
    assert score.sufficient is False
    assert points(score.total) == Decimal("83.52")  # 25 + 40 + 18.52: it still counts


def test_no_votes_means_no_points():
    scheme = parse_scheme(scheme_dict())
    score = score_unit(scheme, UnitInput("LC", entries={"hai_long": Tally()}))
    hl = score.components[2]
    assert (hl.points, hl.n, hl.sufficient) == (None, 0, False)
    assert hl.reason == "Chưa có phiếu đánh giá (n = 0)"


def test_dossier_component_flags_few_dossiers():
    scheme = parse_scheme(scheme_dict(components=[
        {"code": "ho_so", "name": "Hồ sơ", "max": 6, "formula": "dossier", "threshold": 90}]))
    score = score_unit(scheme, UnitInput("LC", entries={"ho_so": DossierCounts(12, overdue=3)}))
    # 9/12 = 0.75 → 6 × 0.75 / 0.9 = 5.
    assert score.components[0].points == 5
    assert score.components[0].reason == "Chưa đủ số hồ sơ (n = 12 < 30)"


def test_a_precomputed_rate_scores_like_a_tally():
    scheme = parse_scheme(scheme_dict())
    rate = SurveyRate(Fraction(9, 10), n=40)  # e.g. a five-level mean of elements
    score = score_unit(scheme, UnitInput("LC", entries={"hai_long": rate}))
    assert score.components[2].points == 20


# ---------------------------------------------------------------------------------------------
# Totals: self vs appraised, bonus, rescaling


def test_appraised_score_counts_self_score_is_shown():
    scheme = parse_scheme(scheme_dict())
    score = score_unit(scheme, UnitInput("LC", entries={
        "chi_dao": HandScore(self_points=28, appraised=Decimal("25.5")),
        "to_chuc": HandScore(self_points=45, appraised=40),
        "hai_long": Tally(150, 30, 20),  # 180/200 = 0.9 → 20
    }))
    assert score.components[0].self_points == 28
    assert score.total == Fraction(171, 2)  # 25.5 + 40 + 20 = 85.5
    with pytest.raises(ValueError):
        score_unit(scheme, UnitInput("LC", entries={"chi_dao": HandScore(appraised=31)}))


@pytest.mark.parametrize(
    ("entries", "rule", "expected"),
    [
        ([4, 3], BonusRule(Fraction(5)), 5),  # 7 bonus capped at 5
        ([-4, -3], BonusRule(Fraction(5), Fraction(-5)), -5),  # 7 deducted capped at 5
        ([-4, -3], BonusRule(Fraction(5)), -7),  # no floor: the whole deduction
        ([4, 3, -2], BonusRule(Fraction(5), Fraction(-5)), 3),  # caps apply apart: 5 − 2
        ([Decimal("1.5")], BonusRule(Fraction(5)), Fraction(3, 2)),
        ([], None, 0),
    ],
)
def test_bonus_and_deduction_caps(entries, rule, expected):
    assert bonus_points(entries, rule) == expected


def test_bonus_without_a_bonus_section_is_refused():
    with pytest.raises(ValueError):
        bonus_points([1], None)


def test_bonus_is_capped_and_total_never_negative():
    scheme = parse_scheme(scheme_dict())
    full = {"chi_dao": HandScore(appraised=28), "to_chuc": HandScore(appraised=45),
            "hai_long": Tally(180, 0, 20)}
    # 28 + 45 + 20 = 93; bonus 4 + 3 capped at 5 → 98.
    assert score_unit(scheme, UnitInput("LC", entries=full, bonus=[4, 3])).total == 98
    # Deductions −4 − 3 capped at −5 → 88.
    assert score_unit(scheme, UnitInput("LC", entries=full, bonus=[-4, -3])).total == 88
    # 2 points and a 5-point deduction would be −3: the total stops at 0.
    low = score_unit(scheme, UnitInput("LC", entries={"chi_dao": HandScore(appraised=2)},
                                       bonus=[-5]))
    assert low.total == 0


def test_a_missing_part_is_not_rescaled_the_total_is_provisional():
    scheme = parse_scheme(scheme_dict(rescale_to=100))
    entries = {"chi_dao": HandScore(appraised=24), "to_chuc": HandScore(appraised=40)}
    # No survey: the satisfaction part is missing, not "not applicable": it counts 0 of its 20,
    # 64 of 100 → 64, bonus 2 after → 66, provisional (the old rule gave 64/80 × 100 + 2 = 82).
    score = score_unit(scheme, UnitInput("HV", entries=entries, bonus=[2]))
    assert (score.subtotal, score.applicable_max, score.total) == (64, 100, 66)
    assert (score.complete, score.missing, score.not_applicable) == (False, ("hai_long",), ())
    assert "quy đổi" not in score.explanation
    assert "tạm tính: chưa đủ điểm Mức độ hài lòng của người dân" in score.explanation
    # All present with maxima adding to 100: rescaling changes nothing (64 + 18 + 2 = 84).
    entries["hai_long"] = Tally(0, 162, 38)  # 162/200 = 0.81 → 18
    full = score_unit(scheme, UnitInput("HV", entries=entries, bonus=[2]))
    assert (full.total, full.complete, full.missing) == (84, True, ())
    # A hand part with a self-assessment only is missing too: the appraisal counts.
    entries["chi_dao"] = HandScore(self_points=30)
    assert score_unit(scheme, UnitInput("HV", entries=entries)).missing == ("chi_dao",)


def test_only_a_part_declared_not_applicable_is_left_out_and_rescaled():
    scheme = parse_scheme(scheme_dict(rescale_to=100))
    entries = {"chi_dao": HandScore(not_applicable=True), "to_chuc": HandScore(appraised=40),
               "hai_long": Tally(0, 162, 38)}  # 18
    # 40 + 18 = 58 of the 70 applicable points → 58/70 × 100 = 82.857…; bonus 2 → 84.857…
    score = score_unit(scheme, UnitInput("HV", entries=entries, bonus=[2]))
    assert (score.subtotal, score.applicable_max) == (58, 70)
    assert points(score.total) == Decimal("84.86")
    assert (score.complete, score.missing, score.not_applicable) == (True, (), ("chi_dao",))
    assert "không áp dụng: Công tác chỉ đạo, điều hành" in score.explanation
    assert "quy đổi thang 100: 82.86" in score.explanation
    chi_dao = score.components[0]
    assert (chi_dao.points, chi_dao.applicable, chi_dao.reason) == (None, False, "Không áp dụng")
    # declared not applicable, it cannot carry an appraisal as well
    with pytest.raises(ValueError):
        HandScore(appraised=10, not_applicable=True)


def test_a_parent_of_only_not_applicable_leaves_is_not_applicable():
    scheme = parse_scheme(scheme_dict(rescale_to=100, components=[
        {"code": "chi_dao", "name": "Chỉ đạo", "max": 30},
        {"code": "do_thi", "name": "Chính quyền đô thị", "children": [
            {"code": "hdnd", "name": "Không tổ chức HĐND", "max": 10},
            {"code": "uy_quyen", "name": "Ủy quyền", "max": 10}]},
        {"code": "to_chuc", "name": "Tổ chức", "max": 50}]))
    score = score_unit(scheme, UnitInput("HV", entries={
        "chi_dao": HandScore(appraised=27), "to_chuc": HandScore(appraised=45),
        "hdnd": HandScore(not_applicable=True), "uy_quyen": HandScore(not_applicable=True)}))
    by_code = {c.code: c for c in score.components}
    assert by_code["do_thi"].applicable is False and by_code["do_thi"].points is None
    assert score.complete and score.total == 90  # 72 of 80 → 90


def test_without_rescaling_a_missing_part_adds_nothing():
    scheme = parse_scheme(scheme_dict())
    entries = {"chi_dao": HandScore(appraised=24), "to_chuc": HandScore(appraised=40)}
    score = score_unit(scheme, UnitInput("HV", entries=entries, bonus=[2]))
    assert (score.total, score.complete) == (66, False)


def test_rescaling_a_scheme_that_is_not_on_100_points():
    # Maxima 10 + 20 = 30, rescale_to 100: 8 + 16.67 (threshold, 0.75/0.9 × 20) = 24.67 of 30
    # → 24.666…/30 × 100 = 82.22.
    scheme = parse_scheme(scheme_dict(rescale_to=100, components=[
        {"code": "chi_dao", "name": "Chỉ đạo", "max": 10},
        {"code": "hai_long", "name": "Hài lòng", "max": 20, "formula": "threshold",
         "threshold": 90}]))
    score = score_unit(scheme, UnitInput("LC", entries={
        "chi_dao": HandScore(appraised=8), "hai_long": Tally(100, 50, 50)}))
    assert points(score.total) == Decimal("82.22")


def test_nothing_scored_means_no_total():
    score = score_unit(parse_scheme(scheme_dict()), UnitInput("LC", bonus=[3]))
    assert score.total is None


# ---------------------------------------------------------------------------------------------
# Bands


@pytest.mark.parametrize(
    ("total", "label"),
    [
        (Fraction(80), "Tốt"),  # exactly 80.00: inclusive lower bound
        (Fraction(79995, 1000), "Tốt"),  # publishes as 80.00
        (Fraction(79994, 1000), "Khá"),  # publishes as 79.99
        (Decimal("90"), "Xuất sắc"),
        (Fraction(89999, 1000), "Xuất sắc"),  # 90.00 once rounded
        (Fraction(49995, 1000), "Trung bình"),  # 50.00
        (Fraction(4999, 100), "Yếu"),
        (0, "Yếu"),
        (None, None),
    ],
)
def test_band_boundaries_compare_the_published_total(total, label):
    assert band_for(total) == label


def test_scheme_bands_replace_the_default():
    scheme = parse_scheme(scheme_dict(bands=[
        {"label": "Nhóm A", "min": 90}, {"label": "Nhóm B", "min": 80},
        {"label": "Nhóm C", "min": 0}]))
    assert band_for(Fraction(85), scheme.bands) == "Nhóm B"
    assert parse_scheme(scheme_dict()).bands == DEFAULT_BANDS


# ---------------------------------------------------------------------------------------------
# Ranking


def test_competition_ranks_skip_after_a_tie():
    values = [Decimal(v) for v in ("90", "85", "85", "80")]
    assert competition_ranks(values) == [1, 2, 2, 4]


def test_block_ranking_ties_unranked_and_missing():
    scheme = hand_only_scheme(["A", "B", "C", "D", {"unit": "E", "ranked": False}, "F"])
    result = index_result(scheme, [
        hand("C", Decimal("84.995")),  # publishes 85.00 …
        hand("B", Decimal("85.004")),  # … and so does this: they share rank 2
        hand("A", 90),
        hand("D", 80),
        hand("E", 95),  # highest, but ranked: false
    ])  # F has no input at all
    units = result.blocks[0].units
    assert [(u.score.unit, u.rank) for u in units] == [
        ("A", 1), ("B", 2), ("C", 2), ("D", 4), ("E", None), ("F", None)]
    assert [u.band for u in units] == ["Xuất sắc", "Tốt", "Tốt", "Tốt", "Xuất sắc", None]


def test_incomplete_units_are_not_ranked_and_come_after_the_ranked_ones():
    # The report that started issue 15: a unit with only the computed satisfaction part scored
    # was rescaled to a top score and ranked first above a fully scored unit.
    scheme = parse_scheme(scheme_dict(rescale_to=100, blocks=[{"name": "Quận, huyện", "units": [
        "ONLY_SURVEY", "FULL", "LOWER", {"unit": "OUT", "ranked": False}, "NA", "NOTHING"]}]))
    survey = Tally(190, 0, 10)  # 95 % → 20 (full marks from 90 %)
    result = index_result(scheme, [
        UnitInput("ONLY_SURVEY", entries={"hai_long": survey}),
        UnitInput("FULL", entries={"chi_dao": HandScore(appraised=24),
                                   "to_chuc": HandScore(appraised=40), "hai_long": survey}),
        UnitInput("LOWER", entries={"chi_dao": HandScore(appraised=20),
                                    "to_chuc": HandScore(appraised=35), "hai_long": survey}),
        UnitInput("OUT", entries={"chi_dao": HandScore(appraised=30),
                                  "to_chuc": HandScore(appraised=50), "hai_long": survey}),
        # chi_dao declared not applicable: 40 + 20 of 70 → 85.71, complete and ranked
        UnitInput("NA", entries={"chi_dao": HandScore(not_applicable=True),
                                 "to_chuc": HandScore(appraised=40), "hai_long": survey}),
    ])
    rows = result.to_dict()["blocks"][0]["units"]
    assert [(r["unit"], r["rank"], r["complete"], r["missing"], str(r["total"]), r["band"])
            for r in rows] == [
        ("NA", 1, True, [], "85.71", "Tốt"),
        ("FULL", 2, True, [], "84.00", "Tốt"),
        ("LOWER", 3, True, [], "75.00", "Khá"),
        ("OUT", None, True, [], "100.00", "Xuất sắc"),
        # 20 of 100, provisional: no rank, no band, after every ranked unit of the block
        ("ONLY_SURVEY", None, False, ["chi_dao", "to_chuc"], "20.00", None),
        ("NOTHING", None, False, ["chi_dao", "to_chuc", "hai_long"], "None", None),
    ]
    assert rows[0]["not_applicable"] == ["chi_dao"]


def test_insufficient_units_are_ranked_but_flagged():
    scheme = parse_scheme(scheme_dict())
    full = {"chi_dao": HandScore(appraised=25), "to_chuc": HandScore(appraised=40)}
    result = index_result(scheme, [
        # 65 + 20 × (10/12)/0.9 = 65 + 18.52 = 83.52, n = 12 < 30
        UnitInput("LC", entries={**full, "hai_long": Tally(8, 2, 2)}),
        # 65 + 20 × (150/200)/0.9 = 65 + 16.67 = 81.67, n = 200
        UnitInput("HC", entries={**full, "hai_long": Tally(100, 50, 50)}),
    ])
    rows = result.to_dict()["blocks"][0]["units"]
    assert [(r["unit"], r["rank"], r["sufficient"], r["n"]) for r in rows[:2]] == [
        ("LC", 1, False, 12), ("HC", 2, True, 200)]


def test_inputs_must_belong_to_the_scheme():
    scheme = parse_scheme(scheme_dict())
    with pytest.raises(ValueError):
        index_result(scheme, [UnitInput("XX")])
    with pytest.raises(ValueError):
        index_result(scheme, [UnitInput("LC"), UnitInput("LC")])
    with pytest.raises(ValueError):
        score_unit(scheme, UnitInput("LC", entries={"khong_co": HandScore(appraised=1)}))
    with pytest.raises(ValueError):
        score_unit(scheme, UnitInput("LC", entries={"hai_long": HandScore(appraised=1)}))


# ---------------------------------------------------------------------------------------------
# Year over year and the output shape


def test_delta_against_last_year():
    # 2329/27 = 86.259… − 84 = 61/27 = 2.259… → 2.26
    assert points(delta(Fraction(2329, 27), Decimal("84.00"))) == Decimal("2.26")
    assert delta(Fraction(80), Fraction(8255, 100)) == Fraction(-255, 100)
    assert delta(None, 80) is None
    assert delta(80, None) is None


def test_to_dict_rounds_every_number():
    scheme = parse_scheme(scheme_dict())
    result = index_result(scheme, [UnitInput(
        "LC", name="Liên Chiểu",
        entries={"chi_dao": HandScore(appraised=25), "to_chuc": HandScore(appraised=40),
                 "hai_long": Tally(100, 50, 50)},  # 150/200 = 75 % → 20 × 0.75/0.9 = 16.666…
        bonus=[1], previous_total=Decimal("80.5"),
    )])
    data = result.to_dict()
    assert (data["scheme"], data["year"], data["blocks"][0]["name"]) == (
        "DN-PAR", 2012, "Quận, huyện")
    lc = data["blocks"][0]["units"][0]
    assert lc == {
        "unit": "LC", "name": "Liên Chiểu",
        "total": Decimal("82.67"),  # 25 + 40 + 16.666… + 1 = 82.666…
        "rank": 1, "band": "Tốt",
        "components": {"chi_dao": Decimal("25.00"), "to_chuc": Decimal("40.00"),
                       "hai_long": Decimal("16.67")},
        "bonus": Decimal("1.00"),
        "satisfaction_rate": Decimal("75.0"),
        "n": 200, "sufficient": True,
        "complete": True, "missing": [], "not_applicable": [],
        "previous_total": Decimal("80.50"),
        "delta": Decimal("2.17"),  # 82.666… − 80.5 = 2.1666… → 2.17
    }


# ---------------------------------------------------------------------------------------------
# Parsing the scheme


def test_every_problem_is_named_by_its_key():
    data = scheme_dict(
        period={"from": "2012-12-31", "to": "2012-01-01"},
        min_n=-1,
        bands=[{"label": "Tốt", "min": 80}, {"label": "Xuất sắc", "min": 90},
               {"label": "Yếu", "min": 10}],
        blocks=[{"name": "Quận, huyện", "units": ["LC", "HC"]},
                {"name": "Sở, ngành", "units": ["LC"]}],
        components=[
            {"code": "chi_dao", "name": "Chỉ đạo", "max": 10},
            {"code": "hai_long", "name": "Hài lòng", "max": 20, "formula": "threshold",
             "threshold": 120},
            {"code": "chi_dao", "name": "Trùng mã", "max": 5},
            {"code": "tthc", "name": "TTHC", "max": 12, "children": [
                {"code": "a", "name": "A", "max": 5}, {"code": "b", "name": "B", "max": 5}]},
            {"code": "x", "name": "X", "max": 5, "formula": "magic"},
            {"code": "y", "name": "Y", "max": 5, "treshold": 90},
            {"code": "z", "name": "Z", "max": 5, "formula": "threshold"},
        ],
        bonus={"max": -1},
    )
    with pytest.raises(SchemeError) as caught:
        parse_scheme(data)
    keys = [key for key, _ in caught.value.problems]
    assert keys == [
        "min_n",
        "period.to",  # to before from
        "bands[1].min",  # 90 after 80: not descending
        "bands[2].min",  # the last band starts above 0
        "blocks[1].units[0]",  # LC is already in blocks[0]
        "components[1].threshold",  # 120 is not in (0, 100]
        "components[2].code",  # chi_dao again
        "components[3].max",  # 12 ≠ 5 + 5
        "components[4].formula",  # unknown formula
        "components[5].treshold",  # a typo is an unknown key, not a silent hand score
        "components[6].threshold",  # formula threshold needs one
        "bonus.max",
    ]
    messages = dict(caught.value.problems)
    assert "blocks[0].units[0]" in messages["blocks[1].units[0]"]
    assert "(10)" in messages["components[3].max"]


def test_missing_and_malformed_fields():
    with pytest.raises(SchemeError) as caught:
        parse_scheme({"year": "2012", "period": {"from": "1/1/2012", "to": None},
                      "components": [], "blocks": "LC"})
    assert [k for k, _ in caught.value.problems] == [
        "code", "name", "year", "period.from", "period.to", "blocks", "components"]
    with pytest.raises(SchemeError):
        parse_scheme(["not", "a", "mapping"])  # type: ignore[arg-type]


def test_dates_arrive_as_dates_or_iso_strings():
    as_strings = parse_scheme(scheme_dict(period={"from": "2012-01-01", "to": "2012-12-31"}))
    as_dates = parse_scheme(scheme_dict())
    assert as_strings.period == as_dates.period
    assert as_dates.period.start == date(2012, 1, 1)
    with pytest.raises(SchemeError) as caught:
        parse_scheme(scheme_dict(period={"from": datetime(2012, 1, 1, 8), "to": "2012-12-31"}))
    assert caught.value.problems[0][0] == "period.from"


def test_numbers_are_exact_and_text_is_nfc():
    decomposed = unicodedata.normalize("NFD", "Mức độ hài lòng")
    scheme = parse_scheme(scheme_dict(components=[
        {"code": "a", "name": decomposed, "max": 2.5},  # a YAML float: exactly 5/2
        {"code": "b", "name": "B", "max": "0.1", "formula": "linear"},
    ]))
    assert scheme.components[0].name == "Mức độ hài lòng"
    assert scheme.components[0].max_points == Fraction(5, 2)
    assert scheme.components[1].max_points == Fraction(1, 10)
    assert scheme.max_total == Fraction(26, 10)
    assert scheme.member("HV").ranked is False


def test_a_comma_in_an_unquoted_yaml_name_is_caught():
    # In a YAML flow mapping "name: Công tác chỉ đạo, điều hành" ends the name at the comma and
    # makes "điều hành" a key of its own; the unknown-key check says so instead of losing it.
    loaded = yaml.safe_load(
        "components:\n  - {code: chi_dao, name: Công tác chỉ đạo, điều hành, max: 10}\n")
    with pytest.raises(SchemeError) as caught:
        parse_scheme(scheme_dict(components=loaded["components"]))
    assert [k for k, _ in caught.value.problems] == ["components[0].điều hành"]


# ---------------------------------------------------------------------------------------------
# The worked example in docs/index-formulas.md


DEMO_TALLIES = {
    "LC": Tally(200, 60, 40),
    "HC": Tally(300, 150, 30),
    "TK": Tally(120, 69, 41),
    "ST": Tally(150, 100, 110),
    "NHS": Tally(12, 4, 2),
}
DEMO_PREVIOUS = {"LC": "84.00", "HC": "91.50", "TK": "87.10", "ST": "81.00", "NHS": "79.30",
                 "CL": "70.00", "HV": "74.10"}


DEMO_NAMES = {"LC": "Liên Chiểu", "HC": "Hải Châu", "TK": "Thanh Khê", "ST": "Sơn Trà",
              "NHS": "Ngũ Hành Sơn", "HV": "Hòa Vang"}


def demo_inputs():
    by_unit = {}
    with open(EXAMPLES / "scores-demo.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            assert (row["scheme"], row["year"]) == ("DEMO-QH", "2024")
            name = DEMO_NAMES[row["unit"]]
            u = by_unit.setdefault(row["unit"], {"name": name, "entries": {}, "bonus": []})
            if row["component"] == "bonus":
                u["bonus"].append(Decimal(row["appraised_score"]))
            else:
                u["entries"][row["component"]] = HandScore(Decimal(row["self_score"]),
                                                           Decimal(row["appraised_score"]))
    inputs = [UnitInput("CL", "Cẩm Lệ", previous_total=Decimal(DEMO_PREVIOUS["CL"]))]
    for code, u in by_unit.items():
        entries = dict(u["entries"])
        if code in DEMO_TALLIES:
            entries["hai_long"] = DEMO_TALLIES[code]
        inputs.append(UnitInput(code, u["name"], entries, tuple(u["bonus"]),
                                Decimal(DEMO_PREVIOUS[code])))
    return inputs


def test_demo_files_reproduce_the_documented_ranking():
    with open(EXAMPLES / "scheme-demo.yaml", encoding="utf-8") as f:
        scheme = parse_scheme(yaml.safe_load(f))
    rows = index_result(scheme, demo_inputs()).to_dict()["blocks"][0]["units"]
    table = [(r["rank"], r["unit"], str(r["total"]), r["band"], r["sufficient"],
              None if r["delta"] is None else str(r["delta"])) for r in rows]
    assert table == [
        (1, "HC", "96.00", "Xuất sắc", True, "4.50"),
        (2, "LC", "86.26", "Tốt", True, "2.26"),
        (2, "TK", "86.26", "Tốt", True, "-0.84"),
        (4, "NHS", "81.75", "Tốt", False, "2.45"),
        (5, "ST", "80.43", "Tốt", True, "-0.57"),
        # no survey: the satisfaction part is missing, 63 of 100 is provisional, no band
        (None, "HV", "63.00", None, False, "-11.10"),
        (None, "CL", "None", None, False, None),
    ]


# ---------------------------------------------------------------------------------------------
# Properties

published = st.integers(min_value=0, max_value=11_000).map(lambda c: Decimal(c).scaleb(-2))


@given(st.lists(published, max_size=40))
def test_ranks_are_competition_ranks(totals):
    ranks = competition_ranks(totals)
    for value, rank in zip(totals, ranks, strict=True):
        assert rank == 1 + sum(1 for other in totals if other > value)
    # Equal totals share a rank; a higher total never ranks below a lower one.
    for a, ra in zip(totals, ranks, strict=True):
        for b, rb in zip(totals, ranks, strict=True):
            assert (a == b) == (ra == rb)
            assert a <= b or ra < rb


exact_totals = st.fractions(min_value=0, max_value=110, max_denominator=10_000)


@given(exact_totals, exact_totals)
def test_band_lookup_is_monotone(a, b):
    low, high = sorted((a, b))
    labels = [band.label for band in DEFAULT_BANDS]
    assert labels.index(band_for(high)) <= labels.index(band_for(low))


@given(st.fractions(min_value=0, max_value=1), st.integers(min_value=1, max_value=100))
def test_formulas_stay_within_the_maximum(rate, t):
    top = Fraction(20)
    for calc in (linear_points(top, rate), threshold_points(top, rate, Fraction(t))):
        assert 0 <= calc.points <= top


@given(st.lists(st.integers(min_value=-10, max_value=10), max_size=8))
def test_capped_bonus_stays_within_its_caps(entries):
    net = bonus_points(entries, BonusRule(Fraction(5), Fraction(-5)))
    assert -5 <= net <= 5
    if sum(e for e in entries if e > 0) <= 5 and sum(e for e in entries if e < 0) >= -5:
        assert net == sum(entries)  # within the caps nothing is cut
