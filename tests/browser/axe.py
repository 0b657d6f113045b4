"""axe-core (from npm, ``node_modules/axe-core``) run inside a page driven by Playwright.

The app's Content-Security-Policy forbids inline and foreign scripts, and it should stay that
way in production: the accessibility tests open their browser contexts with ``bypass_csp=True``
(:func:`new_context`) so only they may inject axe. Nothing in the app is relaxed.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
#: WCAG 2.0/2.1 level A and AA, plus axe's best practices (landmarks, headings, ``region``).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
#: A violation of these impacts fails the test ...
FAILING = {"serious", "critical"}
#: ... and so does content outside every landmark (axe rates it "moderate"): screen-reader users
#: who move by landmark never reach it, and issue 15 found the kiosk's status mark there.
FAILING_RULES = {"region"}


@cache
def axe_source() -> str:
    """The axe-core script; the test fails (never skips) when npm has not installed it."""
    if not AXE_JS.exists():
        pytest.fail(f"axe-core is missing ({AXE_JS}): run `npm ci` in the repository root "
                    "(make test-browser and .ci/run do)")
    return AXE_JS.read_text(encoding="utf-8")


def new_context(browser: Any, **options: Any) -> Any:
    """A browser context in which axe may be injected despite the app's CSP."""
    context = browser.new_context(bypass_csp=True, **options)
    context.set_default_timeout(10_000)
    return context


def violations(page: Any) -> list[dict[str, Any]]:
    """axe's violations on the page as it is now (hidden screens are not checked)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})", TAGS)
    return result["violations"]


def describe(where: str, found: list[dict[str, Any]]) -> list[str]:
    """One line per failing node: page, rule id, impact, target and axe's summary."""
    lines = []
    for rule in found:
        if rule["impact"] not in FAILING and rule["id"] not in FAILING_RULES:
            continue
        for node in rule["nodes"]:
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"{where}: {rule['id']} ({rule['impact']}) at "
                         f"{json.dumps(node['target'], ensure_ascii=False)}: {summary}")
    return lines


class Audit:
    """Collects the serious and critical violations of several pages, so one run names all."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.checked: list[str] = []

    def check(self, page: Any, where: str) -> None:
        self.checked.append(where)
        self.problems += describe(where, violations(page))

    def assert_clean(self) -> None:
        assert not self.problems, (
            f"axe-core found {len(self.problems)} violation(s) that fail the test:\n"
            + "\n".join(self.problems))
