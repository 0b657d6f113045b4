"""The open-data CSV: one row per published unit figure, for spreadsheets.

The JSON file of the same year holds the same figures and the cells that verify each
snapshot's hash (``python -m survey_app.verify``); the CSV repeats the hash on every row so a
figure can be traced to its snapshot. A unit whose counter figures are published has one more
row per counter after its own, with ``ma_quay`` and ``ten_quay`` filled (empty on unit rows).
"""

from __future__ import annotations

import io
from typing import Any

from .cells import csv_writer

COLUMNS = ("ma_don_vi", "ten_don_vi", "ma_don_vi_cap_tren", "ma_quay", "ten_quay", "tu_ngay",
           "den_ngay", "so_phieu", "rat_hai_long", "hai_long", "chua_hai_long", "ty_le_hai_long",
           "khoang_tin_cay_thap", "khoang_tin_cay_cao", "du_so_phieu", "quy_tac", "ma_bam_ban_chot")


def figures_csv(data: dict[str, Any]) -> bytes:
    """UTF-8 with a BOM (Excel shows the diacritics), comma-separated, dot decimals."""
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for snap in data["snapshots"]:
        counters: dict[str, list[dict[str, Any]]] = {}
        for c in snap.get("counters", []):
            counters.setdefault(c["unit"], []).append(c)
        for f in snap["figures"]:
            writer.writerow(_row(data, snap, f, f["unit"], f["name"], f["parent"] or "", "", ""))
            for c in counters.get(f["unit"], []):
                writer.writerow(_row(data, snap, c, f["unit"], f["name"], f["parent"] or "",
                                     c["counter"], c["name"]))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _row(data: dict[str, Any], snap: dict[str, Any], f: dict[str, Any],
         *labels: str) -> list[Any]:
    interval = f["interval95"] or {}
    return [*labels, snap["from"], snap["to"], f["n"],
            f["counts"]["very_satisfied"], f["counts"]["satisfied"],
            f["counts"]["not_satisfied"],
            "" if f["satisfaction_rate"] is None else f["satisfaction_rate"],
            interval.get("low", ""), interval.get("high", ""),
            "1" if f["sufficient"] else "0", data["rule"], snap["content_hash"]]
