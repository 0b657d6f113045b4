"""The callback number rule on the server, from the vector list the kiosk's browser test also
reads (tests/phone_numbers.json): one list, two implementations, no drift."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from survey_app.domain.cases import callback_phone

VECTORS = json.loads((Path(__file__).parent.parent / "phone_numbers.json").read_text("utf-8"))


@pytest.mark.parametrize(("typed", "national"), VECTORS["valid"])
def test_valid_numbers_are_kept_in_their_national_form(typed, national):
    assert callback_phone(typed) == national


@pytest.mark.parametrize("typed", VECTORS["invalid"])
def test_invalid_numbers_are_refused(typed):
    assert callback_phone(typed[:40]) is None
