"""Phone and ID numbers typed into comments are masked before storage; other numbers are not."""

from pathlib import Path

import pytest
import yaml

from survey_app.domain.personal_data import mask_numbers
from survey_app.domain.questionnaire import parse_definition, validate_answers

KIOSK_FORM = Path(__file__).parents[2] / "survey_app" / "definitions" / "kiosk-3l.yaml"


@pytest.mark.parametrize(("typed", "stored"), [
    ("Gọi cho tôi 0905 123 456 nhé", "Gọi cho tôi •••••••456 nhé"),
    ("sđt 0905.123.456", "sđt •••••••456"),
    ("sđt 0905-123-456.", "sđt •••••••456."),
    ("số +84 905 123 456", "số •••••••456"),
    ("số 84905123456", "số •••••••456"),
    ("số 0905123456", "số •••••••456"),
    ("máy bàn 0236 3822 111", "máy bàn •••••••111"),
    ("CMND 123456789", "CMND •••••••789"),
    ("CCCD 001099012345", "CCCD •••••••345"),
    ("CCCD 001 099 012 345", "CCCD •••••••345"),
    ("CCCD:001099012345,", "CCCD:•••••••345,"),
    ("năm 2025 0905 123 456", "năm 2025 •••••••456"),
    ("0905123456 và 0912.345.678", "•••••••456 và •••••••678"),
])
def test_phone_and_id_numbers_keep_only_their_last_three_digits(typed, stored):
    assert mask_numbers(typed) == stored


@pytest.mark.parametrize("typed", [
    "Tôi phải đến 3 lần",
    "năm 2025 chờ 45 phút",
    "quầy 12, ngày 01.12.2025",
    "mã hồ sơ 12345678",  # 8 digits: neither a phone nor an ID number
    "số hồ sơ 0001234567890123",  # 16 digits in a row: a dossier code, not a phone
    "",
])
def test_short_numbers_years_and_long_codes_stay_as_typed(typed):
    assert mask_numbers(typed) == typed


def test_masked_text_never_contains_the_clear_number():
    for typed in ("0905 123 456", "+84 905 123 456", "001 099 012 345"):
        out = mask_numbers(f"liên hệ {typed} giúp tôi")
        assert "0905" not in out and "099" not in out.replace("•", "")[:-3]


def test_every_free_text_answer_is_masked_by_the_one_validator():
    definition = parse_definition(yaml.safe_load(KIOSK_FORM.read_text(encoding="utf-8")))
    clean, problems = validate_answers(
        definition, {"overall": "not_satisfied", "comment": "gọi 0905.123.456"})
    assert problems == {}
    assert clean["comment"] == "gọi •••••••456"
