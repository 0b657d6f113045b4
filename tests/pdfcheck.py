"""Reading printed PDFs back (pdfplumber): text, page counts and words that must not overlap."""

from __future__ import annotations

import io
import itertools
import shutil
import subprocess
from pathlib import Path

import pdfplumber

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def pages_text(data: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


def words(data: bytes) -> list[list[dict]]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [page.extract_words() for page in pdf.pages]


def overlaps(data: bytes, tolerance: float = 0.5) -> list[tuple[int, str, str]]:
    """Pairs of words whose boxes overlap on a page (touching edges allowed), as
    (page number, word, word)."""
    found = []
    for number, page_words in enumerate(words(data), start=1):
        for a, b in itertools.combinations(page_words, 2):
            if (min(a["x1"], b["x1"]) - max(a["x0"], b["x0"]) > tolerance
                    and min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > tolerance):
                found.append((number, a["text"], b["text"]))
    return found


def save_pngs(data: bytes, name: str) -> None:
    """Every page as PNG at 60 dpi in test-artifacts/, for a person to look at."""
    if shutil.which("pdftoppm") is None:
        return
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = ARTIFACTS / f"{name}.pdf"
    pdf.write_bytes(data)
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(ARTIFACTS / name)],
                   check=True)
