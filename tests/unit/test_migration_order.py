"""Migration files sort in chain order: reading migrations/versions/ top to bottom is the history."""

from __future__ import annotations

import re
from pathlib import Path

VERSIONS = Path(__file__).resolve().parents[2] / "migrations" / "versions"
_FIELD = re.compile(r"""^(revision|down_revision)\s*(?::[^=]+)?=\s*['"]?([\w]+)['"]?""", re.M)


def _chain() -> list[tuple[str, str, str | None]]:
    rows = []
    for path in sorted(VERSIONS.glob("*.py")):
        fields = dict(_FIELD.findall(path.read_text(encoding="utf-8")))
        down = fields.get("down_revision")
        rows.append((path.name, fields["revision"], None if down in (None, "None") else down))
    return rows


def test_file_names_sort_in_chain_order() -> None:
    rows = _chain()
    assert rows[0][2] is None, f"{rows[0][0]} should be the first migration"
    for (prev_name, prev_rev, _), (name, _rev, down) in zip(rows, rows[1:]):
        assert down == prev_rev, (
            f"{name} follows {down!r} but sorts after {prev_name} ({prev_rev!r}): "
            "rename the files so that they sort in chain order"
        )
