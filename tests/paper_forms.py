"""Printable forms of the shipped questionnaires, without a database (for the renderer tests)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from types import SimpleNamespace

import yaml

from survey_app.domain.questionnaire import parse_definition
from survey_app.services import paper

DEFINITIONS = Path(__file__).resolve().parent.parent / "survey_app" / "definitions"


def printable(name: str, unit: str = "UBND phường Hòa Minh, quận Liên Chiểu"):
    definition = parse_definition(yaml.safe_load((DEFINITIONS / name).read_text("utf-8")))
    batch = SimpleNamespace(id=7, unit=SimpleNamespace(name=unit),
                            period_from=date(2026, 9, 1), period_to=date(2026, 10, 31))
    return paper.paper_form(batch, definition)
